import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { SpaceSavingSketch, hashBytes, type SketchEntry } from "../../src/hotkeys/space-saving.js";
import { compareBytes } from "../../src/keys/bytes.js";

// Keys are written as latin1 strings in these tests (one char per byte).
const bytes = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const text = (b: Uint8Array): string => String.fromCharCode(...b);
const readable = (es: SketchEntry[]) => es.map((e) => ({ key: text(e.key), count: e.count }));

/** Reference model: the same update rule with a linear scan (evict min count, least recently updated). */
function referenceSpaceSaving(stream: string[], m: number): Map<string, number> {
  const entries: { key: string; count: number; stamp: number }[] = [];
  stream.forEach((key, seq) => {
    const hit = entries.find((e) => e.key === key);
    if (hit) {
      hit.count++;
      hit.stamp = seq;
    } else if (entries.length < m) {
      entries.push({ key, count: 1, stamp: seq });
    } else {
      let min = entries[0]!;
      for (const e of entries) if (e.count < min.count || (e.count === min.count && e.stamp < min.stamp)) min = e;
      min.key = key;
      min.count++;
      min.stamp = seq;
    }
  });
  return new Map(entries.map((e) => [e.key, e.count]));
}

function frequencies(stream: string[]): Map<string, number> {
  const f = new Map<string, number>();
  for (const k of stream) f.set(k, (f.get(k) ?? 0) + 1);
  return f;
}

// Skewed streams over a small alphabet so that heavy hitters and evictions both happen.
const streamArb = fc.array(
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom("a", "b", "c") },
    { weight: 2, arbitrary: fc.integer({ min: 0, max: 40 }).map((i) => `k${i}`) },
  ),
  { maxLength: 600 },
);

function sketchOf(stream: string[], m: number): SpaceSavingSketch {
  const s = new SpaceSavingSketch(m);
  for (const k of stream) s.add(bytes(k));
  return s;
}

