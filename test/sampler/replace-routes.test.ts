import { describe, expect, it } from "vitest";
import { Op } from "../../src/index.js";
import { assertProperAxis, clockedSampler, enc, totals } from "../helpers.js";

describe("replaceRoutes (split/merge continuity)", () => {
  it("split: past rows and pending counts move onto the children, totals unchanged", () => {
    const { s, tick } = clockedSampler();
    s.registerRoute(1, enc("a"), enc("e"), 3);
    s.registerRoute(9, enc("e"), null, 3);
    for (let i = 0; i < 10; i++) s.observe(1, Op.Write, 1);
    s.observe(9, Op.Write, 1);
    tick();
    s.flush();
    s.observe(1, Op.Write, 1, 1); // pending at split time
    const before = totals(s.snapshot());
    s.replaceRoutes(
      [1],
      [
        { routeId: 1, start: enc("a"), end: enc("c"), groupId: 3 },
        { routeId: 2, start: enc("c"), end: enc("e"), groupId: 3 },
      ],
    );
    expect(totals(s.snapshot())).toEqual(before);
    const past = s.snapshot()[0]!.rows;
    assertProperAxis(past);
    expect(past.map((r) => [r.bucketId, r.writes])).toEqual([
      ["route:1", 5],
      ["route:2", 5],
      ["route:9", 1],
    ]);
    expect(past[1]!.start).toEqual(enc("c"));
    s.observe(2, Op.Write, 1);
    tick();
    s.flush();
    const now = s.snapshot()[1]!.rows;
    assertProperAxis(now);
    expect(now.reduce((a, r) => a + r.writes, 0)).toBe(2);
    expect(now.map((r) => r.bucketId)).toEqual(
      ["route:1", "route:2"].filter((id) => now.some((r) => r.bucketId === id)),
    );
  });

  it("merge: rows of both sides sum into the merged route, exactly", () => {
    const { s, tick } = clockedSampler();
    s.registerRoute(1, null, enc("m"));
    s.registerRoute(2, enc("m"), null);
    s.observe(1, Op.Read, 2);
    s.observe(2, Op.Read, 3);
    s.observe(2, Op.Read, 3);
    tick();
    s.flush();
    s.replaceRoutes([1, 2], [{ routeId: 3, start: null, end: null }]);
    const rows = s.snapshot()[0]!.rows;
    expect(rows.map((r) => [r.bucketId, r.reads, r.readBytes])).toEqual([["route:3", 3, 8]]);
    s.observe(1, Op.Read, 1); // old ids are gone
    expect(s.stats().misses).toBe(1);
  });

  it("validates its arguments before changing anything", () => {
    const { s } = clockedSampler();
    s.registerRoute(1, null, enc("m"));
    s.registerRoute(2, enc("m"), null);
    expect(() => s.replaceRoutes([7], [{ routeId: 3, start: null, end: null }])).toThrow(/not registered/);
    expect(() => s.replaceRoutes([1], [{ routeId: 3, start: null, end: enc("n") }])).toThrow(/cover exactly/);
    expect(() => s.replaceRoutes([1], [{ routeId: 2, start: null, end: enc("m") }])).toThrow(/already registered/);
    expect(() =>
      s.replaceRoutes(
        [1],
        [
          { routeId: 3, start: null, end: enc("c") },
          { routeId: 4, start: enc("d"), end: enc("m") },
        ],
      ),
    ).toThrow(/contiguous/);
    // One id for two pieces: the second could never be removed on its own.
    expect(() =>
      s.replaceRoutes(
        [2],
        [
          { routeId: 9, start: enc("m"), end: enc("t") },
          { routeId: 9, start: enc("t"), end: null },
        ],
      ),
    ).toThrow(/route id 9 is given twice/);
    expect(() => s.replaceRoutes([1, 1], [{ routeId: 3, start: null, end: enc("m") }])).toThrow(/listed twice/);
    expect(s.stats().trackedRoutes).toBe(2);
    expect(s.registerRoute(1, null, enc("m"))).toBe(true); // both still there, unchanged
    expect(s.registerRoute(2, enc("m"), null)).toBe(true);
  });
});
