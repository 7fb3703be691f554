import { describe, expect, it } from "vitest";
import { Op } from "../../src/index.js";
import { assertProperAxis, clockedSampler, enc, totals } from "../helpers.js";

const range = (i: number) =>
  [enc(`k${String(i).padStart(3, "0")}`), enc(`k${String(i + 1).padStart(3, "0")}`)] as const;

describe("virtual buckets", () => {
  it("folds an over-budget route with its less active neighbour only", () => {
    const { s, tick } = clockedSampler({ maxTrackedRoutes: 3 });
    for (const i of [0, 1, 2]) expect(s.registerRoute(i, ...range(i))).toBe(true);
    // route 1 is hot, route 2 cold: route 3 (right of 2) folds with 2, not across 1
    for (let n = 0; n < 10; n++) s.observe(1, Op.Write, 1);
    s.observe(0, Op.Write, 1);
    tick();
    s.flush();
    expect(s.registerRoute(3, ...range(3))).toBe(false);
    s.observe(2, Op.Write, 1);
    s.observe(3, Op.Write, 1);
    s.observe(1, Op.Write, 1);
    tick();
    s.flush();
    const rows = s.snapshot()[1]!.rows;
    assertProperAxis(rows);
    expect(rows.map((r) => r.bucketId)).toEqual(["route:1", "virtual:18446744073709551615"]);
    const vb = rows[1]!;
    expect(vb.aggregate).toBe(true);
    expect(vb.routeId).toBeNull();
    expect(vb.groupId).toBe(0);
    expect(vb.memberRoutes).toEqual([2, 3]);
    expect(vb.memberRoutesTotal).toBe(2);
    expect(vb.start).toEqual(range(2)[0]);
    expect(vb.end).toEqual(range(3)[1]);
    expect(vb.writes).toBe(2);
    expect(s.stats()).toMatchObject({ trackedRoutes: 2, virtualBuckets: 1 });
  });

  it("moves the neighbour's pending counts into the bucket: nothing lost, nothing overlaps", () => {
    const { s, tick } = clockedSampler({ maxTrackedRoutes: 2 });
    s.registerRoute(0, ...range(0));
    s.registerRoute(1, ...range(1));
    s.observe(1, Op.Read, 5);
    s.registerRoute(2, ...range(2)); // folds with 1 (its only neighbour) while 1 has pending counts
    s.observe(2, Op.Read, 1);
    tick();
    s.flush();
    const rows = s.snapshot()[0]!.rows;
    assertProperAxis(rows);
    expect(rows).toHaveLength(1);
    expect([rows[0]!.reads, rows[0]!.readBytes]).toEqual([2, 6]);
  });

  it("caps listed members but keeps the true count; ids count down from 2^64 − 1", () => {
    const { s, tick } = clockedSampler({ maxTrackedRoutes: 2, maxMemberRoutesPerSlot: 2 });
    for (let i = 0; i < 6; i++) s.registerRoute(i, ...range(i));
    for (let i = 0; i < 6; i++) s.observe(i, Op.Write, 1);
    tick();
    s.flush();
    const rows = s.snapshot()[0]!.rows;
    assertProperAxis(rows);
    expect(totals(s.snapshot()).writes).toBe(6);
    const vbs = rows.filter((r) => r.aggregate);
    expect(vbs.length).toBeGreaterThan(0);
    for (const vb of vbs) {
      expect(vb.bucketId).toMatch(/^virtual:1844674407370955161\d$/);
      expect(vb.memberRoutes.length).toBeLessThanOrEqual(2);
      expect(vb.memberRoutesTotal).toBeGreaterThanOrEqual(vb.memberRoutes.length);
    }
    expect(rows.reduce((n, r) => n + r.memberRoutesTotal, 0)).toBe(6);
  });

  it("a route registered inside a bucket's range joins it; removed members leave after a flush", () => {
    const { s, tick } = clockedSampler({ maxTrackedRoutes: 1 });
    s.registerRoute(0, ...range(0));
    s.registerRoute(4, ...range(4)); // folds with 0: the bucket spans k000..k005
    expect(s.registerRoute(2, ...range(2))).toBe(false);
    s.observe(2, Op.Read, 1);
    s.removeRoute(4);
    s.observe(4, Op.Read, 1); // a miss
    tick();
    s.flush();
    let vb = s.snapshot()[0]!.rows[0]!;
    expect(vb.memberRoutes).toEqual([0, 2, 4]); // 4 was a member during this window
    s.observe(0, Op.Read, 1);
    tick();
    s.flush();
    vb = s.snapshot()[1]!.rows[0]!;
    expect(vb.memberRoutes).toEqual([0, 2]);
    expect(vb.end).toEqual(range(2)[1]);
    expect(s.stats().misses).toBe(1);
  });

  it("routes registered in key order past the budget spread over every row, not into one bucket", () => {
    const { s, tick } = clockedSampler({ maxTrackedRoutes: 100 });
    const wide = (i: number) =>
      [enc(`k${String(i).padStart(4, "0")}`), enc(`k${String(i + 1).padStart(4, "0")}`)] as const;
    for (let i = 0; i < 1000; i++) s.registerRoute(i, ...wide(i));
    for (let i = 0; i < 1000; i++) s.observe(i, Op.Write, 1);
    tick();
    s.flush();
    const rows = s.snapshot()[0]!.rows;
    assertProperAxis(rows);
    expect(rows).toHaveLength(100);
    expect(totals(s.snapshot()).writes).toBe(1000);
    const members = rows.map((r) => r.memberRoutesTotal || 1);
    expect(members.reduce((a, b) => a + b, 0)).toBe(1000);
    // 10 routes a row on average; no row holds more than twice that.
    expect(Math.max(...members)).toBeLessThanOrEqual(20);
  });

  it("folds the two least active adjacent rows to give a new route its own row", () => {
    const { s, tick } = clockedSampler({ maxTrackedRoutes: 4 });
    for (const i of [0, 2, 4, 6]) s.registerRoute(i, ...range(i));
    // 4 and 6 busy, 0 and 2 cold; route 7 lands right of the busiest: 0 and 2 fold instead.
    for (let n = 0; n < 10; n++) s.observe(4, Op.Write, 1);
    for (let n = 0; n < 20; n++) s.observe(6, Op.Write, 1);
    tick();
    s.flush();
    expect(s.registerRoute(7, ...range(7))).toBe(true);
    for (const i of [0, 2, 4, 6, 7]) s.observe(i, Op.Write, 1);
    tick();
    s.flush();
    const rows = s.snapshot()[1]!.rows;
    assertProperAxis(rows);
    expect(rows.map((r) => r.bucketId)).toEqual(["virtual:18446744073709551615", "route:4", "route:6", "route:7"]);
    expect(rows[0]!.memberRoutes).toEqual([0, 2]);
    expect(rows[0]!.writes).toBe(2);
  });

  it("gives folded routes their own rows back once removals leave room in the budget", () => {
    const { s, tick } = clockedSampler({ maxTrackedRoutes: 4 });
    for (let i = 0; i < 6; i++) s.registerRoute(i, ...range(i)); // rows: {0, 1}, 2, {3, 4}, 5
    expect(s.stats()).toMatchObject({ trackedRoutes: 2, virtualBuckets: 2 });
    s.removeRoute(2);
    s.removeRoute(5);
    for (const i of [0, 1, 3, 4]) s.observe(i, Op.Write, 1);
    tick();
    s.flush(); // the buckets' counts are drawn as buckets, then their routes get slots again
    for (const i of [0, 1, 3, 4]) s.observe(i, Op.Write, 1);
    tick();
    s.flush();
    const [before, after] = s.snapshot().map((c) => c.rows);
    expect(before!.map((r) => r.bucketId)).toEqual(["virtual:18446744073709551614", "virtual:18446744073709551615"]);
    expect(before!.map((r) => r.writes)).toEqual([2, 2]);
    assertProperAxis(after!);
    expect(after!.map((r) => r.bucketId)).toEqual(["route:0", "route:1", "route:3", "route:4"]);
    expect(after!.map((r) => r.writes)).toEqual([1, 1, 1, 1]);
    expect(s.stats()).toMatchObject({ trackedRoutes: 4, virtualBuckets: 0 });
  });
});
