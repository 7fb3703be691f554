// Each sampler instance gets a memory that already holds its layout, so `init` never grows it:
// growing detaches the memory's ArrayBuffer, and the first detach in a process makes every
// typed-array access in V8's optimized code pay a check for the rest of the process, the
// embedding application's included (scripts/build-wasm.mjs, CALLER_SIZED). The size depends on
// the options (slots × sub-buckets), so the caller asks the module's own `layoutBytes`.
import { describe, expect, it } from "vitest";
import { Counters } from "../../src/sampler/counters.js";
import { DEFAULT_MAX_TRACKED_ROUTES, slotCapacity } from "../../src/sampler/options.js";
import { instantiateSampler, type SamplerExports } from "../../src/wasm/sampler.wasm.js";
import { withRecordedMemories } from "./recorded-memories.js";

const PAGE = 65536;
const wasmOf = (c: Counters) => (c as unknown as { wasm: SamplerExports }).wasm;

describe("sampler module memory", () => {
  const configurations = [
    { labels: 0, k: 1 },
    { labels: 0, k: 16 },
    { labels: 1, k: 16 }, // 14 MiB: grew from the fixed 8 MiB before
    { labels: 8, k: 16 },
    { labels: 0, k: 256 },
  ];

  for (const { labels, k } of configurations) {
    it(`init of ${labels} label(s) × K = ${k} at the default routes keeps the buffer it was given`, () => {
      const slots = slotCapacity(DEFAULT_MAX_TRACKED_ROUTES, labels);
      const probe = instantiateSampler(1);
      const bytes = probe.layoutBytes(slots, k);
      expect(bytes).toBeGreaterThan(slots * k * 32);
      const w = instantiateSampler(Math.ceil(bytes / PAGE));
      const before = w.memory.buffer;
      expect(w.init(slots, k)).toBe(0);
      expect(w.memory.buffer).toBe(before);
      expect(before.byteLength).toBe(Math.ceil(bytes / PAGE) * PAGE); // not detached, not grown
      expect(w.usedBytes()).toBe(bytes);
    });
  }

  it("Counters' memory keeps the buffer it was made with, its layout rounded up to a page", async () => {
    for (const { labels, k } of configurations) {
      const slots = slotCapacity(DEFAULT_MAX_TRACKED_ROUTES, labels);
      const { result: counters, firstBuffer } = await withRecordedMemories(() => new Counters(slots, k));
      const w = wasmOf(counters);
      expect(firstBuffer.get(w.memory), `${labels} label(s), K = ${k}`).toBe(w.memory.buffer);
      expect(w.memory.buffer.byteLength).toBe(Math.ceil(w.usedBytes() / PAGE) * PAGE);
    }
  });

  it("init into a memory too small for the layout still grows it and works", () => {
    const w = instantiateSampler(1);
    expect(w.init(slotCapacity(DEFAULT_MAX_TRACKED_ROUTES, 1), 64)).toBe(0);
    expect(w.memory.buffer.byteLength).toBeGreaterThan(PAGE);
    expect(w.usedBytes()).toBeLessThanOrEqual(w.memory.buffer.byteLength);
  });

  it("a layout past 4 GiB is measured exactly and refused with a RangeError, never wrapped", () => {
    const slots = 2 ** 26; // counters alone 2 GiB, slot descriptors another 2 GiB
    const probe = instantiateSampler(1);
    expect(probe.layoutBytes(slots, 1)).toBeGreaterThan(2 ** 32);
    expect(probe.init(slots, 1)).toBe(1);
    expect(probe.memory.buffer.byteLength).toBe(PAGE);
    expect(() => new Counters(slots, 1)).toThrow(
      /cannot allocate counters for 67108864 slots × 1 sub-buckets: .*past 4 GiB/,
    );
  });
});
