// Worker side of bench/variants/workers.mjs (issue 15): runs one job and posts its result.
//   { job: "ns", handle }                      ns/op of the shared observer's observe (benchmark.js)
//   { job: "loop", handle | routes, ops, gate } a fixed number of observes after a start barrier;
//                                              without a handle, into a sampler of its own, then a
//                                              flush and its matrix (the alternative: merge later)
//   { job: "route" | "lookup", coordinator }   ns/op of attachCoordinator(coordinator): observeKey
//                                              (route + count) or routeForKey alone, random keys
//   { job: "observeKey", handle }              ns/op of the shared observer's observeKey, random keys
import { parentPort, workerData } from "node:worker_threads";
import { importSampler } from "./dist.mjs";
import { nsPerOp } from "./measure.mjs";
import { boundedRoutes, INPUT_MASK, observeInputs, randomKeys } from "./workload.mjs";

const ROUTES = 1024;
const BATCH = 1024;
const keyviz = await importSampler();
const input = observeInputs(ROUTES);
const { routeIds, ops, keyLens, valueLens } = input;

function target() {
  if (workerData.handle) return { o: keyviz.attachSampler(workerData.handle), own: null };
  const s = keyviz.createSampler({ maxTrackedRoutes: 10_000 });
  for (const r of boundedRoutes(ROUTES)) s.registerRoute(r.routeId, r.start, r.end, r.groupId);
  return { o: s, own: s };
}

function loop(o, n) {
  let j = 0;
  for (let i = 0; i < n; i++) {
    const k = j++ & INPUT_MASK;
    o.observe(routeIds[k], ops[k], keyLens[k], valueLens[k]);
  }
}

/** The same keys and ops as the owner-side variants (bench/variants/workers.mjs, routedKeys). */
async function routed(job) {
  const router = keyviz.attachCoordinator(workerData.coordinator);
  const { keys } = randomKeys(ROUTES);
  let j = 0;
  const r =
    job === "route"
      ? await nsPerOp(() => {
          for (let n = 0; n < BATCH; n++) {
            const i = j++ & INPUT_MASK;
            router.observeKey(ops[i], keys[i], valueLens[i]);
          }
        }, BATCH)
      : await nsPerOp(() => {
          for (let n = 0; n < BATCH; n++) router.routeForKey(keys[j++ & INPUT_MASK]);
        }, BATCH);
  parentPort.postMessage(r);
}

/** observeKey of random keys of the 1 024 routes (the same keys as the routed jobs). */
async function observeKeys() {
  const observer = keyviz.attachSampler(workerData.handle);
  const { keys, routeOf } = randomKeys(ROUTES);
  let j = 0;
  const r = await nsPerOp(() => {
    for (let n = 0; n < BATCH; n++) {
      const i = j++ & INPUT_MASK;
      observer.observeKey(routeOf[i], ops[i], keys[i], valueLens[i]);
    }
  }, BATCH);
  parentPort.postMessage(r);
}

const { o, own } = workerData.coordinator || workerData.job === "observeKey" ? { o: null, own: null } : target();
if (workerData.job === "route" || workerData.job === "lookup") await routed(workerData.job);
else if (workerData.job === "observeKey") await observeKeys();
else if (workerData.job === "ns") {
  let j = 0;
  const r = await nsPerOp(() => {
    for (let n = 0; n < BATCH; n++) {
      const i = j++ & INPUT_MASK;
      o.observe(routeIds[i], ops[i], keyLens[i], valueLens[i]);
    }
  }, BATCH);
  parentPort.postMessage(r);
} else {
  const gate = new Int32Array(workerData.gate);
  loop(o, 1 << 22); // warm-up: optimised before the clock starts
  parentPort.postMessage("ready");
  Atomics.wait(gate, 0, 0);
  loop(o, workerData.ops);
  let matrix = null;
  if (own !== null) {
    own.flush();
    matrix = own.matrix({ series: "writes" });
  }
  parentPort.postMessage({ done: true, matrix });
}
