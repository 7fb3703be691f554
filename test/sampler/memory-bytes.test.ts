// stats().memoryBytes counts every allocation that grows with the configuration: the counters in
// Wasm, the sub-bucket index in JS (K > 1), the hot-keys tracker, and the history.
import { describe, expect, it } from "vitest";
import { Op } from "../../src/index.js";
import { Counters } from "../../src/sampler/counters.js";
import { SubBucketIndex } from "../../src/sampler/sub-bucket-index.js";
import { HotKeyTracker } from "../../src/hotkeys/tracker.js";
import { SpaceSavingSketch } from "../../src/hotkeys/space-saving.js";
import { clockedSampler, enc } from "../helpers.js";

describe("stats().memoryBytes", () => {
  it("counts the sub-bucket index's records at K > 1 (none at K = 1)", () => {
    const index = new SubBucketIndex(1000, 16).bytes;
    expect(index).toBeGreaterThanOrEqual(1000 * 64);
    expect(new SubBucketIndex(1000, 1).bytes).toBe(0);
    // The Wasm layout's bytes, read from the instance (private: this is what memoryBytes adds to).
    const wasm = (c: Counters) => (c as unknown as { wasm: { usedBytes(): number } }).wasm.usedBytes();
    const k16 = new Counters(1000, 16);
    expect(wasm(k16)).toBeGreaterThanOrEqual(1000 * 16 * 4 * 8); // at least the f64 counters: 4 per cell
    expect(k16.memoryBytes()).toBe(wasm(k16) + index);
    const k1 = new Counters(1000, 1);
    expect(k1.memoryBytes()).toBe(wasm(k1));
  });

  it("counts the hot-keys tracker: its Wasm pool when on, and JS sketches of long keys as they fill", () => {
    const off = clockedSampler({ maxTrackedRoutes: 100 });
    const on = clockedSampler({ maxTrackedRoutes: 100, hotKeys: { enabled: true, sampleRate: 1, maxKeyLen: 4096 } });
    const pool = new HotKeyTracker({ sampleRate: 1 }).memoryBytes;
    expect(pool).toBeGreaterThanOrEqual(32 * 2 ** 20); // the pool's memory is reserved whole
    expect(on.s.stats().memoryBytes - off.s.stats().memoryBytes).toBeGreaterThanOrEqual(pool);

    on.s.registerRoute(1, null, null);
    const before = on.s.stats().memoryBytes;
    // Keys longer than the pool's inline keys go to a JS sketch, which holds copies of them.
    for (let i = 0; i < 50; i++) on.s.observeKey(1, Op.Write, enc(`${"k".repeat(200)}${i}`));
    on.tick();
    on.s.flush();
    expect(on.s.stats().memoryBytes - before).toBeGreaterThanOrEqual(50 * 200);
  });

  it("a JS sketch's bytes grow with the long keys it holds", () => {
    const sketch = new SpaceSavingSketch(8);
    const empty = sketch.bytes;
    for (let i = 0; i < 8; i++) sketch.add(enc(`${"x".repeat(100)}${i}`));
    expect(sketch.bytes - empty).toBe(8 * 101);
    sketch.reset();
    expect(sketch.bytes).toBe(empty);
  });
});
