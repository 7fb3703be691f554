// Issue 15 — one sampler counted from worker threads over shared memory.
//   node bench/variants/workers.mjs <variant>     (normally spawned by bench/run.mjs)
// observe per call from a worker vs single-threaded; aggregate observations per second with 1 and
// 2 workers (wall clock from a start barrier to the merged matrix) vs a sampler per worker merged
// by mergeMatrices; flush with 4 attached workers' stripes vs the same counts in a plain sampler.
// Key routing: a coordinator's lookup + observeKey on the owner vs attachCoordinator's in a worker
// (1 024 covering routes, random 18–24-byte keys with a common prefix).
import { Worker } from "node:worker_threads";
import { runVariant } from "../lib/child.mjs";
import { importDist, importSampler } from "../lib/dist.mjs";
import { fakeClock, STEP_MS } from "../lib/fixtures.mjs";
import { msEach, nsPerOp } from "../lib/measure.mjs";
import { boundedRoutes, coveringRoutes, INPUT_MASK, observeInputs, randomKeys } from "../lib/workload.mjs";

const ROUTES = 1024;
const BATCH = 1024;
/** Observes per worker in an aggregate run (~0.5 s at 3–4 ns each). */
const LOOP_OPS = 1 << 27;
const WORKER = new URL("../lib/shared-worker.mjs", import.meta.url);

async function sampler(extra = {}, routes = ROUTES) {
  const { createSampler } = await importSampler();
  const s = createSampler({ maxTrackedRoutes: Math.max(routes, 10_000), ...extra });
  for (const r of boundedRoutes(routes)) s.registerRoute(r.routeId, r.start, r.end, r.groupId);
  return s;
}

function message(w) {
  return new Promise((resolve, reject) => {
    w.once("message", resolve);
    w.once("error", reject);
  });
}

/** N workers × LOOP_OPS observes from one barrier; ops per wall second up to the merged matrix. */
async function aggregate(workers, shared) {
  const { mergeMatrices } = await importSampler();
  const s = shared ? await sampler({ shared: true }) : null;
  const gate = new Int32Array(new SharedArrayBuffer(4));
  const ws = Array.from(
    { length: workers },
    () =>
      new Worker(WORKER, { workerData: { job: "loop", handle: s?.workerHandle(), ops: LOOP_OPS, gate: gate.buffer } }),
  );
  await Promise.all(ws.map(message));
  const done = ws.map(message);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  Atomics.store(gate, 0, 1);
  Atomics.notify(gate, 0);
  const results = await Promise.all(done);
  let m;
  if (s !== null) {
    s.flush();
    m = s.matrix({ series: "writes" });
  } else {
    m = mergeMatrices(results.map((r) => r.matrix));
  }
  const total = m.rows.reduce((a, r) => a + r.values.reduce((x, y) => x + y, 0), 0);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  await Promise.all(ws.map((w) => w.terminate()));
  // Wall clock is the point (parallelism); per CPU-second tells code cost from a busy machine.
  return {
    value: (workers * LOOP_OPS) / seconds,
    seconds: +seconds.toFixed(3),
    cpuSeconds: +cpuSeconds.toFixed(3),
    opsPerCpuSecond: Math.round((workers * LOOP_OPS) / cpuSeconds),
    writesCounted: total,
  };
}

/** Flush of 10 000 routes; `observers` attached stripes hold the counts (0 = the owner's own). */
async function flush(observers) {
  const { attachSampler } = await importSampler();
  const clock = fakeClock();
  const s = await sampler({ historyColumns: 8, stepMs: STEP_MS, now: clock.now, shared: observers > 0 }, 10_000);
  // Attached from this thread: the harvest reads the stripes the same whichever thread wrote them.
  const os = Array.from({ length: observers }, () => attachSampler(s.workerHandle()));
  const r = msEach({
    iterations: 40,
    prepare: () => {
      for (let route = 0; route < 10_000; route++) {
        const o = observers > 0 ? os[route % observers] : s;
        o.observe(route, 0, 20);
        o.observe(route, 1, 20, 100);
      }
      clock.tick();
    },
    run: () => s.flush(),
  });
  return { ...r, rowsPerFlush: s.snapshot().at(-1).rows.length };
}

