// The hot-keys module's memory is laid out once inside its initial memory and never grows (a grow
// detaches the ArrayBuffer the tracker's views hold, and the first detach in a process slows every
// typed-array access: see scripts/build-wasm.mjs, INITIAL_PAGES).
import { describe, expect, it } from "vitest";
import { HOT_KEY_LIMITS } from "../../src/hotkeys/options.js";
import { SketchPool } from "../../src/hotkeys/sketch-pool.js";
import { INLINE_KEY_BYTES, RECORD_BYTES, instantiateHotkeys } from "../../src/wasm/hotkeys.wasm.js";

describe("hotkeys module memory", () => {
  it("init fits the ring and the pool in the initial memory, for every m and queue size", () => {
    for (const m of [1, 64, HOT_KEY_LIMITS.perRoute.max]) {
      for (const queueSize of [1, HOT_KEY_LIMITS.queueSize.default, HOT_KEY_LIMITS.queueSize.max]) {
        const w = instantiateHotkeys();
        const before = w.memory.buffer;
        const sketches = w.init(m, queueSize);
        expect(w.memory.buffer).toBe(before);
        expect(before.byteLength).toBe(512 * 65536);
        expect(w.keysAt() - w.metaAt()).toBe(queueSize * 8);
        expect(w.sketchAt(0)).toBeGreaterThanOrEqual(w.keysAt() + queueSize * INLINE_KEY_BYTES);
        expect(w.recordsAt(sketches - 1) + m * RECORD_BYTES).toBeLessThanOrEqual(before.byteLength);
        expect(w.recordsAt(sketches) + m * RECORD_BYTES).toBeGreaterThan(before.byteLength); // as many as fit
      }
    }
  });

  it("the default configuration holds thousands of sketches (the sizing in sketch-pool.ts)", () => {
    expect(new SketchPool(64, HOT_KEY_LIMITS.queueSize.default).capacity).toBe(6942);
    expect(new SketchPool(256, HOT_KEY_LIMITS.queueSize.default).capacity).toBe(1753);
  });

  it("a drain of a full ring of maximal keys leaves the buffer attached", () => {
    const pool = new SketchPool(HOT_KEY_LIMITS.perRoute.max, 1024);
    const key = new Uint8Array(INLINE_KEY_BYTES).fill(7);
    for (let i = 0; i < 1024; i++) expect(pool.push(i % pool.capacity, key)).toBe(true);
    pool.drain();
    expect(pool.total(0)).toBeGreaterThan(0);
    expect(pool.state(0).keys[0]).toEqual(key);
  });
});
