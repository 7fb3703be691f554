// Issue 2 — the sampler hot path, flush and snapshot, with the same-run baselines.
//   node bench/variants/sampler.mjs <variant>     (normally spawned by bench/run.mjs)
import { runVariant } from "../lib/child.mjs";
import { importSampler } from "../lib/dist.mjs";
import { filledSampler, fakeClock, STEP_MS } from "../lib/fixtures.mjs";
import { msEach, nsPerOp } from "../lib/measure.mjs";
import { rng } from "../lib/random.mjs";
import { wasmCounters } from "../lib/wasm-inc.mjs";
import { boundedRoutes, INPUT_MASK, observeInputs, randomKeys, subBucketKey } from "../lib/workload.mjs";

const ROUTES = 1024;
const BATCH = 1024;

async function sampler(k = 1, routes = ROUTES, extra = {}) {
  const { createSampler } = await importSampler();
  const s = createSampler({ keyBucketsPerRoute: k, maxTrackedRoutes: Math.max(routes, 10_000), ...extra });
  for (const r of boundedRoutes(routes)) s.registerRoute(r.routeId, r.start, r.end, r.groupId);
  return s;
}

/** ns/op of a numeric observe-shaped loop: `step(route, op, keyLen, valueLen)` per input. */
function observeLoop(step, routeIds, { ops, keyLens, valueLens }) {
  let j = 0;
  return nsPerOp(() => {
    for (let n = 0; n < BATCH; n++) {
      const i = j++ & INPUT_MASK;
      step(routeIds[i], ops[i], keyLens[i], valueLens[i]);
    }
  }, BATCH);
}

