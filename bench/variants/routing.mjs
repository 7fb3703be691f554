// Issue 3 — key → route lookup: the route table's Wasm binary search against a plain JS binary
// search with a byte-compare loop over Uint8Array start keys, same keys, same answers.
//   node bench/variants/routing.mjs <variant>
import { runVariant } from "../lib/child.mjs";
import { importDist } from "../lib/dist.mjs";
import { nsPerOp } from "../lib/measure.mjs";
import { coveringRoutes, INPUT_MASK, randomKeys } from "../lib/workload.mjs";

const BATCH = 1024;

/** The JS baseline: the index of the last route whose start ≤ key (start null = lowest). */
function jsRouter(routes) {
  const starts = routes.map((r) => r.start ?? new Uint8Array(0));
  const refs = routes.map((r) => Object.freeze({ routeId: r.routeId, groupId: r.groupId }));
  const compare = (a, b) => {
    const n = a.length < b.length ? a.length : b.length;
    for (let i = 0; i < n; i++) {
      const d = a[i] - b[i];
      if (d !== 0) return d;
    }
    return a.length - b.length;
  };
  return (key) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (compare(starts[mid], key) <= 0) lo = mid;
      else hi = mid - 1;
    }
    return refs[lo];
  };
}

async function wasmRouter(routes) {
  const { createRouteTable } = await importDist("routing/route-table.js");
  const table = createRouteTable(routes);
  return (key) => table.routeForKey(key);
}

async function lookup(size, make) {
  const routes = coveringRoutes(size, 16);
  const route = await make(routes);
  const { keys, routeOf } = randomKeys(size);
  for (let i = 0; i < keys.length; i++) {
    if (route(keys[i]).routeId !== routeOf[i]) throw new Error(`key ${i} routed wrong`);
  }
  let j = 0;
  let sink = 0;
  const r = await nsPerOp(() => {
    for (let n = 0; n < BATCH; n++) sink += route(keys[j++ & INPUT_MASK]).routeId;
  }, BATCH);
  return { ...r, routes: size, sink };
}

const variants = {
  "routeForKey-1k": () => lookup(1024, wasmRouter),
  "js-bsearch-1k": () => lookup(1024, jsRouter),
  "routeForKey-64k": () => lookup(65_536, wasmRouter),
  "js-bsearch-64k": () => lookup(65_536, jsRouter),
};

await runVariant(variants);
