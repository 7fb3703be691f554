// Issue 12 — the viewer in headless Chromium (the project's flags, --disable-gpu: software canvas).
//   node bench/variants/viewer.mjs <variant>
// The page code is bundled from src/ with esbuild (the viewer ships as a bundle, not as dist/*.js):
// the heatmap painter, colour scale and table, the grid model, and the core's openHistory.
//
//   render-putimage    one 1 024 × 1 440 frame on a 1 440 × 1 024 canvas: pixel fill through the
//                      colour table + putImageData, timed in the page with performance.now()
//   render-fillrect    the same frame with one fillStyle + fillRect per non-zero cell (the
//                      reference page's way): the baseline
//   replay-columns     replay at 1 024 rows: one column revealed per step, painting only the new
//                      pixel columns (what the page does while playing); columns per second
//   replay-full-repaint  steps repainting the whole frame each time (120 of them, every 12th
//                      column): the baseline
//   replay-load-24hx10k  openHistory + matrix(rows 1 024) + the page's grid, of a 24 h × 10 000-route
//                      export file generated here with the built sampler
// Every frame is followed by a 1-pixel getImageData in `flushedMs`, which forces Chromium to
// rasterise the deferred canvas work (fillRect is recorded, not drawn, until then).
// `mainThreadCpuMsPerUnit`: the page's main-thread CPU time per frame / step / load (CDP
// ThreadTime), for a machine too loaded for wall times to mean much.
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { runVariant, skipped } from "../lib/child.mjs";
import { importDist, importSampler } from "../lib/dist.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));
const ROWS = 1024;
const COLS = 1440;
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const ORIGIN = "http://bench.invalid";

function findChromium() {
  for (const p of [process.env.KEYVIZ_CHROMIUM, process.env.CHROME_PATH]) if (p) return p;
  for (const name of ["chromium", "chromium-browser", "google-chrome"]) {
    try {
      return execFileSync("which", [name], { encoding: "utf8" }).trim();
    } catch {
      // not on PATH
    }
  }
  return existsSync("/usr/bin/chromium") ? "/usr/bin/chromium" : null;
}

async function pageBundle() {
  const contents = [
    'export { paintHeatmap, pixelSpan } from "./src/paint/heatmap.ts";',
    'export { makeScale } from "./src/paint/scale.ts";',
    'export { sequentialLut } from "./src/paint/palette.ts";',
    'export { gridFromMatrix } from "./src/web/data/grid.ts";',
    'export { openHistory } from "./src/history/replay.ts";',
  ].join("\n");
  const out = await build({
    stdin: { contents, resolveDir: root, loader: "ts", sourcefile: "bench-viewer.ts" },
    bundle: true,
    format: "iife",
    globalName: "kv",
    platform: "browser",
    target: "es2022",
    write: false,
    logLevel: "error",
  });
  return out.outputFiles[0].text;
}

/**
 * Runs `setup`, then `script` (page code returning a promise of the result), in a fresh page.
 * The main thread's CPU time over `script` (CDP ThreadTime) is added per unit of work
 * (`result.work`), a figure that a loaded machine does not inflate the way it does wall time.
 */
async function inChromium(script, files = {}, setup = "0") {
  const executablePath = findChromium();
  if (executablePath === null) return skipped("no Chromium found (set KEYVIZ_CHROMIUM)");
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({ executablePath, args: ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1200 } });
    const bundle = await pageBundle();
    await page.route(`${ORIGIN}/**`, (route) => {
      const path = new URL(route.request().url()).pathname;
      if (path in files)
        return route.fulfill({ status: 200, contentType: "application/octet-stream", body: files[path] });
      return route.fulfill({
        status: 200,
        contentType: "text/html",
        body: `<!doctype html><canvas id="c" width="${COLS}" height="${ROWS}"></canvas><script>${bundle.replace(/<\/script/gi, "<\\/script")}</script>`,
      });
    });
    await page.goto(`${ORIGIN}/`);
    await page.evaluate(setup);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Performance.enable", { timeDomain: "threadTicks" });
    const threadTime = async () =>
      (await cdp.send("Performance.getMetrics")).metrics.find((m) => m.name === "ThreadTime")?.value ?? NaN;
    const before = await threadTime();
    const result = await page.evaluate(script);
    const cpuMs = ((await threadTime()) - before) * 1000;
    return { ...result, mainThreadCpuMsPerUnit: +(cpuMs / (result.work ?? 1)).toFixed(3) };
  } finally {
    await browser.close();
  }
}

