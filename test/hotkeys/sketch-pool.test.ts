// The Wasm sketch pool (assembly/hotkeys.ts via src/hotkeys/sketch-pool.ts) and the tracker's use
// of it, against a linear-scan reference model of SPEC §7's update rule.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { INLINE_KEY_BYTES, SketchPool } from "../../src/hotkeys/sketch-pool.js";
import { HotKeyTracker } from "../../src/hotkeys/tracker.js";

const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);
const hex = (k: Uint8Array): string => Buffer.from(k).toString("hex");

/**
 * Reference Space-Saving: a tracked key gets +1; an untracked one is inserted with 1 while there
 * is room, else replaces the entry of least (count, last update) with count min + 1.
 */
class Reference {
  readonly entries: { key: string; count: number; last: number }[] = [];
  total = 0;
  constructor(private readonly m: number) {}
  add(key: string): void {
    const t = ++this.total;
    const hit = this.entries.find((e) => e.key === key);
    if (hit !== undefined) {
      hit.count++;
      hit.last = t;
    } else if (this.entries.length < this.m) {
      this.entries.push({ key, count: 1, last: t });
    } else {
      let min = this.entries[0]!;
      for (const e of this.entries) if (e.count < min.count || (e.count === min.count && e.last < min.last)) min = e;
      min.key = key;
      min.count++;
      min.last = t;
    }
  }
  /** `times` more updates of `key`, which is tracked: the same as that many `add`s. */
  repeat(key: string, times: number): void {
    const hit = this.entries.find((e) => e.key === key)!;
    this.total += times;
    hit.count += times;
    hit.last = this.total;
  }
  counts(): Map<string, number> {
    return new Map(this.entries.map((e) => [e.key, e.count]));
  }
}

/** Keys that differ in their first, middle and last bytes, across the 8-byte word boundaries. */
const keyArb = fc.oneof(
  fc.constantFrom(0, 1, 7, 8, 9, 15, 16, 17, 40, 47, 48).chain((len) =>
    fc.integer({ min: 0, max: 3 }).map((v) => {
      const k = new Uint8Array(len).fill(0x61);
      if (len > 0) k[v % 3 === 0 ? 0 : v % 3 === 1 ? len >> 1 : len - 1] = 0x61 + v;
      return k;
    }),
  ),
  fc.uint8Array({ minLength: 0, maxLength: INLINE_KEY_BYTES }),
);

/** Streams where a few hot keys stay tracked while cold ones are evicted around them. */
const hotAndColdArb = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom(...["h1", "h2", "h3", "h4"].map((k) => new TextEncoder().encode(k))) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 12 }) },
);

function poolCounts(pool: SketchPool, index: number): Map<string, number> {
  const s = pool.state(index);
  return new Map(s.keys.map((k, i) => [hex(k), s.counts[i]!]));
}

