import { describe, expect, it } from "vitest";
import fc from "fast-check";
import type { Key } from "../../src/types.js";
import { compareBytes, keyInRange } from "../../src/keys/bytes.js";
import { subBucketBounds, subBucketIndex, subrangeLayout } from "../../src/keys/subrange.js";
import { instantiateSubrange } from "../wasm/subrange.wasm.js";

const bytes = (...b: number[]) => Uint8Array.from(b);
const u8 = (k: Key) => k ?? new Uint8Array(0);

/** Drives the Wasm implementation for one route at a time through its scratch buffer. */
class WasmRoute {
  private static wasm = instantiateSubrange();
  private readonly base = WasmRoute.wasm.scratch();
  private readonly desc = this.base;
  private readonly startPtr = this.base + 64;
  private readonly endPtr = this.base + 64 + 4096;
  private readonly keyPtr = this.base + 64 + 8192;
  private readonly startLen: number;
  private readonly endLen: number;
  readonly k: number;

  constructor(start: Key, end: Key, k: number) {
    const w = WasmRoute.wasm;
    const mem = new Uint8Array(w.memory.buffer);
    mem.fill(0xee, this.base, this.base + 3 * 4096 + 64); // garbage past every key's end
    mem.set(u8(start), this.startPtr);
    mem.set(u8(end), this.endPtr);
    this.startLen = u8(start).length;
    this.endLen = end === null || end.length === 0 ? -1 : end.length;
    // u32 results come back as signed i32 numbers: reinterpret.
    this.k = w.subrangeInit(this.desc, this.startPtr, this.startLen, this.endPtr, this.endLen, k) >>> 0;
  }

  get prefixLen(): number {
    return WasmRoute.wasm.descPrefixLen(this.desc);
  }

  get storedK(): number {
    return WasmRoute.wasm.descCount(this.desc) >>> 0;
  }

  index(key: Uint8Array): number {
    const w = WasmRoute.wasm;
    const mem = new Uint8Array(w.memory.buffer);
    mem.fill(0xee, this.keyPtr, this.keyPtr + key.length + 16);
    mem.set(key, this.keyPtr);
    const full =
      w.subrangeIndex(this.desc, this.startPtr, this.startLen, this.endPtr, this.endLen, this.keyPtr, key.length) >>> 0;
    const fast = w.subrangeIndexFast(this.desc, this.startPtr, this.keyPtr, key.length) >>> 0;
    expect(fast).toBe(full);
    return full;
  }
}

function route(start: Key, end: Key, k: number) {
  const layout = subrangeLayout(start, end, k);
  return {
    layout,
    // Lazy: routes with a huge K (index tests only) would build billions of bounds.
    get bounds() {
      return subBucketBounds(start, end, layout);
    },
    index: (key: Uint8Array) => subBucketIndex(layout, start, end, key),
  };
}

const inRoute = (key: Uint8Array, start: Key, end: Key) => keyInRange(key, start, end);

