// The fast path of the sub-bucket index (src/sampler/sub-bucket-chunk.ts): keys inside realistic
// routes (common prefixes of 0–40 bytes, unbounded ends, K up to 256), keys on and next to every
// edge, keys cut at the fast path's length guard and keys off the route's prefix R at any byte,
// each against the SPEC §3.1 reference (src/keys/subrange.ts); and the fast path must answer
// nearly all keys inside a route (else it is dead code behind a correct exact path).
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { subBucketEdgeValue, subBucketIndex, subrangeLayout, type SubrangeLayout } from "../../src/keys/subrange.js";
import { chunkPath } from "../../src/sampler/sub-bucket-chunk.js";
import { SubBucketIndex } from "../../src/sampler/sub-bucket-index.js";

/** `p` bytes of `start`, then the window value `v` big-endian, then `suffix`. */
function keyAt(start: Uint8Array | null, p: number, v: bigint, suffix: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(p + 8 + suffix.length);
  if (p > 0) out.set(start!.subarray(0, p));
  for (let i = 7; i >= 0; i--) out[p + i] = Number((v >> BigInt(8 * (7 - i))) & 0xffn);
  out.set(suffix, p + 8);
  return out;
}

/** Every key a route's fast path must get right: inside, on and next to edges, cut, off R. */
function probes(start: Uint8Array | null, l: SubrangeLayout, fractions: number[], suffix: Uint8Array): Uint8Array[] {
  const p = l.prefixLen;
  const inside = fractions.map((f) =>
    keyAt(start, p, l.lo + (l.span * BigInt(Math.floor(f * 2 ** 20))) / 2n ** 20n, suffix),
  );
  const edges: Uint8Array[] = [];
  for (let i = 1; i < l.k; i++) {
    const e = subBucketEdgeValue(l, i);
    for (const v of [e - 1n, e, e + 1n]) edges.push(keyAt(start, p, v), keyAt(start, p, v, suffix));
  }
  const cut = inside.flatMap((k) => [
    k.subarray(0, Math.max(0, k.length - 9)),
    k.subarray(0, p + 3),
    k.subarray(0, p + 4),
  ]);
  // Each byte of the prefix and of the window's first bytes, one up and one down.
  const off = Array.from({ length: Math.min(inside[0]!.length, p + 3) }, (_, j) =>
    [0x01, 0xff].map((delta) => {
      const x = Uint8Array.from(inside[j % inside.length]!);
      x[j] = (x[j]! + delta) & 0xff;
      return x;
    }),
  ).flat();
  return [...inside, ...edges, ...cut, ...off];
}

const bytesOfLength = (min: number, max: number) =>
  fc.integer({ min, max }).chain((n) => fc.uint8Array({ minLength: n, maxLength: n }));

const exactSpy = () =>
  vi.spyOn(SubBucketIndex.prototype as unknown as { exactSubBucket: () => number }, "exactSubBucket");

afterEach(() => {
  vi.restoreAllMocks();
});

