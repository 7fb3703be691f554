// Issue 2 — allocation on the hot path and history memory. Run with --expose-gc (run.mjs does).
//   node --expose-gc bench/variants/memory.mjs <variant>
import { PerformanceObserver, performance } from "node:perf_hooks";
import { runVariant } from "../lib/child.mjs";
import { importSampler } from "../lib/dist.mjs";
import { filledSampler } from "../lib/fixtures.mjs";
import { boundedRoutes, INPUT_MASK, observeInputs, randomKeys } from "../lib/workload.mjs";

const CALLS = 10_000_000;
const ROUTES = 1024;

if (typeof globalThis.gc !== "function") throw new Error("run with node --expose-gc");

async function sampler(k) {
  const { createSampler } = await importSampler();
  const s = createSampler({ keyBucketsPerRoute: k });
  for (const r of boundedRoutes(ROUTES)) s.registerRoute(r.routeId, r.start, r.end, r.groupId);
  return s;
}

/**
 * Heap growth over CALLS calls of `call(i)`, after a warm-up that lets V8 optimise the loop.
 * Reports the growth retained after a full GC, the raw growth without one, and how many GCs ran
 * during the loop: allocation of even 8 bytes per call would be 80 MB, i.e. several scavenges.
 */
async function heapGrowth(call) {
  const loop = (n) => {
    for (let i = 0; i < n; i++) call(i & INPUT_MASK);
  };
  loop(1_000_000);
  const gcs = [];
  const observer = new PerformanceObserver((list) => gcs.push(...list.getEntries()));
  observer.observe({ entryTypes: ["gc"] });
  gc();
  gc();
  await new Promise((r) => setTimeout(r, 20));
  const before = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  loop(CALLS);
  const t1 = performance.now();
  const rawGrowth = process.memoryUsage().heapUsed - before;
  gc();
  gc();
  const retained = process.memoryUsage().heapUsed - before;
  await new Promise((r) => setTimeout(r, 50));
  observer.disconnect();
  const gcsDuringLoop = gcs.filter((e) => e.startTime >= t0 && e.startTime <= t1).length;
  return {
    value: Math.max(retained, 0),
    retainedBytes: retained,
    rawGrowthBytes: rawGrowth,
    gcsDuringLoop,
    calls: CALLS,
  };
}

const variants = {
  "alloc-observe": async () => {
    const s = await sampler(1);
    const { routeIds, ops, keyLens, valueLens } = observeInputs(ROUTES);
    return heapGrowth((i) => s.observe(routeIds[i], ops[i], keyLens[i], valueLens[i]));
  },
  "alloc-observeKey-k1": async () => {
    const s = await sampler(1);
    const { keys, routeOf } = randomKeys(ROUTES);
    const { ops, valueLens } = observeInputs(ROUTES);
    return heapGrowth((i) => s.observeKey(routeOf[i], ops[i], keys[i], valueLens[i]));
  },
  "alloc-observeKey-k16": async () => {
    const s = await sampler(16);
    const { keys, routeOf } = randomKeys(ROUTES);
    const { ops, valueLens } = observeInputs(ROUTES);
    return heapGrowth((i) => s.observeKey(routeOf[i], ops[i], keys[i], valueLens[i]));
  },

  // 1440 columns × 10 000 routes, every route non-zero in all four series in every column.
  // Bytes per stored cell from sampler.stats().memoryBytes (counters + history) before and after
  // filling, cross-checked against the process's heap + array-buffer growth.
  "history-1440x10k": async () => {
    const routes = 10_000;
    const columns = 1440;
    gc();
    const m0 = process.memoryUsage();
    // A one-column sampler stands in for the fixed part (counters, metas, one column).
    const statsBefore = (await filledSampler({ routes, columns: 1 })).sampler.stats().memoryBytes;
    const { sampler: full } = await filledSampler({ routes, columns });
    gc();
    const m1 = process.memoryUsage();
    const statsAfter = full.stats().memoryBytes;
    const cells = routes * columns;
    const fromStats = statsAfter - statsBefore;
    const processGrowth = m1.heapUsed + m1.arrayBuffers - (m0.heapUsed + m0.arrayBuffers);
    return {
      value: fromStats / (cells - routes),
      cells,
      totalBytes: statsAfter,
      historyBytes: fromStats,
      processBytesPerCell: processGrowth / cells,
      processBytes: processGrowth,
      columns: full.stats().columns,
    };
  },
};

await runVariant(variants);
