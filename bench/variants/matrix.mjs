// Issue 4 — the heatmap matrix: 1440 columns × 10 000 routes down to 1 024 rows, in Wasm and in
// the pure-JS build of the same algorithm, the JSON response size, the fan-out merge of 3 nodes,
// and (extra) a matrix request end to end from a sampler filled through observe + flush.
//   node bench/variants/matrix.mjs <variant>
import { runVariant } from "../lib/child.mjs";
import { importDist } from "../lib/dist.mjs";
import { filledSampler } from "../lib/fixtures.mjs";
import { makeView, MATRIX_COLUMNS, MATRIX_ROUTES } from "../lib/matrix-view.mjs";
import { msPerCall } from "../lib/measure.mjs";

const ROWS = 1024;
const NOW = Date.UTC(2025, 0, 2);

function total(m) {
  let s = 0;
  for (const row of m.rows) for (const v of row.values) s += v;
  return s;
}

async function build(fnName) {
  const buildFn = (await importDist("matrix/build.js"))[fnName];
  const view = makeView(1);
  /** @type {any} the last matrix built, read after timing */
  let m;
  const r = msPerCall(() => {
    m = buildFn(view, { rows: ROWS, nowMs: NOW });
  });
  const t0 = performance.now();
  const json = JSON.stringify(m);
  return {
    ...r,
    rows: m.rows.length,
    columns: m.column_unix_ms.length,
    total: total(m),
    jsonBytes: Buffer.byteLength(json),
    stringifyMs: performance.now() - t0,
  };
}

const variants = {
  "matrix-wasm": () => build("buildMatrix"),
  "matrix-js": () => build("buildMatrixJs"),

  // Three nodes, each with its own activity (different seeds): their budgets merge different
  // runs, so the union holds more than 1 024 rows and the merge must re-budget.
  "merge-3": async () => {
    const { buildMatrix } = await importDist("matrix/build.js");
    const { mergeMatrices } = await importDist("matrix/merge.js");
    const parts = [1, 2, 3].map((seed) => buildMatrix(makeView(seed), { rows: ROWS, nowMs: NOW }));
    /** @type {any} the last matrix built, read after timing */
    let m;
    const r = msPerCall(() => {
      m = mergeMatrices(parts, { rows: ROWS, nowMs: NOW });
    });
    const unionRows = new Set(parts.flatMap((p) => p.rows.map((row) => row.bucket_id))).size;
    return { ...r, unionRows, rows: m.rows.length, jsonBytes: Buffer.byteLength(JSON.stringify(m)) };
  },

  // A matrix request end to end on a sampler filled with the same shape through the public API:
  // sampler.matrix() once it exists, else the two steps it takes (series view, buildMatrix).
  "matrix-e2e": async () => {
    const { buildMatrix } = await importDist("matrix/build.js");
    const { sampler } = await filledSampler({ routes: MATRIX_ROUTES, columns: MATRIX_COLUMNS });
    const viaSampler = typeof sampler.matrix === "function";
    const run = viaSampler
      ? () => sampler.matrix({ series: "writes", rows: ROWS })
      : () => buildMatrix(sampler.history.seriesView("writes"), { rows: ROWS, nowMs: NOW });
    /** @type {any} the last matrix built, read after timing */
    let m;
    const r = msPerCall(() => (m = run()));
    return { ...r, path: viaSampler ? "sampler.matrix()" : "history.seriesView + buildMatrix", rows: m.rows.length };
  },
};

await runVariant(variants);