describe("SpaceSavingSketch", () => {
  it("evicts the minimum and inserts with min + 1 (m = 2: a:1, b:6, then c)", () => {
    const s = new SpaceSavingSketch(2);
    s.add(bytes("a"));
    for (let i = 0; i < 6; i++) s.add(bytes("b"));
    s.add(bytes("c"));
    expect(readable(s.entries())).toEqual([
      { key: "b", count: 6 },
      { key: "c", count: 2 },
    ]);
    expect(s.countOf(bytes("a"))).toBe(0);
    expect(s.total).toBe(8);
  });

  it("breaks ties by evicting the least recently updated minimum", () => {
    const s = new SpaceSavingSketch(3);
    for (const k of ["x", "y", "z", "y", "x", "z"]) s.add(bytes(k)); // all at 2; y updated least recently
    s.add(bytes("w"));
    expect(s.countOf(bytes("y"))).toBe(0);
    expect(s.countOf(bytes("w"))).toBe(3);
  });

  it("lists entries by count descending, then key bytes ascending", () => {
    const s = new SpaceSavingSketch(8);
    for (const k of ["\u00ff", "b", "a", "b", "\u0001", "ab"]) s.add(bytes(k));
    expect(s.entries().map((e) => text(e.key))).toEqual(["b", "\u0001", "a", "ab", "\u00ff"]);
  });

  it("guarantees heavy hitters over the stream (property)", () => {
    fc.assert(
      fc.property(streamArb, fc.integer({ min: 1, max: 16 }), (stream, m) => {
        const s = sketchOf(stream, m);
        const truth = frequencies(stream);
        const n = stream.length;
        const entries = s.entries();
        expect(s.total).toBe(n);
        expect(entries.reduce((sum, e) => sum + e.count, 0)).toBe(n);
        expect(entries.length).toBe(Math.min(m, truth.size));
        for (const [key, f] of truth) {
          if (f > n / m) expect(s.countOf(bytes(key))).toBeGreaterThanOrEqual(f);
        }
        // Every tracked count over-estimates by at most N/m.
        for (const e of entries) {
          const f = truth.get(text(e.key)) ?? 0;
          expect(e.count).toBeGreaterThanOrEqual(f);
          expect(e.count - f).toBeLessThanOrEqual(n / m);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("matches the linear-scan reference model exactly (property)", () => {
    fc.assert(
      fc.property(streamArb, fc.integer({ min: 1, max: 16 }), (stream, m) => {
        const model = referenceSpaceSaving(stream, m);
        const s = sketchOf(stream, m);
        expect(new Map(readable(s.entries()).map((e) => [e.key, e.count]))).toEqual(model);
      }),
      { numRuns: 300 },
    );
  });

  it("reset forgets everything and the sketch is reusable", () => {
    const s = sketchOf(["a", "b", "a"], 2);
    s.reset();
    expect(s.size).toBe(0);
    expect(s.total).toBe(0);
    expect(s.entries()).toEqual([]);
    s.add(bytes("c"));
    expect(readable(s.entries())).toEqual([{ key: "c", count: 1 }]);
  });

  it("validates its capacity", () => {
    expect(() => new SpaceSavingSketch(0)).toThrow(RangeError);
    expect(() => new SpaceSavingSketch(257)).toThrow(/capacity/);
    expect(() => new SpaceSavingSketch(1.5)).toThrow(RangeError);
  });
});

describe("sketch key identity", () => {
  it("is by bytes, copies keys it keeps, and orders keys like unsigned bytes (property)", () => {
    const keyArb = fc.uint8Array({ maxLength: 4 }).map((k) => k.map((b) => b & 3)); // many collisions
    fc.assert(
      fc.property(fc.array(keyArb, { maxLength: 300 }), fc.integer({ min: 1, max: 8 }), (stream, m) => {
        const s = new SpaceSavingSketch(m);
        const scratch = new Uint8Array(8);
        for (const k of stream) {
          scratch.set(k);
          s.add(scratch.subarray(0, k.length));
          scratch.fill(0xee); // the sketch must not alias the caller's buffer
        }
        const model = referenceSpaceSaving(stream.map(text), m);
        expect(new Map(readable(s.entries()).map((e) => [e.key, e.count]))).toEqual(model);
        const keys = s.entries().map((e) => e.key);
        for (let i = 1; i < keys.length; i++) {
          const [a, b] = [s.entries()[i - 1]!, s.entries()[i]!];
          expect(a.count > b.count || (a.count === b.count && compareBytes(a.key, b.key) < 0)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("tells apart keys whose hashes collide (forced collisions, property)", () => {
    fc.assert(
      fc.property(streamArb, fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 3 }), (stream, m, buckets) => {
        const s = new SpaceSavingSketch(m);
        for (const k of stream) {
          const b = bytes(k);
          s.addFrom(b, 0, b.length, hashBytes(b, 0, b.length) % buckets); // ≤ 3 distinct hashes
        }
        const model = referenceSpaceSaving(stream, m);
        expect(new Map(readable(s.entries()).map((e) => [e.key, e.count]))).toEqual(model);
      }),
      { numRuns: 200 },
    );
  });

  it("compares keys from a shared buffer by words, aligned or not (forced collisions, property)", () => {
    // Two-letter keys of up to 11 bytes: many share whole words and differ only in the tail.
    const keyArb = fc.array(fc.constantFrom(0x61, 0x62), { maxLength: 11 }).map((a) => String.fromCharCode(...a));
    fc.assert(
      fc.property(
        fc.array(keyArb, { maxLength: 60 }),
        fc.integer({ min: 1, max: 8 }),
        fc.boolean(),
        (stream, m, misalign) => {
          const s = new SpaceSavingSketch(m);
          const arena = new Uint8Array(1024);
          const words = new Int32Array(arena.buffer);
          let used = 0;
          stream.forEach((k, i) => {
            const b = bytes(k);
            const offset = misalign && i % 2 === 1 ? used + 1 : used; // odd samples unaligned: byte compare
            arena.set(b, offset);
            s.addFrom(arena, offset, b.length, 7, words); // every key collides
            used = (offset + b.length + 3) & ~3;
            if (used > 1000) used = 0;
          });
          const model = referenceSpaceSaving(stream, m);
          expect(new Map(readable(s.entries()).map((e) => [e.key, e.count]))).toEqual(model);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("stores keys longer than the inline size by copy", () => {
    const s = new SpaceSavingSketch(2);
    const long = new Uint8Array(200).map((_, i) => i);
    const buffer = long.slice();
    s.add(buffer);
    buffer.fill(0);
    s.add(long);
    expect(s.entries()).toEqual([{ key: long, count: 2 }]);
  });

  it("survives heavy eviction churn through the hash table (backward-shift deletes)", () => {
    const s = new SpaceSavingSketch(16);
    const truth = new Map<string, number>();
    let seed = 1;
    for (let i = 0; i < 20_000; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      const k = i % 3 === 0 ? "hot" : `k${seed % 5000}`;
      truth.set(k, (truth.get(k) ?? 0) + 1);
      s.add(bytes(k));
    }
    expect(s.size).toBe(16);
    expect(s.entries().reduce((a, e) => a + e.count, 0)).toBe(20_000);
    expect(s.countOf(bytes("hot"))).toBeGreaterThanOrEqual(truth.get("hot")!);
    for (const e of s.entries()) expect(s.countOf(e.key)).toBe(e.count); // every tracked key is findable
  });
});
