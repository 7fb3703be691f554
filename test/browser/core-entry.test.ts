// The core entry runs in a real browser: Chromium (see find-chromium.ts) loads the built dist/ as
// plain ES modules from a loopback server and drives a sampler, its Wasm counters and the Wasm matrix.
import { describe, expect, it } from "vitest";
import { chromiumPath } from "./find-chromium.js";
import { useDistPage } from "./dist-page.js";

const executablePath = chromiumPath();

describe.skipIf(executablePath === null)("core entry in chromium", () => {
  const site = useDistPage(executablePath!);

  it("counts, flushes and builds a matrix with the same Wasm core", async () => {
    const page = await site.browser.newPage();
    await page.goto(`${site.base}/`);
    // A string, not a function: vitest would rewrite a dynamic import() inside a function body.
    const result = await page.evaluate(`(async () => {
      const kv = await import("${site.base}/dist/index.js");
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
    const page = await site.browser.newPage();
    await page.goto(`${site.base}/`);
    const replayed = await page.evaluate(`(async () => {
      const kv = await import("${site.base}/dist/index.js");
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