/** A coordinator over a shared sampler (1 024 covering routes, one MemoryGroup). */
async function sharedCoordinator() {
  const { createSampler, Coordinator } = await importSampler();
  const { MemoryGroup } = await importDist("testing/index.js");
  const s = createSampler({ shared: true, maxTrackedRoutes: 10_000 });
  const groups = new Map([[1, new MemoryGroup({ groupId: 1 })]]);
  return { s, c: new Coordinator({ routes: coveringRoutes(ROUTES), groups, sampler: s }) };
}

/** Owner side: what the coordinator's read/write paths do per key (lookup, then observeKey). */
async function ownerRouting(count) {
  const { s, c } = await sharedCoordinator();
  const { keys } = randomKeys(ROUTES);
  const { ops, valueLens } = observeInputs(ROUTES);
  let j = 0;
  return nsPerOp(
    count
      ? () => {
          for (let n = 0; n < BATCH; n++) {
            const i = j++ & INPUT_MASK;
            s.observeKey(c.routeForKey(keys[i]).routeId, ops[i], keys[i], valueLens[i]);
          }
        }
      : () => {
          for (let n = 0; n < BATCH; n++) c.routeForKey(keys[j++ & INPUT_MASK]);
        },
    BATCH,
  );
}

/** Worker side: attachCoordinator in a worker thread, same keys (this thread waits, idle). */
async function workerRouting(job) {
  const { c } = await sharedCoordinator();
  const w = new Worker(WORKER, { workerData: { job, coordinator: c.workerHandle() } });
  const r = await message(w);
  await w.terminate();
  return r;
}

async function workerObserveKeys(hot) {
  const s = await sampler({ shared: true, ...(hot ? { hotKeys: { enabled: true, sampleRate: 16 } } : {}) });
  const w = new Worker(WORKER, { workerData: { job: "observeKey", handle: s.workerHandle() } });
  const r = await message(w);
  await w.terminate();
  return r;
}

const variants = {
  // Baseline: the plain sampler's observe on the main thread (as observe-hit, same inputs).
  "observe-single": async () => {
    const input = observeInputs(ROUTES);
    const s = await sampler();
    let j = 0;
    return nsPerOp(() => {
      for (let n = 0; n < BATCH; n++) {
        const i = j++ & INPUT_MASK;
        s.observe(input.routeIds[i], input.ops[i], input.keyLens[i], input.valueLens[i]);
      }
    }, BATCH);
  },

  // attachSampler(handle).observe inside a worker thread (this thread waits, idle).
  "observe-worker": async () => {
    const s = await sampler({ shared: true });
    const w = new Worker(WORKER, { workerData: { job: "ns", handle: s.workerHandle() } });
    const r = await message(w);
    await w.terminate();
    return r;
  },

  "agg-shared-1w": () => aggregate(1, true),
  "agg-shared-2w": () => aggregate(2, true),
  "agg-separate-1w": () => aggregate(1, false),
  "agg-separate-2w": () => aggregate(2, false),

  "flush-plain-10k": () => flush(0),
  "flush-shared-4w": () => flush(4),

  // observeKey in a worker, hot keys off / on (R = 16: the ring write of every sampled key).
  "observeKey-worker": () => workerObserveKeys(false),
  "observeKey-worker-hot": () => workerObserveKeys(true),

  "lookup-owner": () => ownerRouting(false),
  "lookup-worker": () => workerRouting("lookup"),
  "route-owner": () => ownerRouting(true),
  "route-worker": () => workerRouting("route"),
};

await runVariant(variants);
