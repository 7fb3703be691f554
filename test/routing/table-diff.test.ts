// tableReplacements: the runs of routes that changed between two tilings of the key space.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { tableReplacements } from "../../src/routing/table-diff.js";
import type { RouteSpec } from "../../src/routing/route-table.js";

const key = (b: number) => new Uint8Array([b]);

/** A tiling from sorted cut points; a route keeps its id where a shared `ids` map knows its range. */
function tiling(cuts: number[], ids: Map<string, number>, next: { id: number }): RouteSpec[] {
  const bounds = [null, ...cuts.map(key), null];
  const out: RouteSpec[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const name = `${cuts[i - 1] ?? "-"}:${cuts[i] ?? "+"}`;
    let id = ids.get(name);
    if (id === undefined) ids.set(name, (id = next.id++));
    out.push({ routeId: id, start: bounds[i]!, end: bounds[i + 1]!, groupId: 1 });
  }
  return out;
}

const cutsArb = fc.uniqueArray(fc.integer({ min: 1, max: 30 }), { maxLength: 8 }).map((a) => a.sort((x, y) => x - y));

describe("tableReplacements", () => {
  it("replacing each run in the old tiling gives the new one; unchanged routes are in no run", () => {
    fc.assert(
      fc.property(cutsArb, cutsArb, (a, b) => {
        const ids = new Map<string, number>();
        const next = { id: 1 };
        const before = tiling(a, ids, next);
        const after = tiling(b, ids, next);
        const runs = tableReplacements(before, after);
        const routes = before.slice();
        for (const run of runs) {
          const at = routes.findIndex((r) => r.routeId === run.oldIds[0]);
          expect(routes.slice(at, at + run.oldIds.length).map((r) => r.routeId)).toEqual(run.oldIds);
          routes.splice(at, run.oldIds.length, ...run.newRoutes);
        }
        expect(routes).toEqual(after);
        const unchanged = new Set(
          before.filter((r) => after.some((s) => s.routeId === r.routeId)).map((r) => r.routeId),
        );
        for (const run of runs) for (const id of run.oldIds) expect(unchanged.has(id)).toBe(false);
        if (runs.length === 0) expect(before).toEqual(after);
      }),
    );
  });

  it("a split is one run: the parent and its two children", () => {
    const before: RouteSpec[] = [
      { routeId: 1, start: null, end: key(10), groupId: 1 },
      { routeId: 2, start: key(10), end: null, groupId: 1 },
    ];
    const after: RouteSpec[] = [
      { routeId: 3, start: null, end: key(5), groupId: 1 },
      { routeId: 4, start: key(5), end: key(10), groupId: 1 },
      before[1]!,
    ];
    expect(tableReplacements(before, after)).toEqual([{ oldIds: [1], newRoutes: after.slice(0, 2) }]);
  });
});
