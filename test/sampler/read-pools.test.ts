import { describe, expect, it } from "vitest";
import { clockedSampler, enc } from "../helpers.js";

const range = (i: number) =>
  [enc(`k${String(i).padStart(3, "0")}`), enc(`k${String(i + 1).padStart(3, "0")}`)] as const;
const SPARSE = 2 ** 20 + 5;

/**
 * Routes 0–4 and a sparse id over 4 slots: 4 folds with 3, then the sparse id takes the slot
 * freed by folding 0 and 1 (the cheapest pair: fold-pairs.ts). Route 2 keeps its own row.
 */
function routed() {
  const c = clockedSampler({ maxTrackedRoutes: 4, labels: ["redis"] });
  for (let i = 0; i < 5; i++) c.s.registerRoute(i, ...range(i));
  c.s.registerRoute(SPARSE, ...range(20));
  return c;
}

describe("Sampler.readPool", () => {
  it("counts n reads of a route as n observeKey calls would, misses included", () => {
    const pooled = routed();
    const observed = routed();
    const pool = pooled.s.readPool(() => {})!;
    // route, reads, key lengths: a plain route, a folded one, the sparse id, an unknown id
    const reads: [number, number[]][] = [
      [2, [3, 4, 5]],
      [4, [2]],
      [SPARSE, [6, 6]],
      [77, [1, 1, 1, 1]],
    ];
    for (const [id, lengths] of reads) {
      pool.add(
        id,
        lengths.length,
        lengths.reduce((a, b) => a + b, 0),
      );
      for (const n of lengths) observed.s.observeKey(id, 0, new Uint8Array(n), 0);
    }
    for (const c of [pooled, observed]) {
      c.tick();
      c.s.flush();
    }
    expect(pooled.s.snapshot()).toEqual(observed.s.snapshot());
    expect(pooled.s.stats().misses).toBe(4);
    expect(pooled.s.snapshot()[0]!.rows.find((r) => r.bucketId === "route:2")).toMatchObject({
      reads: 3,
      readBytes: 12,
    });
  });

  it("asks for the tally before it reads or moves counters, and only then", () => {
    const { s, tick } = routed();
    const calls: string[] = [];
    let at = "";
    const pool = s.readPool(() => calls.push(at))!;
    const step = (name: string, run: () => unknown) => {
      at = name;
      run();
    };
    step("observe", () => s.observe(1, 0, 3));
    step("observeKey", () => s.observeKey(1, 1, enc("k001/a"), 2));
    step("snapshot", () => s.snapshot());
    step("matrix", () => s.matrix());
    step("setLeaderTerm", () => s.setLeaderTerm(3, 2));
    expect(calls).toEqual([]);
    step("registerRoute", () => s.registerRoute(40, ...range(40)));
    step("removeRoute", () => s.removeRoute(40));
    step("replaceRoutes", () => s.replaceRoutes([1], [{ routeId: 41, start: range(1)[0], end: range(1)[1] }]));
    step("stats", () => s.stats());
    step("flush", () => {
      tick();
      s.flush();
    });
    expect(calls).toEqual(["registerRoute", "removeRoute", "replaceRoutes", "stats", "flush"]);
    pool.close();
    step("after close", () => s.flush());
    expect(calls).toHaveLength(5);
  });

  it("refuses a bad count and counts nothing for it", () => {
    const { s, tick } = routed();
    const pool = s.readPool(() => {})!;
    expect(() => pool.add(1, -1, 3)).toThrow(RangeError);
    expect(() => pool.add(1, 2, 1.5)).toThrow(/bytes must be a non-negative safe integer/);
    expect(() => pool.add("1" as unknown as number, 1, 1)).toThrow(TypeError);
    tick();
    s.flush();
    expect(s.snapshot()[0]!.rows.every((r) => r.reads === 0)).toBe(true);
    expect(s.stats().misses).toBe(0);
  });

  it("is not offered when routes may have sub-buckets, and wants a function", () => {
    const { s } = clockedSampler({ keyBucketsPerRoute: 4 });
    expect(s.readPool(() => {})).toBeNull();
    expect(() => routed().s.readPool(42 as unknown as () => void)).toThrow(TypeError);
  });
});
