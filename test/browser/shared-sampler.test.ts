// The shared sampler in a real browser: a cross-origin isolated page (COOP + COEP headers) counts
// from a Web Worker through attachSampler; a page without them gets the clear error.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { readFile } from "node:fs/promises";
import { join, normalize } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumPath, launchChromium } from "./find-chromium.js";

const root = join(import.meta.dirname, "..", "..");
let server: Server;
let browser: Browser;
let base = "";
const executablePath = chromiumPath();

async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://x");
  const path = normalize(url.pathname);
  // Cross-origin isolation: what an embedding page must send for SharedArrayBuffer.
  const isolated = url.searchParams.has("isolated") || path.startsWith("/dist/");
  const headers: Record<string, string> = isolated
    ? { "cross-origin-opener-policy": "same-origin", "cross-origin-embedder-policy": "require-corp" }
    : {};
  if (!path.startsWith("/dist/")) {
    res.writeHead(200, { ...headers, "content-type": "text/html" }).end("<!doctype html><title>keyviz</title>");
    return;
  }
  try {
    const body = await readFile(join(root, path));
    res
      .writeHead(200, {
        ...headers,
        "content-type": path.endsWith(".js") ? "text/javascript" : "application/octet-stream",
      })
      .end(body);
  } catch {
    res.writeHead(404).end();
  }
}

describe.skipIf(executablePath === null)("shared sampler in chromium", () => {
  beforeAll(async () => {
    server = createServer((req, res) => void serve(req, res));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const addr = server.address();
    base = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
    browser = await launchChromium(executablePath!);
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  it("a cross-origin isolated page counts from a Web Worker", async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/?isolated`);
    // A string, not a function: vitest would rewrite a dynamic import() inside a function body.
    const result = await page.evaluate(`(async () => {
      const kv = await import("${base}/dist/index.js");
      const s = kv.createSampler({ shared: true, stepMs: 1000 });
      s.registerRoute(1);
      const src = 'import { attachSampler } from "${base}/dist/index.js";' +
        'onmessage = (e) => { const o = attachSampler(e.data); for (let i = 0; i < 1000; i++) o.observe(1, 1, 3, 4); postMessage("done"); };';
      const w = new Worker(URL.createObjectURL(new Blob([src], { type: "text/javascript" })), { type: "module" });
      await new Promise((resolve, reject) => { w.onmessage = resolve; w.onerror = (e) => reject(new Error(e.message)); w.postMessage(s.workerHandle()); });
      w.terminate();
      s.flush();
      const rows = s.snapshot().flatMap((c) => c.rows);
      return { isolated: crossOriginIsolated, writes: rows.reduce((a, r) => a + r.writes, 0), bytes: rows.reduce((a, r) => a + r.writeBytes, 0) };
    })()`);
    expect(result).toEqual({ isolated: true, writes: 1000, bytes: 7000 });
    await page.close();
  });

  it("a page that is not cross-origin isolated gets an error naming the headers", async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/`);
    const message = await page.evaluate(`(async () => {
      const kv = await import("${base}/dist/index.js");
      try { kv.createSampler({ shared: true }); return "no error"; } catch (e) { return e.message; }
    })()`);
    expect(message).toMatch(
      /SharedArrayBuffer.*Cross-Origin-Opener-Policy: same-origin.*Cross-Origin-Embedder-Policy: require-corp/,
    );
    await page.close();
  });
});