describe("SketchPool (Wasm Space-Saving sketches fed by a ring)", () => {
  it("matches the reference model per sketch, for interleaved sketches and any drain points (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.oneof(keyArb, hotAndColdArb), fc.boolean()), {
          maxLength: 300,
        }),
        (m, stream) => {
          const pool = new SketchPool(m, 16);
          const index = [pool.attach(), pool.attach(), pool.attach()];
          const models = [new Reference(m), new Reference(m), new Reference(m)];
          for (const [s, key, drainNow] of stream) {
            if (!pool.push(index[s]!, key)) {
              pool.drain();
              expect(pool.push(index[s]!, key)).toBe(true);
            }
            models[s]!.add(hex(key));
            if (drainNow) pool.drain();
          }
          pool.drain();
          for (let s = 0; s < 3; s++) {
            expect(poolCounts(pool, index[s]!)).toEqual(models[s]!.counts());
            expect(pool.total(index[s]!)).toBe(models[s]!.total);
            // The tie order: each key's last update, as the model numbers them.
            const state = pool.state(index[s]!);
            const lastOf = new Map(models[s]!.entries.map((e) => [e.key, e.last]));
            expect(state.keys.map((k) => lastOf.get(hex(k)))).toEqual(state.seqs);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("matches the reference model over long hot/cold streams (hash-table deletions next to live keys)", () => {
    for (const m of [4, 8, 64]) {
      const pool = new SketchPool(m, 256);
      const i = pool.attach();
      const model = new Reference(m);
      let x = 0x12345678;
      for (let n = 0; n < 30_000; n++) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        const u = x >>> 0;
        const k = new TextEncoder().encode(u % 2 === 0 ? `hot${(u >>> 8) % m}` : `cold${u % 100_000}`);
        if (!pool.push(i, k)) {
          pool.drain();
          pool.push(i, k);
        }
        model.add(hex(k));
      }
      pool.drain();
      expect(poolCounts(pool, i)).toEqual(model.counts());
    }
  });

  it("tells apart keys whose hashes collide and that differ only in their last byte", () => {
    // Found by a search over assembly/hotkeys.ts's hashKey: an 8-byte little-endian prefix word,
    // eight "b", then a tail ("aaa" for 20 bytes) whose last byte differs; both keys hash alike.
    const pairs: [number, number, number, number][] = [
      [17, 2584, 78, 116],
      [20, 64947, 88, 247],
    ];
    for (const [len, prefix, last1, last2] of pairs) {
      const make = (last: number): Uint8Array => {
        const k = new Uint8Array(len).fill(0x61);
        new DataView(k.buffer).setBigUint64(0, BigInt(prefix), true);
        k.fill(0x62, 8, 16);
        k[len - 1] = last;
        return k;
      };
      const [a, b] = [make(last1), make(last2)];
      const pool = new SketchPool(4, 16);
      const i = pool.attach();
      for (const k of [a, b, a, b, a]) pool.push(i, k);
      pool.drain();
      expect(poolCounts(pool, i)).toEqual(
        new Map([
          [hex(a), 3],
          [hex(b), 2],
        ]),
      );
    }
  });

  it("a full ring refuses a push; drain empties it", () => {
    const pool = new SketchPool(4, 3);
    const i = pool.attach();
    const k = new Uint8Array([1, 2, 3]);
    expect([pool.push(i, k), pool.push(i, k), pool.push(i, k), pool.push(i, k)]).toEqual([true, true, true, false]);
    pool.drain();
    expect(pool.queued).toBe(0);
    expect(pool.push(i, k)).toBe(true);
    pool.drain();
    expect(poolCounts(pool, i)).toEqual(new Map([["010203", 4]]));
  });

  it("hands out every sketch once, then −1; released ones come back empty", () => {
    const pool = new SketchPool(64, 4096);
    expect(pool.capacity).toBeGreaterThan(6_000); // the sizing of scripts/build-wasm.mjs (32 MiB)
    const seen = new Set<number>();
    for (let i = 0; i < pool.capacity; i++) seen.add(pool.attach());
    expect(seen.size).toBe(pool.capacity);
    expect(Math.min(...seen)).toBe(0);
    expect(Math.max(...seen)).toBe(pool.capacity - 1);
    expect(pool.attach()).toBe(-1);
    pool.push(7, new Uint8Array([9]));
    pool.drain();
    pool.release(7);
    expect(pool.attach()).toBe(7);
    expect(pool.total(7)).toBe(0);
    expect(pool.state(7).keys).toEqual([]);
  });

  it("keeps counts and tie order across the renumbering of sequence numbers at 2^24 updates", () => {
    const pool = new SketchPool(3, 65_536);
    const i = pool.attach();
    const model = new Reference(3);
    const key = (c: string): Uint8Array => new TextEncoder().encode(c);
    const feed = (k: string, times = 1): void => {
      const bytes = key(k);
      for (let n = 0; n < times; n++) {
        if (!pool.push(i, bytes)) {
          pool.drain();
          pool.push(i, bytes);
        }
      }
      model.add(hex(bytes));
      if (times > 1) model.repeat(hex(bytes), times - 1);
    };
    const check = (): void => {
      expect(poolCounts(pool, i)).toEqual(model.counts());
      expect(pool.total(i)).toBe(model.total);
      const state = pool.state(i);
      expect(new Set(state.seqs).size).toBe(state.seqs.length);
      expect(Math.max(...state.seqs)).toBeLessThan(2 ** 24);
      const lastOf = new Map(model.entries.map((e) => [e.key, e.last]));
      const order = (by: (k: Uint8Array, at: number) => number): string[] =>
        state.keys
          .map((k, at) => ({ k: hex(k), v: by(k, at) }))
          .sort((x, y) => x.v - y.v)
          .map((e) => e.k);
      expect(order((_, at) => state.seqs[at]!)).toEqual(order((k) => lastOf.get(hex(k))!));
    };
    feed("b");
    feed("c");
    feed("a", 2 ** 24 - 8);
    for (const k of ["d", "b", "e", "c", "f", "a"]) feed(k); // evictions; the last update renumbers
    pool.drain();
    expect(model.total).toBe(2 ** 24);
    check();
    for (const k of ["g", "h", "b", "g", "i"]) feed(k); // evictions by the renumbered order
    pool.drain();
    check();
  }, 30_000);
});