const variants = {
  // The floor: the two adds an observe makes (count and bytes of its op) on a 4-counter slot of
  // a Float64Array, slot = route id, no validation. Same inputs and loop as observe-hit.
  floor: async () => {
    const input = observeInputs(ROUTES);
    const c = new Float64Array(ROUTES * 4);
    const r = await observeLoop(
      (route, op, keyLen, valueLen) => {
        const at = route * 4 + op;
        c[at]++;
        c[at + 2] += keyLen + valueLen;
      },
      input.routeIds,
      input,
    );
    return { ...r, check: c.reduce((a, b) => a + b, 0) };
  },

  "observe-hit": async () => {
    const input = observeInputs(ROUTES);
    const s = await sampler();
    const r = await observeLoop((route, op, kl, vl) => s.observe(route, op, kl, vl), input.routeIds, input);
    return { ...r, misses: s.stats().misses };
  },

  // observe-hit in a process that has built a matrix, as a server has once it answered GET /matrix:
  // a build that grew Wasm memory would detach an ArrayBuffer, after which V8 checks every
  // typed-array access for the rest of the process (scripts/build-wasm.mjs, INITIAL_PAGES).
  "observe-after-matrix": async () => {
    const input = observeInputs(ROUTES);
    const s = await sampler();
    for (let i = 0; i < ROUTES; i++) s.observe(input.routeIds[i], 1, 16, 100);
    s.flush();
    const built = s.matrix({ series: "writes", rows: 64 }).rows.length;
    const r = await observeLoop((route, op, kl, vl) => s.observe(route, op, kl, vl), input.routeIds, input);
    return { ...r, misses: s.stats().misses, built };
  },

  // observe-hit in a process that also made a sampler with one label and 16 sub-buckets per
  // route: its counters take 211 pages of Wasm memory, past the fixed 128 the sampler module had
  // until its memory was sized per sampler, so making it grew the memory and detached a buffer,
  // after which V8 checks every typed-array access in the process (scripts/build-wasm.mjs,
  // CALLER_SIZED). The loop is observe-hit's, on the default sampler.
  "observe-after-labels-k16": async () => {
    const input = observeInputs(ROUTES);
    const labelled = await sampler(16, ROUTES, { labels: ["replica"] });
    const s = await sampler();
    const r = await observeLoop((route, op, kl, vl) => s.observe(route, op, kl, vl), input.routeIds, input);
    return { ...r, misses: s.stats().misses, labelledMemoryBytes: labelled.stats().memoryBytes };
  },

  // Unknown route ids (never registered, beyond the registered ones): counted as misses.
  "observe-miss": async () => {
    const input = observeInputs(ROUTES);
    const unknown = input.routeIds.map((id) => id + 5_000);
    const s = await sampler();
    const r = await observeLoop((route, op, kl, vl) => s.observe(route, op, kl, vl), unknown, input);
    return { ...r, misses: s.stats().misses };
  },

  // The same two adds done by one call into a tiny Wasm export per observe (slot = route id).
  "observe-wasm-call": async () => {
    const input = observeInputs(ROUTES);
    const w = await wasmCounters(ROUTES);
    const inc = w.observe;
    const r = await observeLoop((route, op, kl, vl) => inc(route, op, kl + vl), input.routeIds, input);
    return { ...r, check: w.values.reduce((a, b) => a + b, 0) };
  },

  // What a JS developer writes first: a Map of per-route counter objects.
  "map-sampler": async () => {
    const input = observeInputs(ROUTES);
    const routes = new Map();
    for (let id = 0; id < ROUTES; id++) routes.set(id, { reads: 0, writes: 0, readBytes: 0, writeBytes: 0 });
    let misses = 0;
    const r = await observeLoop(
      (route, op, keyLen, valueLen) => {
        const c = routes.get(route);
        if (c === undefined) {
          misses++;
          return;
        }
        if (op === 1) {
          c.writes++;
          c.writeBytes += keyLen + valueLen;
        } else {
          c.reads++;
          c.readBytes += keyLen + valueLen;
        }
      },
      input.routeIds,
      input,
    );
    return { ...r, misses };
  },

  // The fastest plain-JS Map sampler we could write: one class of per-route counters (every
  // entry the same hidden class, so the field accesses stay monomorphic), the update as a method
  // of a sampler object (no closure context), the op as one predictable-per-input branch.
  "map-sampler-fast": async () => {
    class RouteCounters {
      reads = 0;
      writes = 0;
      readBytes = 0;
      writeBytes = 0;
    }
    class MapSampler {
      routes = new Map();
      misses = 0;
      /** @param {number} route @param {number} op @param {number} keyLen @param {number} valueLen */
      observe(route, op, keyLen, valueLen) {
        const c = this.routes.get(route);
        if (c === undefined) {
          this.misses++;
          return;
        }
        const n = keyLen + valueLen;
        if (op === 1) {
          c.writes++;
          c.writeBytes += n;
        } else {
          c.reads++;
          c.readBytes += n;
        }
      }
    }
    const input = observeInputs(ROUTES);
    const m = new MapSampler();
    for (let id = 0; id < ROUTES; id++) m.routes.set(id, new RouteCounters());
    const r = await observeLoop((route, op, kl, vl) => m.observe(route, op, kl, vl), input.routeIds, input);
    return { ...r, misses: m.misses };
  },

  // What a Node user reaches for: prom-client counters labelled by route and op, in an isolated
  // registry. Route label strings are pre-built (generous to the baseline).
  "prom-client": async () => {
    const { Counter, Registry } = await import("prom-client");
    const registers = [new Registry()];
    const labelNames = ["route", "op"];
    const requests = new Counter({ name: "kv_requests_total", help: "requests", labelNames, registers });
    const bytes = new Counter({ name: "kv_request_bytes_total", help: "bytes", labelNames, registers });
    const routeNames = Array.from({ length: ROUTES }, (_, i) => String(i));
    const opNames = ["read", "write"];
    const input = observeInputs(ROUTES);
    return observeLoop(
      (route, op, keyLen, valueLen) => {
        requests.labels(routeNames[route], opNames[op]).inc();
        bytes.labels(routeNames[route], opNames[op]).inc(keyLen + valueLen);
      },
      input.routeIds,
      input,
    );
  },

  // The memory floor of any observeKey on this workload: read each key's length and one byte
  // after its route's common prefix (the keys are subarrays of 64 KiB buffers, see randomKeys:
  // these two reads are what observeKey cannot avoid).
  "key-touch": async () => {
    const { keys, routeOf } = randomKeys(ROUTES);
    let j = 0;
    let sink = 0;
    const r = await nsPerOp(() => {
      for (let n = 0; n < BATCH; n++) {
        const i = j++ & INPUT_MASK;
        const key = keys[i];
        sink += key.length + key[13] + routeOf[i];
      }
    }, BATCH);
    return { ...r, sink };
  },

  "observeKey-k1": async () => observeKeyVariant(1),
  "observeKey-k16": async () => observeKeyVariant(16),
  "observeKey-k16-scattered": async () => observeKeyVariant(16, "scattered"),

  "flush-10k-k1": async () => flushVariant(1, 40),
  "flush-10k-k16": async () => flushVariant(16, 15),

  // snapshot() of a full day (1440 columns) of a node with SNAPSHOT_ROUTES active routes: one
  // object per row (184 320), so the cost is per row and mostly allocation.
  "snapshot-1440": async () => {
    const { sampler: s } = await filledSampler({ routes: SNAPSHOT_ROUTES, columns: 1440 });
    let rows = 0;
    const r = msEach({
      warmup: 1,
      iterations: 5,
      prepare: () => {},
      run: () => {
        rows = 0;
        for (const c of s.snapshot()) rows += c.rows.length;
      },
    });
    return { ...r, routes: SNAPSHOT_ROUTES, columns: s.stats().columns, rows, usPerRow: (r.value * 1000) / rows };
  },
};
variants["snapshot-1440-young64"] = variants["snapshot-1440"]; // the same run; the catalog adds V8 flags