// Shared page code: a heavy-tailed 1 024 × 1 440 grid (deterministic), the colour scale and table.
const SETUP = `
  const ROWS = ${ROWS}, COLS = ${COLS};
  const values = new Float64Array(ROWS * COLS);
  let seed = 12345;
  const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
  let max = 0;
  for (let i = 0; i < values.length; i++) {
    const v = rnd() < 0.2 ? 0 : Math.floor(rnd() ** 6 * 100000);
    values[i] = v;
    if (v > max) max = v;
  }
  const canvas = document.getElementById("c");
  const ctx = canvas.getContext("2d");
  const scale = kv.makeScale("log", false, max, 1);
  const lut = kv.sequentialLut("viridis");
  const image = ctx.createImageData(canvas.width, canvas.height);
  const pixels = new Uint32Array(image.data.buffer);
  const layer = { values, stride: COLS, r0: 0, r1: ROWS, c0: 0, c1: COLS, conflicts: null };
  const median = (xs) => xs.slice().sort((a, b) => a - b)[xs.length >> 1];
  const flush = () => ctx.getImageData(0, 0, 1, 1);
  Object.assign(globalThis, { ROWS, COLS, values, max, canvas, ctx, scale, lut, image, pixels, layer, median, flush });
`;
const GRID = `(() => { ${SETUP} })()`;

const putImage = `(async () => {
  const times = [], flushed = [];
  for (let f = 0; f < 18; f++) {
    const t0 = performance.now();
    kv.paintHeatmap(pixels, canvas.width, canvas.height, layer, scale, lut);
    ctx.putImageData(image, 0, 0);
    const t1 = performance.now();
    flush();
    const t2 = performance.now();
    if (f >= 3) { times.push(t1 - t0); flushed.push(t2 - t0); }
  }
  return { value: median(times), flushedMs: median(flushed), frames: times.length, work: 18, cells: ROWS * COLS };
})()`;

// The reference page's loop: a ramp colour string and one fillRect per non-zero cell.
const fillRect = `(async () => {
  const stops = [[0, 0, 0, 0, 0], [0.15, 56, 88, 222, 180], [0.45, 86, 196, 110, 220], [0.75, 240, 200, 60, 235], [1, 220, 50, 50, 245]];
  const ramp = (t) => {
    let i = 1;
    while (i < stops.length - 1 && stops[i][0] < t) i++;
    const a = stops[i - 1], b = stops[i], f = (t - a[0]) / (b[0] - a[0]);
    return [1, 2, 3, 4].map((k) => Math.round(a[k] + (b[k] - a[k]) * f));
  };
  const cw = canvas.width / COLS, ch = canvas.height / ROWS;
  const times = [], flushed = [];
  for (let f = 0; f < 3; f++) {
    const t0 = performance.now();
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    for (let r = 0; r < ROWS; r++) {
      for (let c = 0; c < COLS; c++) {
        const v = values[r * COLS + c];
        if (v === 0) continue;
        const [R, G, B, A] = ramp(v / max);
        ctx.fillStyle = "rgba(" + R + ", " + G + ", " + B + ", " + A / 255 + ")";
        ctx.fillRect(c * cw, r * ch, cw, ch);
      }
    }
    const t1 = performance.now();
    flush();
    const t2 = performance.now();
    if (f >= 1) { times.push(t1 - t0); flushed.push(t2 - t0); }
  }
  return { value: median(times), flushedMs: median(flushed), frames: times.length, work: 3, cells: ROWS * COLS };
})()`;