describe("HotKeyTracker over the pool", () => {
  it("a route quiet for a step gives its pool sketch back; the route that takes it keeps its own keys", () => {
    const t = new HotKeyTracker({ sampleRate: 1 });
    const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
    const keysOf = (route: number): Record<string, number> =>
      Object.fromEntries(t.query(route)!.keys.map((k) => [Buffer.from(k.key_b64, "base64").toString(), k.count]));
    t.offer(1, "", enc("x"));
    t.publish(T0);
    t.publish(T0 + 1); // route 1 had no samples: its sketch goes back to the pool
    t.offer(2, "", enc("y")); // takes that sketch
    t.offer(1, "", enc("z"));
    t.publish(T0 + 2);
    expect(keysOf(1)).toEqual({ z: 1 });
    expect(keysOf(2)).toEqual({ y: 1 });
  });

  it("matches the reference model per (route, label), with long keys moving a sketch to JS mid-step (property)", () => {
    const anyKey = fc.oneof(keyArb, fc.uint8Array({ minLength: INLINE_KEY_BYTES + 1, maxLength: 70 }));
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.tuple(fc.integer({ min: 1, max: 3 }), fc.constantFrom("", "l"), anyKey, fc.nat(20)), {
          maxLength: 150,
        }),
        (m, stream) => {
          const t = new HotKeyTracker({ perRoute: m, sampleRate: 1, maxKeyLen: 4096 });
          let models = new Map<string, Reference>();
          const check = (): void => {
            for (const [id, model] of models) {
              const [route, label] = id.split("/") as [string, string];
              const r = t.query(Number(route), { label, top: 1024 })!;
              expect(r.sampled_n).toBe(model.total);
              expect(new Map(r.keys.map((k) => [Buffer.from(k.key_b64, "base64").toString("hex"), k.count]))).toEqual(
                model.counts(),
              );
            }
          };
          for (const [route, label, key, action] of stream) {
            t.offer(route, label, key);
            const id = `${route}/${label}`;
            if (!models.has(id)) models.set(id, new Reference(m));
            models.get(id)!.add(hex(key));
            if (action === 0) {
              t.publish(T0);
              check();
              models = new Map();
            } else if (action === 1) t.drain();
          }
          t.publish(T0);
          check();
        },
      ),
      { numRuns: 300 },
    );
  });

  it("falls back to JS sketches when the pool is full, and uses the pool again after a publish", () => {
    const t = new HotKeyTracker({ sampleRate: 1, perRoute: 64 });
    const capacity = new SketchPool(64, 4096).capacity;
    const routes = capacity + 50;
    const key = (r: number): Uint8Array => new TextEncoder().encode(`route-${r}`);
    for (let step = 0; step < 2; step++) {
      for (let r = 0; r < routes; r++) {
        t.offer(r, "", key(r));
        if (r % 3 === 0) t.offer(r, "", key(r));
        if (r % 1000 === 0) t.drain(); // as the microtask would: a synchronous burst fills the ring
      }
      t.publish(T0 + step);
      for (const r of [0, 1, capacity - 1, capacity, routes - 1]) {
        expect(t.query(r)!.keys).toEqual([
          { key_b64: Buffer.from(key(r)).toString("base64"), count: r % 3 === 0 ? 2 : 1 },
        ]);
      }
      expect(t.droppedSamples).toBe(0);
    }
  });

  it("a released route's pool sketch, reused by another route, does not get its queued samples", () => {
    const t = new HotKeyTracker({ sampleRate: 1 });
    const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
    t.offer(1, "", enc("one"));
    t.offer(1, "", enc("one"));
    t.release(1); // "one" is still in the ring
    t.offer(2, "", enc("two")); // takes route 1's sketch back from the pool
    t.offer(1, "", enc("again")); // route 1 registered anew: a sketch of its own
    t.publish(T0);
    expect(t.query(1)).toMatchObject({ keys: [{ key_b64: Buffer.from("again").toString("base64"), count: 1 }] });
    expect(t.query(2)).toMatchObject({
      keys: [{ key_b64: Buffer.from("two").toString("base64"), count: 1 }],
      sampled_n: 1,
    });
  });
});