const SNAPSHOT_ROUTES = 128;

/** Rows of the newest column; reads the stored column when possible (a snapshot deep-copies). */
function lastColumnRows(s) {
  const history = s.history;
  if (history && typeof history.columns === "function") {
    const col = history.columns().at(-1);
    if (col && typeof col.n === "number") return col.n;
  }
  return s.snapshot().at(-1).rows.length;
}

async function observeKeyVariant(k, layout = "packed") {
  const { keys, routeOf } = randomKeys(ROUTES, 7, layout);
  const { ops, valueLens } = observeInputs(ROUTES);
  const s = await sampler(k);
  let j = 0;
  const r = await nsPerOp(() => {
    for (let n = 0; n < BATCH; n++) {
      const i = j++ & INPUT_MASK;
      s.observeKey(routeOf[i], ops[i], keys[i], valueLens[i]);
    }
  }, BATCH);
  s.flush();
  const rows = lastColumnRows(s);
  return { ...r, rowsInFlush: rows, misses: s.stats().misses };
}

/**
 * Flush of 10 000 routes whose counters are all non-zero (at K = 16, all 16 sub-buckets of every
 * route). Refilling the counters (observe / observeKey through the public API) happens before
 * each timed flush, outside the timed region. History ring of 8 columns so memory stays flat.
 */
async function flushVariant(k, iterations) {
  const routes = 10_000;
  const clock = fakeClock();
  const s = await sampler(k, routes, { historyColumns: 8, stepMs: STEP_MS, now: clock.now });
  const random = rng(3);
  const keys = [];
  for (let route = 0; route < routes; route++) {
    for (let sub = 0; sub < k; sub++) keys.push({ route, key: subBucketKey(route, sub, k, random) });
  }
  const r = msEach({
    iterations,
    prepare: () => {
      if (k === 1) {
        for (let route = 0; route < routes; route++) {
          s.observe(route, 0, 20);
          s.observe(route, 1, 20, 100);
        }
      } else {
        for (const { route, key } of keys) {
          s.observeKey(route, 0, key);
          s.observeKey(route, 1, key, 100);
        }
      }
      clock.tick();
    },
    run: () => s.flush(),
  });
  const lastRows = lastColumnRows(s);
  if (lastRows !== routes * k) throw new Error(`flush emitted ${lastRows} rows, expected ${routes * k}`);
  return { ...r, rowsPerFlush: lastRows };
}

await runVariant(variants);