describe("SubBucketIndex fast path", () => {
  it("matches the reference for keys inside, on edges, cut short and off the prefix", () => {
    fc.assert(
      fc.property(
        // Lengths drawn first: fast-check's default size keeps generated arrays short.
        bytesOfLength(0, 40),
        bytesOfLength(0, 10),
        bytesOfLength(0, 10),
        fc.constantFrom("bounded", "unbounded", "no start", "aligned"),
        fc.constantFrom(2, 3, 5, 16, 17, 64, 255, 256),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 4, maxLength: 12 }),
        fc.uint8Array({ minLength: 0, maxLength: 5 }),
        (prefix, a, b, shape, k, fractions, suffix) => {
          let start: Uint8Array | null = Uint8Array.from([...prefix, ...a]);
          let end: Uint8Array | null = Uint8Array.from([...prefix, ...b]);
          const order = Buffer.compare(start, end);
          if (order > 0) [start, end] = [end, start];
          if (order === 0 || shape === "unbounded") end = null;
          if (shape === "no start" && end !== null) start = null;
          // Ends one byte apart by a power of two (or 3): edges on chunk boundaries, often exact.
          if (shape === "aligned") {
            const x = a[0] ?? 0x20;
            start = Uint8Array.from([...prefix, x]);
            end = Uint8Array.from([...prefix, Math.min(255, x + [1, 2, 3, 16][x & 3]!)]);
            if (x === 255) end = null;
          }
          if (start !== null && start.length === 0) start = null;
          const l = subrangeLayout(start, end, k);
          if (l.k <= 1) return;
          const index = new SubBucketIndex(3, 256);
          // The slot held another route first (short prefix, fast path): set replaces it all.
          index.set(1, Uint8Array.of(7), Uint8Array.of(9, 1), 16);
          index.set(1, start, end, l.k);
          for (const key of probes(start, l, fractions, suffix)) {
            expect(index.subBucket(1, key)).toBe(subBucketIndex(l, start, end, key));
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("answers keys inside realistic routes without the exact path", () => {
    const enc = new TextEncoder();
    // A bench-like table (long shared prefix, aligned ends) and ranges split at arbitrary keys,
    // with prefixes of 0 to 31 bytes (each chunk-word position), K = 16 and 256. Their first
    // varying bytes lie 16 or more apart (see sub-bucket-chunk.ts for ends one apart).
    const routes: [Uint8Array | null, Uint8Array | null][] = [
      [enc.encode("acct/0042/\0\0\0\x05"), enc.encode("acct/0042/\0\0\0\x06")],
      [enc.encode("user/1234567"), enc.encode("user/a345678")],
      [enc.encode("b"), enc.encode("q")],
      [null, enc.encode("m")],
      [enc.encode("m"), null],
      [null, null],
    ];
    for (let p = 0; p <= 31; p++) {
      const shared = new Uint8Array(p).fill(0x61 + (p % 7));
      routes.push([Uint8Array.from([...shared, 0x21, 0x99]), Uint8Array.from([...shared, 0x7c, 0x03, 0x40])]);
    }
    const buffer = new Uint8Array(1 << 16);
    let used = 1;
    for (const k of [16, 256]) {
      for (const [start, end] of routes) {
        const l = subrangeLayout(start, end, k);
        const index = new SubBucketIndex(1, k);
        index.set(0, start, end, l.k);
        const spy = exactSpy();
        let n = 0;
        for (let i = 0; i < 400; i++) {
          const v = l.lo + (l.span * BigInt(Math.floor(((i + 0.5) / 400) * 2 ** 20))) / 2n ** 20n;
          const key = keyAt(start, l.prefixLen, v, Uint8Array.of(i & 0xff, 3));
          // As a view at an odd offset of a shared buffer, the way request keys arrive.
          if (used + key.length > buffer.length) used = 1;
          buffer.set(key, used);
          const view = buffer.subarray(used, used + key.length);
          used += key.length + 1;
          expect(index.subBucket(0, view)).toBe(subBucketIndex(l, start, end, view));
          n++;
        }
        // Each of the K − 1 edges splits one group of 2 chunk values: at K = 256 over the
        // ~1 900 groups of ["b", "q"), ~13 % (see sub-bucket-chunk.ts).
        const allowed = n * (k === 16 ? 0.02 : 0.15);
        expect(spy.mock.calls.length, `[${String(start)}, ${String(end)}) K = ${k}`).toBeLessThanOrEqual(allowed);
        spy.mockRestore();
      }
    }
  });

  it("skips the bounds only where the estimate is right for every chunk", () => {
    const enc = new TextEncoder();
    const bench = [enc.encode("acct/0042/\0\0\0\x05"), enc.encode("acct/0042/\0\0\0\x06")] as const;
    const cases: [Uint8Array | null, Uint8Array | null, number, boolean][] = [
      [bench[0], bench[1], 16, true],
      [null, null, 16, true],
      [null, null, 256, true],
      [enc.encode("user/1234567"), enc.encode("user/a345678"), 16, false],
      [bench[0], bench[1], 3, false],
    ];
    for (const [start, end, k, exact] of cases) {
      const l = subrangeLayout(start, end, k);
      expect(chunkPath(l, start)!.exact, `[${String(start)}, ${String(end)}) K = ${k}`).toBe(exact);
      if (!exact) continue;
      const index = new SubBucketIndex(1, k);
      index.set(0, start, end, k);
      const spy = exactSpy();
      // Every chunk value after R, with the byte after the chunk at both extremes.
      const t = l.prefixLen + 1 - (start === null ? 1 : 0);
      for (let c = 0; c < 0x10000; c += 7) {
        for (const after of [0, 255]) {
          const key = new Uint8Array(t + 4);
          if (start !== null) key.set(start.subarray(0, t));
          key.set([c >> 8, c & 0xff, after], t);
          expect(index.subBucket(0, key)).toBe(subBucketIndex(l, start, end, key));
        }
      }
      expect(spy).not.toHaveBeenCalled();
      spy.mockRestore();
    }
  });

  it("flags a slot exact only when the estimate is the bucket for every chunk", () => {
    fc.assert(
      fc.property(
        bytesOfLength(0, 6),
        fc.integer({ min: 0, max: 254 }),
        fc.integer({ min: 1, max: 255 }),
        bytesOfLength(0, 3),
        fc.constantFrom(2, 3, 4, 7, 16, 100, 256),
        (prefix, x, width, tail, k) => {
          const start = Uint8Array.from([...prefix, x, ...tail]);
          const end = x + width > 255 ? null : Uint8Array.from([...prefix, x + width]);
          const l = subrangeLayout(start, end, k);
          if (l.k <= 1) return;
          const c = chunkPath(l, start)!;
          if (!c.exact) return;
          const last = l.k - 1;
          for (let y = 1; y < 0x10000; y += 2) {
            const e = (Math.imul(y, c.m) - c.c) >> c.s;
            const below = c.bounds.slice(1, l.k).filter((f) => f < y).length;
            expect(e < 0 ? 0 : e > last ? last : e).toBe(below);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it("keeps the chunk inside the window where lo and hi − 1 share 7 bytes", () => {
    const start = Uint8Array.of(9, 5, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x10);
    const end = Uint8Array.of(9, 6);
    const l = subrangeLayout(start, end, 16);
    const index = new SubBucketIndex(1, 16);
    index.set(0, start, end, 16);
    for (let b = 0; b < 256; b++) {
      // The byte after the window must not matter (it would, were the chunk read past it).
      for (const after of [0x00, 0x80, 0xff]) {
        const key = Uint8Array.of(9, 5, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, b, after, 1, 2, 3);
        expect(index.subBucket(0, key)).toBe(subBucketIndex(l, start, end, key));
      }
    }
  });

  it("sends every key of a route whose prefix is longer than 31 bytes the exact way, exactly", () => {
    const shared = new Uint8Array(33).fill(0x42);
    const start = Uint8Array.from([...shared, 0x10]);
    const end = Uint8Array.from([...shared, 0xf0]);
    const l = subrangeLayout(start, end, 16);
    const index = new SubBucketIndex(1, 16);
    index.set(0, start, end, 16);
    const spy = exactSpy();
    for (let b = 0; b < 256; b++) {
      const key = Uint8Array.from([...shared, b, 0x55]);
      expect(index.subBucket(0, key)).toBe(subBucketIndex(l, start, end, key));
    }
    expect(spy).toHaveBeenCalledTimes(256);
  });
});
