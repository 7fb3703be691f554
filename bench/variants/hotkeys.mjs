// Issue 5 — hot keys: observeKey writes with hot keys off vs on (R = 16) through the sampler,
// and the pieces folded in from bench/hotkeys.bench.mjs (tracker offer at R = 16/64, one sketch
// update in JS and in the first Wasm prototype (one call per update; rejected then, the shipped
// Wasm pool in src/hotkeys drains a ring in one call per batch instead), the rejected
// string-key alternatives).
// Workload: 10 000 distinct keys drawn Zipf(1.1) over 1 024 routes.
//   node bench/variants/hotkeys.mjs <variant>
import { runVariant, skipped } from "../lib/child.mjs";
import { importDist, importSampler } from "../lib/dist.mjs";
import { nsPerOp, nsPerOpAsync } from "../lib/measure.mjs";
import { wasmSketch } from "../lib/wasm-sketch.mjs";
import { boundedRoutes, INPUT_MASK, zipfKeys } from "../lib/workload.mjs";

const ROUTES = 1024;
const BATCH = 4096;

/**
 * observeKey writes (K = 1, value 100 bytes) through a sampler with `hotKeys` options. Batches
 * are asynchronous so the tracker's queue drain (a microtask) runs between them, as it would
 * between requests in a server.
 */
async function observeKeyWrites(hotKeys) {
  const { createSampler } = await importSampler();
  const s = createSampler(hotKeys === undefined ? {} : { hotKeys });
  if (hotKeys !== undefined && s.hotKeysEnabled !== true)
    return skipped("createSampler({ hotKeys }) is not supported yet");
  for (const r of boundedRoutes(ROUTES)) s.registerRoute(r.routeId, r.start, r.end, r.groupId);
  const { keys, routeOf } = zipfKeys(ROUTES);
  let j = 0;
  const r = await nsPerOpAsync(async () => {
    for (let n = 0; n < BATCH; n++) {
      const i = j++ & INPUT_MASK;
      s.observeKey(routeOf[i], 1, keys[i], 100);
    }
  }, BATCH);
  s.flush();
  const hot = hotKeys === undefined ? null : s.hotKeys(routeOf[0], { top: 1 });
  return { ...r, topKeyCount: hot?.keys[0]?.count ?? 0 };
}

/** HotKeyTracker.offer at rate R, the queue drained in-loop every 32 768 offers. */
async function offer(rate) {
  const { HotKeyTracker } = await importDist("hotkeys/index.js");
  const t = new HotKeyTracker({ sampleRate: rate, perRoute: 64, queueSize: 4096 });
  const { keys, routeOf } = zipfKeys(ROUTES);
  let j = 0;
  return nsPerOp(() => {
    for (let n = 0; n < BATCH; n++) {
      const i = j++ & INPUT_MASK;
      t.offer(routeOf[i], "", keys[i]);
      if ((j & 32767) === 0) t.drain();
    }
  }, BATCH);
}

const variants = {
  "observeKey-hot-off": () => observeKeyWrites(undefined),
  "observeKey-hot-r16": () => observeKeyWrites({ enabled: true, sampleRate: 16 }),

  // The floor of any offer: a no-op method call with the same arguments.
  "offer-noop": async () => {
    class Noop {
      offer(_routeId, _label, _key) {}
    }
    const t = new Noop();
    const { keys, routeOf } = zipfKeys(ROUTES);
    let j = 0;
    return nsPerOp(() => {
      for (let n = 0; n < BATCH; n++) {
        const i = j++ & INPUT_MASK;
        t.offer(routeOf[i], "", keys[i]);
      }
    }, BATCH);
  },
  "offer-r16": () => offer(16),
  "offer-r64": () => offer(64),

  // One sketch update (m = 64) per call: hash the bytes, probe, heap step (copy on insert).
  "sketch-add": async () => {
    const { SpaceSavingSketch } = await importDist("hotkeys/index.js");
    const s = new SpaceSavingSketch(64);
    const { keys } = zipfKeys(ROUTES);
    let j = 0;
    return nsPerOp(() => {
      for (let n = 0; n < BATCH; n++) s.add(keys[j++ & INPUT_MASK]);
    }, BATCH);
  },
  // The same update in the first Wasm prototype (bench only, not the shipped pool): copy the key
  // into linear memory, one call per update.
  "sketch-wasm": async () => {
    const wasm = await wasmSketch();
    wasm.init(64);
    const memory = new Uint8Array(wasm.memory.buffer); // after init: init may grow memory
    const { keys } = zipfKeys(ROUTES);
    let j = 0;
    const r = await nsPerOp(() => {
      for (let n = 0; n < BATCH; n++) {
        const k = keys[j++ & INPUT_MASK];
        memory.set(k, 0);
        wasm.add(k.length);
      }
    }, BATCH);
    return { ...r, topCount: wasm.countOfTop() };
  },
  // The rejected alternative's first step alone: a string key for a Map (latin1 or hex).
  "keystring-latin1": async () => {
    const { keys } = zipfKeys(ROUTES);
    let j = 0;
    let sink = 0;
    const r = await nsPerOp(() => {
      for (let n = 0; n < BATCH; n++) sink += String.fromCharCode.apply(null, keys[j++ & INPUT_MASK]).length;
    }, BATCH);
    return { ...r, sink };
  },
  "keystring-hex": async () => {
    const hex = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));
    const { keys } = zipfKeys(ROUTES);
    let j = 0;
    let sink = 0;
    const r = await nsPerOp(() => {
      for (let n = 0; n < BATCH; n++) {
        const k = keys[j++ & INPUT_MASK];
        let s = "";
        for (let b = 0; b < k.length; b++) s += hex[k[b]];
        sink += s.length;
      }
    }, BATCH);
    return { ...r, sink };
  },
};

await runVariant(variants);
