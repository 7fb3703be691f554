// The core entry runs in a real browser: Debian chromium loads the built dist/ as plain ES
// modules from a loopback server and drives a sampler, its Wasm counters and the Wasm matrix.
import { createServer, type Server } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");
let server: Server;
let browser: Browser;
let base = "";

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const path = normalize(new URL(req.url ?? "/", "http://x").pathname);
    if (!path.startsWith("/dist/")) {
      res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>keyviz</title>");
      return;
    }
    try {
      const body = await readFile(join(root, path));
      const type = extname(path) === ".js" ? "text/javascript" : "application/octet-stream";
      res.writeHead(200, { "content-type": type }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const addr = server.address();
  base = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
});

describe("core entry in chromium", () => {
  it("counts, flushes and builds a matrix with the same Wasm core", async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/`);
    // A string, not a function: vitest would rewrite a dynamic import() inside a function body.
    const result = await page.evaluate(`(async () => {
      const kv = await import("${base}/dist/index.js");
      const enc = (s) => new TextEncoder().encode(s);
      let now = 1000;
      const s = kv.createSampler({ stepMs: 1000, now: () => now, keyBucketsPerRoute: 4 });
      s.registerRoute(1, null, enc("m"), 1);
      s.registerRoute(2, enc("m"), null, 2);
      for (let i = 0; i < 100; i++) s.observeKey(i % 2 === 0 ? 1 : 2, 1, enc("k" + i), 10);
      now += 1000;
      s.flush();
      const m = s.matrix({ series: "writes", rows: 2 });
      return { rows: m.rows.length, sum: m.rows.reduce((a, r) => a + r.values[0], 0) };
    })()`);
    expect(result).toEqual({ rows: 2, sum: 100 });
    await page.close();
  });
});
