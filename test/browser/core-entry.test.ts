// The core entry runs in a real browser: Chromium (see find-chromium.ts) loads the built dist/ as
// plain ES modules from a loopback server and drives a sampler, its Wasm counters and the Wasm matrix.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumPath, launchChromium } from "./find-chromium.js";

const root = join(import.meta.dirname, "..", "..");
let server: Server;
let browser: Browser;
let base = "";
const executablePath = chromiumPath();

async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
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
}

describe.skipIf(executablePath === null)("core entry in chromium", () => {
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

  it("opens a .kvz export and replays the same matrix as the sampler that wrote it", async () => {
    const { createSampler } = await import("../../src/index.js");
    const enc = (s: string) => new TextEncoder().encode(s);
    let now = 1_000_000;
    const s = createSampler({ stepMs: 1000, now: () => now, keyBucketsPerRoute: 4, labels: ["x"] });
    s.registerRoute(1, null, enc("m"), 1);
    s.registerRoute(2, enc("m"), null, 2);
    s.setLeaderTerm(1, 5);
    for (let c = 0; c < 4; c++) {
      for (let i = 0; i < 50; i++)
        s.observeKey(i % 3 === 0 ? 1 : 2, (i % 2) as 0 | 1, enc("k" + i * c), 10, i % 5 === 0 ? "x" : "");
      now += 1000;
      s.flush();
    }
    const bytes = s.exportHistory();
    const page = await browser.newPage();
    await page.goto(`${base}/`);
    const replayed = await page.evaluate(`(async () => {
      const kv = await import("${base}/dist/index.js");
      const r = kv.openHistory(Uint8Array.from(${JSON.stringify(Array.from(bytes))}));
      const m = r.matrix({ series: "read_bytes", rows: 3 });
      let rejected = "";
      try { kv.openHistory(Uint8Array.from([0x89, 0x4b])); } catch (e) { rejected = e.name + " " + e.offset; }
      let storage = "";
      try { kv.createSampler({ storage: { dir: "/tmp/x" } }); } catch (e) { storage = e.name + ": " + e.message; }
      return { m: { ...m, generated_at: "" }, columns: r.columns.length, rejected, storage };
    })()`);
    expect(replayed).toEqual({
      m: { ...s.matrix({ series: "read_bytes", rows: 3 }), generated_at: "" },
      columns: 4,
      rejected: "HistoryFormatError 2",
      storage: expect.stringMatching(/^TypeError: storage needs Node\.js .* not available in browsers/),
    });
    await page.close();
  });
});
