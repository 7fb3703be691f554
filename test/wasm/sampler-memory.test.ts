// The sampler module's memory is big enough from the start for the default configuration, so
// `init` never grows it: growing detaches the memory's ArrayBuffer, and the first detach in a
// process makes every typed-array access in V8's optimized code pay a check (see
// scripts/build-wasm.mjs, INITIAL_PAGES). A configuration larger than the initial memory still
// grows and works.
import { describe, expect, it } from "vitest";
import { DEFAULT_MAX_TRACKED_ROUTES, slotCapacity } from "../../src/sampler/options.js";
import { instantiateSampler } from "../../src/wasm/sampler.wasm.js";

describe("sampler module memory", () => {
  it("init of the default routes with up to 16 sub-buckets keeps the buffer (no grow, no detach)", () => {
    for (const k of [1, 16]) {
      const w = instantiateSampler();
      const before = w.memory.buffer;
      expect(w.init(slotCapacity(DEFAULT_MAX_TRACKED_ROUTES, 0), k)).toBe(0);
      expect(w.memory.buffer).toBe(before);
      expect(before.byteLength).toBeGreaterThan(0); // not detached
      expect(w.usedBytes()).toBeGreaterThan(slotCapacity(DEFAULT_MAX_TRACKED_ROUTES, 0) * k * 32);
      expect(w.usedBytes()).toBeLessThanOrEqual(before.byteLength);
    }
  });

  it("a larger configuration grows the memory to its layout", () => {
    const w = instantiateSampler();
    const initial = w.memory.buffer.byteLength;
    expect(w.init(slotCapacity(DEFAULT_MAX_TRACKED_ROUTES, 1), 64)).toBe(0);
    expect(w.memory.buffer.byteLength).toBeGreaterThan(initial);
    expect(w.usedBytes()).toBeLessThanOrEqual(w.memory.buffer.byteLength);
  });
});
