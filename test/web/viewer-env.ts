// What a viewer test file shares: one Chromium (its launch is the expensive part) and one keyviz
// node with known traffic (fixture.ts), started before the file's tests and closed after them.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { launchChromium } from "../browser/find-chromium.js";
import { startNode, type Node } from "./fixture.js";

export interface ViewerEnv {
  browser: Browser;
  node: Node;
}

/** Call inside the file's `describe`; the fields are set once its `beforeAll` has run. */
export function viewerEnv(executablePath: string, columns: number): ViewerEnv {
  const env = {} as ViewerEnv;
  beforeAll(async () => {
    [env.browser, env.node] = await Promise.all([launchChromium(executablePath), startNode(columns)]);
  });
  afterAll(async () => {
    await env.browser?.close();
    await env.node?.close();
  });
  return env;
}
