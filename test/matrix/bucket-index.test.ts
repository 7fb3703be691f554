import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { buildMatrix } from "../../src/matrix/build.js";
import { bucketIndex } from "../../src/matrix/bucket-index.js";
import { planRowGroupsJs } from "../../src/matrix/kernels.js";
import type { RowMeta, SeriesView } from "../../src/types.js";
import { meta, NOW } from "./build-fixtures.js";

// The bucket index is kept per `metas` array and reused while it still fits. A build over a copy
// of the array (a new key: nothing reused) is the reference for every build over the original.
const fresh = (v: SeriesView): SeriesView => ({ ...v, metas: [...v.metas] });

/** Metas over a few bucket ids (so buckets often span several metas), keys from one alphabet. */
const arbMeta = (i: number) =>
  fc
    .record({
      bucket: fc.nat(5),
      start: fc.option(fc.constantFrom("a", "b", "c", "d"), { nil: null }),
      group: fc.nat(2),
      routes: fc.array(fc.nat(30), { minLength: 1, maxLength: 3 }),
    })
    .map(({ bucket, start, group, routes }) =>
      meta(i, start, null, {
        bucketId: `route:${bucket}`,
        groupId: group,
        memberRoutes: routes,
        memberRoutesTotal: routes.length,
      }),
    );

type Step =
  | { kind: "build"; from: number; to: number; rows: number }
  | { kind: "push" | "replace" | "swap"; at: number; other: number; seed: RowMeta };

const arbStep: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant("build" as const),
    from: fc.nat(8),
    to: fc.nat(8),
    rows: fc.integer({ min: 1, max: 6 }),
  }),
  fc.record({
    kind: fc.constantFrom("push" as const, "replace" as const, "swap" as const),
    at: fc.nat(),
    other: fc.nat(),
    seed: arbMeta(99),
  }),
);

const arbCase = fc.record({
  metas: fc.array(fc.nat(), { minLength: 1, maxLength: 8 }).chain((a) => fc.tuple(...a.map((_, i) => arbMeta(i)))),
  // Per column: which of up to 12 metas it holds and their values (ids past the table are dropped).
  columns: fc.array(fc.array(fc.tuple(fc.nat(11), fc.nat(3)), { maxLength: 8 }), { minLength: 1, maxLength: 8 }),
  steps: fc.array(arbStep, { minLength: 1, maxLength: 12 }),
});

function viewOf(metas: RowMeta[], cells: [number, number][][]): SeriesView {
  return {
    series: "writes",
    metas,
    columns: cells.map((cs, c) => {
      const kept = [...new Map(cs.filter(([m]) => m < metas.length)).entries()];
      return {
        windowStartMs: c * 1000,
        atMs: (c + 1) * 1000,
        metaIds: Uint32Array.from(kept, ([m]) => m),
        values: Float64Array.from(kept, ([, v]) => v),
        terms: Float64Array.from(kept, () => 1),
      };
    }),
  };
}

describe("the bucket index kept between builds", () => {
  it("property: every build over one metas array equals a build from scratch, as the table changes in place", () => {
    fc.assert(
      fc.property(arbCase, ({ metas, columns, steps }) => {
        const table: RowMeta[] = [...metas];
        for (const step of steps) {
          if (step.kind === "build") {
            const v = viewOf(table, columns);
            const opts = { rows: step.rows, nowMs: NOW, fromMs: step.from * 1000, toMs: step.to * 1000 };
            expect(buildMatrix(v, opts)).toEqual(buildMatrix(fresh(v), opts));
            const whole = { rows: step.rows, nowMs: NOW };
            expect(buildMatrix(v, whole)).toEqual(buildMatrix(fresh(v), whole));
          } else if (step.kind === "push") table.push({ ...step.seed });
          else if (step.kind === "replace") table[step.at % table.length] = { ...step.seed };
          else {
            const a = step.at % table.length;
            const b = step.other % table.length;
            [table[a], table[b]] = [table[b]!, table[a]!];
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it("is reused while the same metas are present with the same newest per bucket", () => {
    const metas = [
      meta(1, null, "b", { bucketId: "route:1" }),
      meta(2, "b", null, { bucketId: "route:2" }),
      meta(3, "b", null, { bucketId: "route:2", groupId: 9 }),
    ];
    const first = bucketIndex(metas, Uint32Array.of(1, 2, 1));
    expect(first.list.map((b) => b.meta)).toEqual([metas[0], metas[1]]);
    expect(bucketIndex(metas, Uint32Array.of(5, 7, 3))).toBe(first);
    // Meta 3 becomes the newest of bucket route:2 (ties go to the later meta).
    const newer = bucketIndex(metas, Uint32Array.of(5, 7, 7));
    expect(newer).not.toBe(first);
    expect(newer.list[1]!.meta).toBe(metas[2]);
    // Meta 1 absent; then the table changes in place.
    expect(bucketIndex(metas, Uint32Array.of(0, 7, 7))).not.toBe(newer);
    const now = bucketIndex(metas, Uint32Array.of(1, 1, 1));
    metas[0] = { ...metas[0]! };
    expect(bucketIndex(metas, Uint32Array.of(1, 1, 1))).not.toBe(now);
  });

  it("hands out frozen row heads, the same objects while the plan holds", () => {
    const metas = [meta(1, null, "b"), meta(2, "b", "c"), meta(3, "c", null)];
    const index = bucketIndex(metas, Uint32Array.of(1, 1, 1));
    const heads = index.rowHeads(Uint32Array.of(0, 2, 3));
    expect(heads.map((h) => h.bucket_id)).toEqual(["merged:route:1..route:2", "route:3"]);
    expect(Object.isFrozen(heads[0])).toBe(true);
    expect(Object.isFrozen(heads[0]!.route_ids)).toBe(true);
    expect(index.rowHeads(Uint32Array.of(0, 2, 3))[0]).toBe(heads[0]);
    expect(index.rowHeads(Uint32Array.of(0, 1, 3))[0]!.bucket_id).toBe("route:1");
  });

  it("plans again unless the totals, the budget and the planner are the same as last time", () => {
    const metas = [meta(1, null, "b"), meta(2, "b", "c"), meta(3, "c", null)];
    const index = bucketIndex(metas, Uint32Array.of(1, 1, 1));
    const calls: number[][] = [];
    const planner = (totals: Float64Array, budget: number) => {
      calls.push([...totals, budget]);
      return planRowGroupsJs(totals, budget);
    };
    const first = index.plan(Float64Array.of(1, 2, 3), 2, planner);
    expect(index.plan(Float64Array.of(1, 2, 3), 2, planner)).toBe(first);
    expect(calls).toHaveLength(1);
    expect([...index.plan(Float64Array.of(3, 2, 1), 2, planner)]).toEqual([0, 1, 3]);
    index.plan(Float64Array.of(3, 2, 1), 1, planner);
    index.plan(Float64Array.of(3, 2, 1), 1, (t, b) => planRowGroupsJs(t, b));
    expect(calls).toEqual([
      [1, 2, 3, 2],
      [3, 2, 1, 2],
      [3, 2, 1, 1],
    ]);
  });
});