describe("SPEC §3.1 vectors", () => {
  it("[0x00, 0x40) with K=4 splits at 0x10, 0x20, 0x30", () => {
    const r = route(bytes(0x00), bytes(0x40), 4);
    expect(r.layout).toMatchObject({ k: 4, prefixLen: 0, lo: 0n, hi: 0x40n << 56n, bounded: true });
    expect(r.bounds).toEqual([
      { start: bytes(0x00), end: bytes(0x10) },
      { start: bytes(0x10), end: bytes(0x20) },
      { start: bytes(0x20), end: bytes(0x30) },
      { start: bytes(0x30), end: bytes(0x40) },
    ]);
    expect(r.bounds[1]!.start).toEqual(bytes(0x10));
    const w = new WasmRoute(bytes(0x00), bytes(0x40), 4);
    const cases: [Uint8Array, number][] = [
      [bytes(), 0],
      [bytes(0x00), 0],
      [bytes(0x00, 0x00), 0],
      [bytes(0x0f, 0xff, 0xff), 0],
      [bytes(0x10), 1],
      [bytes(0x1f, 0xff), 1],
      [bytes(0x20), 2],
      [bytes(0x30), 3],
      [bytes(0x3f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), 3],
      [bytes(0x40), 3],
      [bytes(0x40, 0x00), 3],
      [bytes(0xff), 3],
    ];
    for (const [key, want] of cases) {
      expect(r.index(key), `ts ${Array.from(key)}`).toBe(want);
      expect(w.index(key), `wasm ${Array.from(key)}`).toBe(want);
    }
  });

  it("[null, null) with K=4 maps 0x00 → 0, 0xFF → 3, monotone in between", () => {
    const r = route(null, null, 4);
    const w = new WasmRoute(null, null, 4);
    expect(r.layout).toMatchObject({ k: 4, prefixLen: 0, lo: 0n, hi: (1n << 64n) - 1n, bounded: false });
    expect(w.k).toBe(4);
    expect(r.index(bytes(0x00))).toBe(0);
    expect(r.index(bytes(0xff))).toBe(3);
    expect(r.index(bytes())).toBe(0);
    let prev = 0;
    for (let b = 0; b < 256; b++) {
      const i = r.index(bytes(b));
      expect(w.index(bytes(b))).toBe(i);
      expect(i).toBeGreaterThanOrEqual(prev);
      prev = i;
    }
    expect(w.index(bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff))).toBe(3);
    expect(r.bounds[0]!.start).toBeNull();
    expect(r.bounds[3]!.end).toBeNull();
    // ceil((2^64 − 1)·i/4) = 0x40…00, so the edges trim to single bytes.
    expect(r.bounds.map((b) => b.start)).toEqual([null, bytes(0x40), bytes(0x80), bytes(0xc0)]);
  });

  it("K=1 has exactly one bucket covering the route", () => {
    const r = route(bytes(1), bytes(9), 1);
    expect(r.layout.k).toBe(1);
    expect(r.bounds).toEqual([{ start: bytes(1), end: bytes(9) }]);
    const w = new WasmRoute(bytes(1), bytes(9), 1);
    expect(w.k).toBe(1);
    for (const key of [bytes(0), bytes(1), bytes(5), bytes(9), bytes(0xff)]) {
      expect(r.index(key)).toBe(0);
      expect(w.index(key)).toBe(0);
    }
  });

  it("hi ≤ lo gives one bucket", () => {
    const cases: [Key, Key][] = [
      [bytes(0x61, 0x62), bytes(0x61, 0x62, 0x00)], // E = S + zero byte: w(E) = w(S)
      [bytes(0x61), bytes(0x61, 0, 0, 0, 0, 0, 0, 0, 0, 5)], // difference beyond the window
      [bytes(5), bytes(5)], // empty route
      [bytes(6), bytes(5)], // inverted route
      [bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), null], // unbounded, lo = 2^64 − 1
    ];
    for (const [s, e] of cases) {
      const r = route(s, e, 8);
      expect(r.layout.k).toBe(1);
      expect(r.bounds).toEqual([{ start: s, end: e }]);
      const w = new WasmRoute(s, e, 8);
      expect(w.k).toBe(1);
      expect(w.index(bytes(0x61, 0x62, 0x00))).toBe(0);
    }
  });

  it("span < K lowers K to span", () => {
    const s = bytes(0x41);
    const e = bytes(0x41, 0, 0, 0, 0, 0, 0, 0, 3);
    const r = route(s, e, 4);
    expect(r.layout).toMatchObject({ k: 3, prefixLen: 1, lo: 0n, hi: 3n, span: 3n });
    expect(r.bounds.map((b) => b.start)).toEqual([
      s,
      bytes(0x41, 0, 0, 0, 0, 0, 0, 0, 1),
      bytes(0x41, 0, 0, 0, 0, 0, 0, 0, 2),
    ]);
    const w = new WasmRoute(s, e, 4);
    expect(w.k).toBe(3);
    expect(w.prefixLen).toBe(1);
    expect(w.index(bytes(0x41, 0, 0, 0, 0, 0, 0, 0, 1))).toBe(1);
    expect(w.index(bytes(0x41, 0, 0, 0, 0, 0, 0, 0, 2, 9))).toBe(2);
    expect(w.index(bytes(0x41, 0, 0, 0, 0, 0, 0, 0, 0, 9))).toBe(0);

    const near = route(bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfd), null, 256);
    expect(near.layout.k).toBe(2);
    expect(new WasmRoute(bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfd), null, 256).k).toBe(2);
  });

  it("rejects a non-positive or fractional k in the reference", () => {
    expect(() => subrangeLayout(null, null, 0)).toThrow(RangeError);
    expect(() => subrangeLayout(null, null, 1.5)).toThrow(/k must be/);
  });
});

// Bytes biased towards the values where carries and ties happen.
const byteArb = fc.oneof(fc.constantFrom(0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff), fc.integer({ min: 0, max: 255 }));
const tailArb = fc.array(byteArb, { maxLength: 14 }).map((a) => Uint8Array.from(a));
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

/** Routes whose bounds often share long prefixes; null starts and unbounded ends included. */
const routeArb = fc
  .record({
    prefix: fc.oneof(
      tailArb,
      fc.array(byteArb, { minLength: 8, maxLength: 40 }).map((a) => Uint8Array.from(a)),
    ),
    a: tailArb,
    b: tailArb,
    nullStart: fc.boolean(),
    unbounded: fc.boolean(),
    keepOrder: fc.nat(9),
    k: fc.oneof(
      fc.integer({ min: 1, max: 8 }),
      fc.integer({ min: 1, max: 256 }),
      fc.constantFrom(255, 256, 1000, 2 ** 31, 2 ** 32 - 1),
    ),
  })
  .map(({ prefix, a, b, nullStart, unbounded, keepOrder, k }) => {
    let s: Key = concat(prefix, a);
    let e: Key = concat(prefix, b);
    // Mostly well-formed routes (S < E); sometimes inverted/empty ones, which must get K = 1.
    if (keepOrder > 0 && compareBytes(s, e) > 0) [s, e] = [e, s];
    if (nullStart) s = null;
    if (unbounded) e = null;
    return { start: s, end: e, k };
  });

