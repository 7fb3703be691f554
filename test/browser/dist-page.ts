// For browser tests of the built package: a loopback server that serves dist/ as plain ES modules
// (and a blank HTML page at every other path), and one Chromium for the suite. `isolated(url)`
// picks the responses that carry the cross-origin isolation headers (COOP + COEP) an embedding
// page must send before SharedArrayBuffer exists.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { launchChromium } from "./find-chromium.js";

const root = join(import.meta.dirname, "..", "..");
const ISOLATION = { "cross-origin-opener-policy": "same-origin", "cross-origin-embedder-policy": "require-corp" };

export interface DistPage {
  /** `http://127.0.0.1:<port>`, set before the first test. */
  readonly base: string;
  readonly browser: Browser;
}

/** Call inside a `describe`: starts the server and Chromium before its tests, stops them after. */
export function useDistPage(executablePath: string, isolated: (url: URL) => boolean = () => false): DistPage {
  let server: Server | undefined;
  const ctx = { base: "", browser: undefined as unknown as Browser };
  beforeAll(async () => {
    server = createServer((req, res) => void serve(req, res, isolated));
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    const addr = server.address();
    ctx.base = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
    ctx.browser = await launchChromium(executablePath);
  });
  afterAll(async () => {
    await ctx.browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });
  return ctx;
}

async function serve(req: IncomingMessage, res: ServerResponse, isolated: (url: URL) => boolean): Promise<void> {
  const url = new URL(req.url ?? "/", "http://x");
  const path = normalize(url.pathname);
  const headers: Record<string, string> = isolated(url) ? ISOLATION : {};
  if (!path.startsWith("/dist/")) {
    res.writeHead(200, { ...headers, "content-type": "text/html" }).end("<!doctype html><title>keyviz</title>");
    return;
  }
  try {
    const body = await readFile(join(root, path));
    const type = extname(path) === ".js" ? "text/javascript" : "application/octet-stream";
    res.writeHead(200, { ...headers, "content-type": type }).end(body);
  } catch {
    res.writeHead(404).end();
  }
}
