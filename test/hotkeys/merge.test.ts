import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { mergeHotKeys } from "../../src/hotkeys/merge.js";
import { HotKeyTracker } from "../../src/hotkeys/tracker.js";
import type { HotKeysResponse } from "../../src/hotkeys/response.js";

function response(overrides: Partial<HotKeysResponse>): HotKeysResponse {
  return {
    route_id: 9,
    series: "writes",
    keys: [],
    approximate: true,
    sample_rate: 16,
    sampled_n: 0,
    dropped_samples: 0,
    skipped_long_keys: 0,
    degraded: false,
    error_bound: 0,
    snapshot_at: "2024-05-01T12:00:00.000Z",
    ...overrides,
  };
}

describe("mergeHotKeys", () => {
  it("sums keys, sorts by count then key_b64, and applies max/sum/OR rules", () => {
    const a = response({
      label: "grpc",
      sub_bucket: 2,
      keys: [
        { key_b64: "YQ==", count: 32 },
        { key_b64: "Yg==", count: 16 },
      ],
      sample_rate: 16,
      sampled_n: 10,
      dropped_samples: 1,
      degraded: true,
      error_bound: 2,
      snapshot_at: "2024-05-01T12:01:00.000Z",
    });
    const b = response({
      keys: [
        { key_b64: "Yg==", count: 64 },
        { key_b64: "Yw==", count: 48 },
        { key_b64: "ZA==", count: 48 },
      ],
      sample_rate: 32,
      sampled_n: 5,
      skipped_long_keys: 2,
      degraded: true,
      error_bound: 3,
      snapshot_at: "2024-05-01T12:00:30.000Z",
    });
    expect(mergeHotKeys([a, b], 3)).toEqual({
      route_id: 9,
      label: "grpc",
      sub_bucket: 2,
      series: "writes",
      keys: [
        { key_b64: "Yg==", count: 80 },
        { key_b64: "Yw==", count: 48 },
        { key_b64: "ZA==", count: 48 },
      ],
      approximate: true,
      sample_rate: 32,
      sampled_n: 15,
      dropped_samples: 1,
      skipped_long_keys: 2,
      degraded: true,
      error_bound: 5,
      snapshot_at: "2024-05-01T12:01:00.000Z",
    });
  });

  it("is not degraded when no node is", () => {
    const merged = mergeHotKeys([response({}), response({})], 20);
    expect(merged.degraded).toBe(false);
    expect("label" in merged).toBe(false);
    expect("sub_bucket" in merged).toBe(false);
  });

  it("leaves a single tracker response unchanged (same order rule)", () => {
    const t = new HotKeyTracker({ sampleRate: 1, perRoute: 8 });
    for (const k of ["z", "y", "x", "w", "w", "v", "v", "v"]) t.offer(1, "", new TextEncoder().encode(k));
    t.publish(Date.UTC(2024, 0, 1));
    const one = t.query(1, { top: 8 })!;
    expect(mergeHotKeys([one], 8)).toEqual(one);
  });

  it("error_bound stays an unsigned integer: an older node's fractional bound is floored before summing", () => {
    expect(mergeHotKeys([response({ error_bound: 2.5 }), response({ error_bound: 1.75 })], 5).error_bound).toBe(3);
  });

  it("validates its arguments and clamps top to 1024", () => {
    expect(() => mergeHotKeys([], 20)).toThrow(RangeError);
    expect(() => mergeHotKeys([response({})], 0)).toThrow(/top/);
    expect(() => mergeHotKeys([response({})], 2.5)).toThrow(RangeError);
    // 1 500 keys in all, from two nodes (one node sends at most 1 024).
    const many = Array.from({ length: 1500 }, (_, i) => ({
      key_b64: btoa(`k${String(i).padStart(4, "0")}`),
      count: 1,
    }));
    const nodes = [response({ keys: many.slice(0, 750) }), response({ keys: many.slice(750) })];
    expect(mergeHotKeys(nodes, 5000).keys).toHaveLength(1024);
  });

  it("equals a per-key sum of every node's keys (property)", () => {
    const keyArb = fc.constantFrom("YQ==", "Yg==", "Yw==", "ZA==", "ZQ==");
    const nodeArb = fc
      .uniqueArray(fc.record({ key_b64: keyArb, count: fc.integer({ min: 1, max: 100 }).map((c) => c * 16) }), {
        selector: (k) => k.key_b64,
      })
      .map((keys) => response({ keys, sampled_n: keys.length }));
    fc.assert(
      fc.property(fc.array(nodeArb, { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 6 }), (nodes, top) => {
        const merged = mergeHotKeys(nodes, top);
        const sums = new Map<string, number>();
        for (const n of nodes) for (const k of n.keys) sums.set(k.key_b64, (sums.get(k.key_b64) ?? 0) + k.count);
        const expected = [...sums]
          .map(([key_b64, count]) => ({ key_b64, count }))
          .sort((x, y) => y.count - x.count || (x.key_b64 < y.key_b64 ? -1 : 1))
          .slice(0, top);
        expect(merged.keys).toEqual(expected);
        expect(merged.sampled_n).toBe(nodes.reduce((s, n) => s + n.sampled_n, 0));
      }),
    );
  });
});