/** Keys near the route: around S and E, sharing their prefix, shorter and longer than the window. */
function keyArb(start: Key, end: Key): fc.Arbitrary<Uint8Array> {
  const anchors = [u8(start), u8(end)];
  const near = fc
    .record({ anchor: fc.constantFrom(...anchors), cut: fc.nat(50), tail: tailArb })
    .map(({ anchor, cut, tail }) => concat(anchor.subarray(0, Math.min(cut, anchor.length)), tail));
  const bumped = fc
    .record({ anchor: fc.constantFrom(...anchors), at: fc.nat(50), delta: fc.constantFrom(-1, 1) })
    .map(({ anchor, at, delta }) => {
      const k = anchor.slice();
      if (k.length > 0) {
        const i = at % k.length;
        k[i] = (k[i]! + delta) & 0xff;
      }
      return k;
    });
  return fc.oneof(near, bumped, fc.constantFrom(...anchors), tailArb);
}

/** Spec-sized K (≤ 256): routes whose bounds the tests materialise. */
const smallRouteArb = routeArb.map((r) => ({ ...r, k: r.k > 256 ? 1 + (r.k % 256) : r.k }));

const casesOf = (routes: fc.Arbitrary<{ start: Key; end: Key; k: number }>) =>
  routes.chain((r) =>
    fc.record({ r: fc.constant(r), keys: fc.array(keyArb(r.start, r.end), { minLength: 1, maxLength: 24 }) }),
  );
const caseArb = casesOf(routeArb);
const smallCaseArb = casesOf(smallRouteArb);

describe("properties", () => {
  it("Wasm index equals the TS reference index, and the descriptors agree", () => {
    fc.assert(
      fc.property(caseArb, ({ r, keys }) => {
        const ref = route(r.start, r.end, r.k);
        const w = new WasmRoute(r.start, r.end, r.k);
        expect(w.k).toBe(ref.layout.k);
        expect(w.storedK).toBe(ref.layout.k);
        expect(w.prefixLen).toBe(ref.layout.prefixLen);
        for (const key of keys) expect(w.index(key)).toBe(ref.index(key));
      }),
      { numRuns: 2000 },
    );
  });

  it("the index is monotone non-decreasing in key order", () => {
    fc.assert(
      fc.property(caseArb, ({ r, keys }) => {
        const ref = route(r.start, r.end, r.k);
        const sorted = [...keys].sort(compareBytes);
        let prev = 0;
        for (const key of sorted) {
          const i = ref.index(key);
          expect(i).toBeGreaterThanOrEqual(prev);
          expect(i).toBeLessThan(ref.layout.k);
          prev = i;
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("every key of [S, E) lies inside the bounds of the bucket that counts it", () => {
    fc.assert(
      fc.property(smallCaseArb, ({ r, keys }) => {
        const ref = route(r.start, r.end, r.k);
        const bounds = ref.bounds;
        for (const key of keys) {
          if (!inRoute(key, r.start, r.end)) continue;
          const b = bounds[ref.index(key)]!;
          expect(inRoute(key, b.start, b.end), `key ${Array.from(key)} in ${JSON.stringify(b)}`).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("the bounds tile [S, E) in order, with no gaps or overlaps", () => {
    fc.assert(
      fc.property(smallRouteArb, (r) => {
        const ref = route(r.start, r.end, r.k);
        const b = ref.bounds;
        expect(b).toHaveLength(ref.layout.k);
        expect(b[0]!.start).toEqual(r.start === null || r.start.length === 0 ? null : r.start);
        expect(b[b.length - 1]!.end).toEqual(r.end === null || r.end.length === 0 ? null : r.end);
        // Plain checks in the loop (expect() per edge dominates the run time); one assertion after.
        const bad: string[] = [];
        for (let i = 0; i + 1 < b.length; i++) {
          const edge = b[i]!.end;
          if (edge !== b[i + 1]!.start) bad.push(`bucket ${i} end is not bucket ${i + 1} start`);
          if (edge === null || edge.length === 0) bad.push(`edge ${i + 1} is empty`);
          // Strictly inside the route and strictly increasing: no empty bucket.
          else if (compareBytes(edge, u8(b[i]!.start)) <= 0) bad.push(`edge ${i + 1} not above the previous`);
          else if (r.end !== null && r.end.length > 0 && compareBytes(edge, r.end) >= 0)
            bad.push(`edge ${i + 1} not below E`);
        }
        expect(bad).toEqual([]);
      }),
      { numRuns: 2000 },
    );
  });
});
