// The JS sub-bucket index of observeKey against the SPEC §3.1 reference (src/keys/subrange.ts),
// key for key: short and long common prefixes (past the 32 bytes kept as words), unbounded
// ends, keys off the prefix on either side, keys shorter than the window, and every edge.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { subBucketBounds, subBucketIndex, subrangeLayout } from "../../src/keys/subrange.js";
import { SubBucketIndex } from "../../src/sampler/sub-bucket-index.js";

const tail = fc.uint8Array({ minLength: 0, maxLength: 12 });
// Bytes near a few values, so keys often tie with the prefix or the edges byte by byte.
const nearBytes = fc.array(fc.constantFrom(0x00, 0x01, 0x41, 0x7f, 0x80, 0xfe, 0xff), { maxLength: 10 });
const prefixArb = fc.oneof(
  fc.uint8Array({ minLength: 0, maxLength: 6 }),
  fc.uint8Array({ minLength: 29, maxLength: 40 }),
);

/** A key around `prefix`: cut anywhere in it (shorter or off it), then some bytes. */
const keyAround = (prefix: Uint8Array) =>
  fc
    .tuple(
      fc.integer({ min: 0, max: prefix.length }),
      fc.oneof(
        tail,
        nearBytes.map((b) => Uint8Array.from(b)),
      ),
      fc.boolean(),
    )
    .map(([cut, rest, flip]) => {
      const k = Uint8Array.from([...prefix.subarray(0, cut), ...rest]);
      // Sometimes change one prefix byte, so the key leaves the prefix below or above.
      if (flip && cut > 0) k[cut - 1] = k[cut - 1]! ^ 0x80;
      return k;
    });

describe("SubBucketIndex", () => {
  it("picks the reference sub-bucket for any route and key", () => {
    fc.assert(
      fc.property(
        prefixArb,
        tail,
        tail,
        fc.boolean(),
        fc.constantFrom(2, 3, 4, 16, 255, 256),
        fc.integer({ min: 0, max: 5 }),
        (prefix, a, b, unbounded, k, slot) => {
          let start: Uint8Array | null = Uint8Array.from([...prefix, ...a]);
          let end: Uint8Array | null = Uint8Array.from([...prefix, ...b]);
          const order = Buffer.compare(start, end);
          if (order > 0) [start, end] = [end, start];
          if (order === 0 || unbounded) end = null;
          if (start.length === 0) start = null;
          const layout = subrangeLayout(start, end, k);
          if (layout.k <= 1) return;
          const index = new SubBucketIndex(6, 256);
          // A slot that held another range first: set must overwrite all of its record.
          const before = Uint8Array.from([...new Array<number>(36).fill(0x33), 1]);
          index.set(slot, before, Uint8Array.from([...before.subarray(0, 36), 9]), 256);
          index.set(slot, start, end, layout.k);
          const edges = subBucketBounds(start, end, layout).flatMap((x) => (x.start === null ? [] : [x.start]));
          const probes = fc.sample(keyAround(start ?? new Uint8Array(0)), 30);
          for (const key of [...probes, ...edges, ...edges.map((e) => e.subarray(0, e.length - 1))]) {
            expect(index.subBucket(slot, key)).toBe(subBucketIndex(layout, start, end, key));
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  // Keys that share R (the prefix the fast path compares) but lie below the start or at or above
  // the end: the chunk estimate leaves [0, K − 1] and the key must take the exact path.
  it("picks the reference sub-bucket for keys that share the route's prefix outside its range", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 30 }),
        fc.integer({ min: 0, max: 254 }),
        fc.integer({ min: 1, max: 255 }),
        fc.constantFrom(2, 3, 16, 17, 256),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 255 }), tail), { minLength: 1, maxLength: 20 }),
        (prefix, lo, width, k, probes) => {
          const hi = Math.min(255, lo + width);
          const start = Uint8Array.from([...prefix, lo, 0x40]);
          const end = Uint8Array.from([...prefix, hi, 0x10]);
          const layout = subrangeLayout(start, end, k);
          if (layout.k <= 1) return;
          const index = new SubBucketIndex(1, 256);
          index.set(0, start, end, layout.k);
          for (const [byte, rest] of probes) {
            const key = Uint8Array.from([...prefix, byte, ...rest]);
            expect(index.subBucket(0, key)).toBe(subBucketIndex(layout, start, end, key));
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("reads keys that are views into larger buffers at any offset", () => {
    const start = Uint8Array.from([1, 2, 3, 4, 5, 0]);
    const end = Uint8Array.from([1, 2, 3, 4, 5, 200]);
    const index = new SubBucketIndex(1, 16);
    const layout = subrangeLayout(start, end, 16);
    index.set(0, start, end, layout.k);
    const big = new Uint8Array(64).fill(9);
    for (let off = 0; off < 40; off++) {
      for (const last of [0, 1, 99, 199, 200, 255]) {
        big.set([1, 2, 3, 4, 5, last], off);
        const key = big.subarray(off, off + 6);
        expect(index.subBucket(0, key)).toBe(subBucketIndex(layout, start, end, key));
      }
    }
  });
});
