// The fast path of the sub-bucket index (src/sampler/sub-bucket-chunk.ts): keys inside realistic
// routes (common prefixes of 0–40 bytes, unbounded ends, K up to 256), keys on and next to every
// edge, keys cut at the fast path's length guard and keys off the route's prefix R at any byte,
// each against the SPEC §3.1 reference (src/keys/subrange.ts); and the fast path must answer
// nearly all keys inside a route (else it is dead code behind a correct exact path).
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { subBucketEdgeValue, subBucketIndex, subrangeLayout, type SubrangeLayout } from "../../src/keys/subrange.js";
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
        fc.constantFrom("bounded", "unbounded", "no start"),
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
