// The shared sampler in a real browser: a cross-origin isolated page (COOP + COEP headers) counts
// from a Web Worker through attachSampler and routes keys through attachCoordinator; a page
// without them gets the clear error.
import { describe, expect, it } from "vitest";
import { chromiumPath } from "./find-chromium.js";
import { useDistPage } from "./dist-page.js";

const executablePath = chromiumPath();

describe.skipIf(executablePath === null)("shared sampler in chromium", () => {
  const site = useDistPage(
    executablePath!,
    (url) => url.searchParams.has("isolated") || url.pathname.startsWith("/dist/"),
  );

  it("a cross-origin isolated page counts from a Web Worker", async () => {
    const page = await site.browser.newPage();
    await page.goto(`${site.base}/?isolated`);
    // A string, not a function: vitest would rewrite a dynamic import() inside a function body.
    const result = await page.evaluate(`(async () => {
      const kv = await import("${site.base}/dist/index.js");
      const s = kv.createSampler({ shared: true, stepMs: 1000 });
      s.registerRoute(1);
      const src = 'import { attachSampler } from "${site.base}/dist/index.js";' +
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

  it("a Web Worker routes keys through attachCoordinator and sees the page's split", async () => {
    const page = await site.browser.newPage();
    await page.goto(`${site.base}/?isolated`);
    const result = await page.evaluate(`(async () => {
      const kv = await import("${site.base}/dist/index.js");
      const { MemoryGroup } = await import("${site.base}/dist/testing/index.js");
      const s = kv.createSampler({ shared: true, stepMs: 1000 });
      const groups = new Map([[1, new MemoryGroup({ groupId: 1 })]]);
      const c = new kv.Coordinator({ routes: [{ routeId: 1, start: null, end: null, groupId: 1 }], groups, sampler: s });
      const src = 'import { attachCoordinator } from "${site.base}/dist/index.js";' +
        'let r; onmessage = (e) => { r ??= attachCoordinator(e.data); const ids = [];' +
        ' for (const k of ["apple", "kiwi", "melon", "zebra"]) ids.push(r.observeKey(0, new TextEncoder().encode(k)).routeId);' +
        ' postMessage(ids); };';
      const w = new Worker(URL.createObjectURL(new Blob([src], { type: "text/javascript" })), { type: "module" });
      const ask = (m) => new Promise((resolve, reject) => { w.onmessage = (e) => resolve(e.data); w.onerror = (e) => reject(new Error(e.message)); w.postMessage(m); });
      const before = await ask(c.workerHandle());
      const [left, right] = c.split(1, new TextEncoder().encode("m"));
      const after = await ask(null);
      w.terminate();
      s.flush();
      const reads = s.snapshot().flatMap((col) => col.rows).reduce((a, row) => a + row.reads, 0);
      return { before, after, left, right, reads, misses: s.workerMisses().reads };
    })()`);
    expect(result).toEqual({ before: [1, 1, 1, 1], after: [2, 2, 3, 3], left: 2, right: 3, reads: 8, misses: 0 });
    await page.close();
  });

  it("a page that is not cross-origin isolated gets an error naming the headers", async () => {
    const page = await site.browser.newPage();
    await page.goto(`${site.base}/`);
    const message = await page.evaluate(`(async () => {
      const kv = await import("${site.base}/dist/index.js");
      try { kv.createSampler({ shared: true }); return "no error"; } catch (e) { return e.message; }
    })()`);
    expect(message).toMatch(
      /SharedArrayBuffer.*Cross-Origin-Opener-Policy: same-origin.*Cross-Origin-Embedder-Policy: require-corp/,
    );
    await page.close();
  });
});
