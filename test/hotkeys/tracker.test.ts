import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { HotKeyTracker } from "../../src/hotkeys/tracker.js";

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const b64 = (s: string): string => Buffer.from(s, "latin1").toString("base64");
const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);

/** Offers every key of `stream` on (route, label). */
function offerAll(t: HotKeyTracker, route: number, label: string, stream: string[]): void {
  for (const k of stream) t.offer(route, label, enc(k));
}

describe("HotKeyTracker", () => {
  it("reports the eviction vector (m = 2: a:1, b:6, then c → a evicted, c = 2)", () => {
    const t = new HotKeyTracker({ perRoute: 2, sampleRate: 1 });
    offerAll(t, 7, "", ["a", "b", "b", "b", "b", "b", "b", "c"]);
    t.publish(T0);
    expect(t.query(7)).toEqual({
      route_id: 7,
      series: "writes",
      keys: [
        { key_b64: b64("b"), count: 6 },
        { key_b64: b64("c"), count: 2 },
      ],
      approximate: true,
      sample_rate: 1,
      sampled_n: 8,
      dropped_samples: 0,
      skipped_long_keys: 0,
      degraded: false,
      error_bound: 4,
      snapshot_at: "2024-05-01T12:00:00.000Z",
    });
  });

  it("returns null before any publish and for unknown routes or labels", () => {
    const t = new HotKeyTracker({ sampleRate: 1 });
    offerAll(t, 1, "", ["a"]);
    expect(t.query(1)).toBeNull();
    t.publish(T0);
    expect(t.query(1)).not.toBeNull();
    expect(t.query(2)).toBeNull();
    expect(t.query(1, { label: "grpc" })).toBeNull();
  });

  it("scales counts by R and publishes error_bound = R × sampled_n / m", () => {
    const t = new HotKeyTracker({ perRoute: 8, sampleRate: 16, seed: 42 });
    for (let i = 0; i < 16_000; i++) t.offer(3, "", enc(i % 4 === 0 ? "hot" : `cold${i % 97}`));
    t.publish(T0);
    const r = t.query(3, { top: 8 })!;
    expect(r.sample_rate).toBe(16);
    expect(r.error_bound).toBe((16 * r.sampled_n) / 8);
    for (const k of r.keys) expect(k.count % 16).toBe(0);
    expect(r.keys[0]!.key_b64).toBe(b64("hot"));
    expect(r.keys.reduce((s, k) => s + k.count, 0)).toBe(16 * r.sampled_n);
  });

  it("samples one write in R on average", () => {
    const t = new HotKeyTracker({ sampleRate: 16, queueSize: 65536, seed: 7 });
    const key = enc("k");
    const writes = 320_000;
    for (let i = 0; i < writes; i++) t.offer(1, "", key);
    t.publish(T0);
    const n = t.query(1)!.sampled_n;
    const sigma = Math.sqrt(writes * (1 / 16) * (15 / 16));
    expect(Math.abs(n - writes / 16)).toBeLessThan(5 * sigma);
  });

  it("does not alias with a workload whose period is R", () => {
    const t = new HotKeyTracker({ sampleRate: 4, queueSize: 1 << 16, seed: 1 });
    for (let i = 0; i < 40_000; i++) t.offer(1, "", enc(`k${i % 4}`));
    t.publish(T0);
    const keys = t.query(1)!.keys;
    expect(keys.map((k) => k.key_b64).sort()).toEqual(["k0", "k1", "k2", "k3"].map(b64).sort());
    for (const k of keys) expect(k.count).toBeGreaterThan(8_000);
  });

  it("counts queue overflow as dropped and marks the snapshot degraded", () => {
    const t = new HotKeyTracker({ sampleRate: 1, queueSize: 4 });
    offerAll(t, 1, "", ["a", "b", "c", "d", "e", "f", "g"]); // synchronous burst: no drain in between
    t.publish(T0);
    const r = t.query(1)!;
    expect(r.sampled_n).toBe(4);
    expect(r.dropped_samples).toBe(3);
    expect(r.degraded).toBe(true);
  });

  it("also drops when the queue's key bytes are full (64 per slot plus one maximal key)", () => {
    const t = new HotKeyTracker({ sampleRate: 1, queueSize: 4, maxKeyLen: 100 }); // 4 × 64 + 100 bytes
    for (const c of "abcd") t.offer(1, "", new Uint8Array(100).fill(c.charCodeAt(0)));
    t.publish(T0);
    expect(t.query(1)).toMatchObject({ sampled_n: 3, dropped_samples: 1, degraded: true });
  });

  it("drains the queue in a microtask once it is half full", async () => {
    const t = new HotKeyTracker({ sampleRate: 1, queueSize: 4 });
    offerAll(t, 1, "", ["a", "b"]);
    await Promise.resolve();
    offerAll(t, 1, "", ["c", "d"]);
    await Promise.resolve();
    offerAll(t, 1, "", ["e", "f"]);
    t.publish(T0);
    const r = t.query(1)!;
    expect(r.sampled_n).toBe(6);
    expect(r.dropped_samples).toBe(0);
    expect(r.degraded).toBe(false);
  });

  it("skips (never truncates) keys longer than maxKeyLen and marks degraded", () => {
    const t = new HotKeyTracker({ sampleRate: 1, maxKeyLen: 4 });
    offerAll(t, 1, "", ["abcd", "abcde", "abcde", "abcd"]);
    t.publish(T0);
    const r = t.query(1)!;
    expect(r.keys).toEqual([{ key_b64: b64("abcd"), count: 2 }]);
    expect(r.sampled_n).toBe(2);
    expect(r.skipped_long_keys).toBe(2);
    expect(r.degraded).toBe(true);
  });

  it("keeps one snapshot per label", () => {
    const t = new HotKeyTracker({ sampleRate: 1 });
    offerAll(t, 1, "", ["u", "u"]);
    offerAll(t, 1, "grpc", ["g"]);
    offerAll(t, 1, "redis", ["r", "r", "r"]);
    t.publish(T0);
    expect(t.query(1)!.keys).toEqual([{ key_b64: b64("u"), count: 2 }]);
    expect("label" in t.query(1)!).toBe(false);
    const g = t.query(1, { label: "grpc" })!;
    expect(g.label).toBe("grpc");
    expect(g.keys).toEqual([{ key_b64: b64("g"), count: 1 }]);
    expect(t.query(1, { label: "redis" })!.sampled_n).toBe(3);
  });

  it("publishes and resets: snapshots are per step and immutable", () => {
    const t = new HotKeyTracker({ sampleRate: 1 });
    offerAll(t, 1, "", ["a", "a"]);
    t.publish(T0);
    const first = t.query(1)!;
    first.keys.push({ key_b64: "tampered", count: 1 });
    offerAll(t, 1, "", ["b"]); // not visible until the next publish
    expect(t.query(1)!.keys).toEqual([{ key_b64: b64("a"), count: 2 }]);
    t.publish(T0 + 60_000);
    const second = t.query(1)!;
    expect(second.keys).toEqual([{ key_b64: b64("b"), count: 1 }]);
    expect(second.snapshot_at).toBe("2024-05-01T12:01:00.000Z");
    t.publish(T0 + 120_000); // a quiet step publishes an empty snapshot
    expect(t.query(1)).toMatchObject({ keys: [], sampled_n: 0, error_bound: 0, degraded: false });
  });

  it("release drops the route's sketches, snapshots and queued samples", () => {
    const t = new HotKeyTracker({ sampleRate: 1 });
    offerAll(t, 1, "", ["a"]);
    offerAll(t, 1, "l", ["a"]);
    offerAll(t, 2, "", ["b"]);
    t.publish(T0);
    t.release(1);
    expect(t.query(1)).toBeNull();
    expect(t.query(1, { label: "l" })).toBeNull();
    expect(t.query(2)).not.toBeNull();
    offerAll(t, 2, "", ["c"]);
    t.release(2); // "c" is still queued: it must not resurrect route 2
    t.publish(T0 + 1);
    expect(t.query(2)).toBeNull();
    t.release(99); // unknown route: no-op
  });

  it("a released route offered again starts from an empty sketch (dense and sparse route ids)", () => {
    const t = new HotKeyTracker({ sampleRate: 1 });
    for (const id of [3, 70_000, 2 ** 40]) {
      offerAll(t, id, "", ["old", "old"]);
      t.publish(T0);
      t.release(id);
      offerAll(t, id, "", ["new"]);
      t.publish(T0 + 1);
      expect(t.query(id)!.keys).toEqual([{ key_b64: b64("new"), count: 1 }]);
      expect(t.query(id)!.sampled_n).toBe(1);
    }
  });

  it("filters keys to a sub-bucket's bounds (start ≤ key < end)", () => {
    const t = new HotKeyTracker({ sampleRate: 1 });
    const keys = [[0x01], [0x10], [0x10, 0x00], [0x20], [0x2f, 0xff], [0x30], [0xff]];
    for (const k of keys) t.offer(5, "", new Uint8Array(k));
    t.publish(T0);
    const within = (start: number[] | null, end: number[] | null, index = 1) =>
      t
        .query(5, {
          top: 64,
          subBucket: { index, start: start && new Uint8Array(start), end: end && new Uint8Array(end) },
        })!
        .keys.map((k) => [...Buffer.from(k.key_b64, "base64")]);
    const sorted = (ks: number[][]) => ks.map((k) => JSON.stringify(k)).sort();
    expect(sorted(within([0x10], [0x30]))).toEqual(sorted([[0x10], [0x10, 0x00], [0x20], [0x2f, 0xff]]));
    expect(sorted(within(null, [0x10]))).toEqual(sorted([[0x01]]));
    expect(sorted(within([0x30], null))).toEqual(sorted([[0x30], [0xff]]));
    expect(within(null, null)).toHaveLength(keys.length);
    expect(within(new Array<number>(0), new Array<number>(0))).toHaveLength(keys.length); // empty = open
    expect(t.query(5, { subBucket: { index: 3, start: null, end: null } })!.sub_bucket).toBe(3);
  });

  it("filters like a byte-order range check (property)", () => {
    const bytes = fc.uint8Array({ minLength: 0, maxLength: 3 });
    fc.assert(
      fc.property(fc.array(bytes, { minLength: 1, maxLength: 30 }), bytes, bytes, (stream, lo, hi) => {
        const t = new HotKeyTracker({ sampleRate: 1, perRoute: 256 });
        for (const k of stream) t.offer(1, "", k);
        t.publish(T0);
        const got = t
          .query(1, { top: 1024, subBucket: { index: 0, start: lo, end: hi } })!
          .keys.map((k) => k.key_b64)
          .sort();
        const inside = (k: Uint8Array) =>
          (lo.length === 0 || Buffer.compare(Buffer.from(k), Buffer.from(lo)) >= 0) &&
          (hi.length === 0 || Buffer.compare(Buffer.from(k), Buffer.from(hi)) < 0);
        const expected = [...new Set(stream.filter(inside).map((k) => Buffer.from(k).toString("base64")))].sort();
        expect(got).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });

  it("orders by count descending then key_b64 ascending, and clamps top", () => {
    const t = new HotKeyTracker({ sampleRate: 1, perRoute: 4 });
    offerAll(t, 1, "", ["z", "y", "x", "w", "w"]); // x, y, z tie at 1
    t.publish(T0);
    expect(t.query(1)!.keys.map((k) => k.key_b64)).toEqual([b64("w"), b64("x"), b64("y"), b64("z")]);
    expect(t.query(1, { top: 2 })!.keys).toHaveLength(2);
    expect(t.query(1, { top: 5000 })!.keys).toHaveLength(4); // clamped to 1024, then to m
    expect(() => t.query(1, { top: 0 })).toThrow(RangeError);
    expect(() => t.query(1, { top: 1.5 })).toThrow(new RangeError("top must be an integer, got 1.5"));
    expect(() => t.query(1, { top: "3" as unknown as number })).toThrow(TypeError);
  });

  it("defaults top to 20", () => {
    const t = new HotKeyTracker({ sampleRate: 1 });
    for (let i = 0; i < 40; i++) t.offer(1, "", enc(`k${i}`));
    t.publish(T0);
    expect(t.query(1)!.keys).toHaveLength(20);
  });

  it("never throws from offer", () => {
    const t = new HotKeyTracker({ sampleRate: 1 });
    expect(() => t.offer(1, "", null as unknown as Uint8Array)).not.toThrow();
    expect(() => t.offer(1, "", undefined as unknown as Uint8Array)).not.toThrow();
    t.offer(1, "", enc("ok"));
    t.publish(T0);
    expect(t.query(1)!.keys).toEqual([{ key_b64: b64("ok"), count: 1 }]);
  });

  it("validates options by the sampler's rule (SPEC §3), naming the option", () => {
    const sizes = (t: HotKeyTracker) => [t.perRoute, t.sampleRate, t.maxKeyLen, t.queueSize];
    expect(sizes(new HotKeyTracker())).toEqual([64, 16, 1024, 4096]);
    // Non-positive: the default; past the top of the range: clamped to it.
    expect(sizes(new HotKeyTracker({ perRoute: 0, sampleRate: -3, maxKeyLen: 0, queueSize: -1 }))).toEqual([
      64, 16, 1024, 4096,
    ]);
    expect(sizes(new HotKeyTracker({ perRoute: 257, sampleRate: 1e6, maxKeyLen: 4097, queueSize: 1e9 }))).toEqual([
      256, 1024, 4096, 65536,
    ]);
    expect(sizes(new HotKeyTracker({ perRoute: 256, sampleRate: 1024, maxKeyLen: 4096, queueSize: 1 }))).toEqual([
      256, 1024, 4096, 1,
    ]);
    // A fraction or an infinity is refused whatever its size; a non-number is a TypeError.
    for (const name of ["perRoute", "sampleRate", "maxKeyLen", "queueSize"] as const) {
      for (const bad of [1.5, 1e6 + 0.5, Infinity]) {
        expect(() => new HotKeyTracker({ [name]: bad })).toThrow(
          expect.objectContaining({ name: "RangeError", message: `hotKeys.${name} must be an integer, got ${bad}` }),
        );
      }
      expect(() => new HotKeyTracker({ [name]: "8" as unknown as number })).toThrow(TypeError);
    }
    expect(() => new HotKeyTracker({ seed: 0.5 })).toThrow(new RangeError("hotKeys.seed must be an integer, got 0.5"));
    expect(() => new HotKeyTracker({ seed: "1" as unknown as number })).toThrow(TypeError);
  });

  it("validates query arguments", () => {
    const t = new HotKeyTracker();
    expect(() => t.query(-1)).toThrow(RangeError);
    expect(() => t.query(1.5)).toThrow(/routeId/);
    expect(() => t.query(1, { label: 3 as unknown as string })).toThrow(/label/);
    expect(() => t.query(1, { subBucket: { index: -1, start: null, end: null } })).toThrow(/subBucket\.index/);
    expect(() => t.query(1, { subBucket: { index: 0, start: "a" as unknown as Uint8Array, end: null } })).toThrow(
      /subBucket\.start/,
    );
    expect(() => t.publish(Number.NaN)).toThrow(/nowMs/);
  });
});