function replay(incremental) {
  // The full-repaint baseline takes a whole frame per step: 120 steps spread over the day (every
  // 12th column, so the revealed part grows as in a real replay) measure its rate.
  const steps = incremental ? COLS : 120;
  const stride = COLS / steps;
  return `(async () => {
    pixels.fill(0);
    const t0 = performance.now();
    for (let k = 1; k <= ${steps}; k++) {
      const c = k * ${stride};
      const step = { ...layer, reveal: c };
      if (${incremental}) {
        const [x0, x1] = kv.pixelSpan(c - 1, c, COLS, canvas.width);
        kv.paintHeatmap(pixels, canvas.width, canvas.height, step, scale, lut, x0, x1);
        ctx.putImageData(image, 0, 0, x0, 0, x1 - x0, canvas.height);
      } else {
        kv.paintHeatmap(pixels, canvas.width, canvas.height, step, scale, lut);
        ctx.putImageData(image, 0, 0);
      }
    }
    flush();
    const ms = performance.now() - t0;
    return { value: (${steps} * 1000) / ms, totalMs: ms, steps: ${steps}, work: ${steps}, columns: COLS, rows: ROWS };
  })()`;
}

/** A 24 h × 10 000-route export file (one column per minute), made with the built sampler. */
async function dayOfTenThousandRoutes() {
  const ROUTES = 10_000;
  const { createSampler } = await importSampler();
  const { exportBytes } = await importDist("history/export.js");
  let now = Date.UTC(2026, 0, 1);
  const s = createSampler({ stepMs: 60_000, now: () => now, maxTrackedRoutes: ROUTES, historyColumns: 1440 });
  const key = (i) => new TextEncoder().encode(`user:${String(i).padStart(6, "0")}`);
  for (let i = 0; i < ROUTES; i++)
    s.registerRoute(i + 1, i === 0 ? null : key(i), i === ROUTES - 1 ? null : key(i + 1), 1 + (i % 16));
  let seed = 7;
  const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
  for (let c = 0; c < 1440; c++) {
    for (let i = 0; i < ROUTES; i++) {
      const n = Math.floor(rnd() ** 3 * 6);
      for (let k = 0; k < n; k++) s.observe(i + 1, k & 1, 12, 100);
    }
    now += 60_000;
    s.flush();
  }
  // The sampler's own export where it has one (its history is no longer a public field).
  return typeof s.exportHistory === "function" ? s.exportHistory() : exportBytes(s.history, 60_000, {}, now);
}

const loadFile = `(async () => {
  const bytes = new Uint8Array(await (await fetch("${ORIGIN}/day.kvz")).arrayBuffer());
  const t0 = performance.now();
  const replay = kv.openHistory(bytes);
  const t1 = performance.now();
  const grid = kv.gridFromMatrix(replay.matrix({ series: "writes", rows: 1024 }));
  const t2 = performance.now();
  const coarse = replay.matrix({ series: "writes", rows: 1024, stepMs: 600000 });
  const t3 = performance.now();
  return { value: t2 - t0, openMs: t1 - t0, matrixMs: t2 - t1, rebucket10minMs: t3 - t2, fileBytes: bytes.length, rows: grid.rows.length, columns: grid.times.length, coarseColumns: coarse.column_unix_ms.length };
})()`;

await runVariant({
  "render-putimage": () => inChromium(putImage, {}, GRID),
  "render-fillrect": () => inChromium(fillRect, {}, GRID),
  "replay-columns": () => inChromium(replay(true), {}, GRID),
  "replay-full-repaint": () => inChromium(replay(false), {}, GRID),
  "replay-load-24hx10k": async () => {
    const file = await dayOfTenThousandRoutes();
    return inChromium(loadFile, { "/day.kvz": Buffer.from(file) });
  },
});
