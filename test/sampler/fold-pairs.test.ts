import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Op } from "../../src/index.js";
import type { Row } from "../../src/types.js";
import { assertProperAxis, clockedSampler, enc } from "../helpers.js";

const key = (i: number) => enc(`k${String(i).padStart(4, "0")}`);
const routesIn = (r: Row) => (r.aggregate ? r.memberRoutesTotal : 1);

/** Registers routes `order` (route i is [k_i, k_i+1)) under `budget`, writes each once, flushes. */
function foldedRows(budget: number, order: number[]): Row[] {
  const { s, tick } = clockedSampler({ maxTrackedRoutes: budget });
  for (const i of order) s.registerRoute(i, key(i), key(i + 1));
  for (const i of order) s.observe(i, Op.Write, 1);
  tick();
  s.flush();
  const rows = s.snapshot()[0]!.rows;
  assertProperAxis(rows);
  expect(rows).toHaveLength(budget);
  expect(rows.reduce((a, r) => a + routesIn(r), 0)).toBe(order.length);
  // Each route's one write is in the row that holds it.
  for (const r of rows) expect(r.writes).toBe(routesIn(r));
  return rows;
}

describe("folding past the route budget (fold-pairs.ts)", () => {
  it("spreads routes registered in key order over every row: none holds more than twice its share", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 3, max: 30 }),
        fc.integer({ min: 1, max: 8 }),
        fc.boolean(),
        (budget, times, descending) => {
          const n = budget * times + 1;
          const order = Array.from({ length: n }, (_, i) => (descending ? n - 1 - i : i));
          const rows = foldedRows(budget, order);
          // A fold never makes a row bigger than the cheapest pair it could have folded instead,
          // and the cheapest of the budget − 2 pairs a new route does not sit between is at most
          // their average: 2n / (budget − 2). (Before, every route past the budget joined one row.)
          expect(Math.max(...rows.map(routesIn))).toBeLessThanOrEqual(Math.floor((2 * n) / (budget - 2)) + 1);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("folds routes registered in any order into exactly the budget's rows, each count in its route's row", () => {
    // No size bound here: a route landing inside a bucket's range must join it (rows never
    // overlap), so gaps filled late grow their bucket whatever it costs.
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 30 }).chain((budget) =>
          fc.tuple(
            fc.constant(budget),
            fc.integer({ min: budget + 1, max: 8 * budget }).chain((n) =>
              fc.shuffledSubarray(
                Array.from({ length: n }, (_, i) => i),
                { minLength: n, maxLength: n },
              ),
            ),
          ),
        ),
        ([budget, order]) => void foldedRows(budget, order),
      ),
      { numRuns: 60 },
    );
  });

  it("keeps every count and the row budget while routes come and go between busy steps; folds only while needed", () => {
    const step = fc.oneof(
      fc.record({ t: fc.constant("register" as const), at: fc.nat() }),
      fc.record({ t: fc.constant("remove" as const), at: fc.nat() }),
      fc.record({ t: fc.constant("observe" as const), at: fc.nat(), n: fc.integer({ min: 1, max: 50 }) }),
      fc.record({ t: fc.constant("flush" as const) }),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 3, max: 12 }),
        fc.array(step, { minLength: 20, maxLength: 200 }),
        fc.boolean(),
        (budget, steps, labelled) => {
          // With labels a route takes three slots and a bucket one: a pair fold must free enough.
          const labels = labelled ? ["a", "b"] : [];
          const { s, tick } = clockedSampler({ maxTrackedRoutes: budget, historyColumns: 1000, labels });
          const unregistered = Array.from({ length: 60 }, (_, i) => i);
          const registered: number[] = [];
          let pending = 0;
          let removed = 0;
          const flush = () => {
            tick();
            s.flush();
            const rows = s.snapshot().at(-1)!.rows;
            assertProperAxis(rows);
            // Routes removed in this step still have their last counts drawn; labelled rows of a
            // route are one holder.
            const holders = new Set(rows.map((r) => (r.aggregate ? r.bucketId : r.routeId)));
            expect(holders.size).toBeLessThanOrEqual(budget + removed);
            expect(rows.reduce((a, r) => a + r.writes, 0)).toBe(pending);
            // A bucket outlives no flush after which its routes fit in the budget.
            if (registered.length <= budget) expect(s.stats().virtualBuckets).toBe(0);
            pending = 0;
            removed = 0;
          };
          for (const st of steps) {
            if (st.t === "register" && unregistered.length > 0) {
              const [id] = unregistered.splice(st.at % unregistered.length, 1);
              s.registerRoute(id!, key(id!), key(id! + 1));
              registered.push(id!);
            } else if (st.t === "remove" && registered.length > 0) {
              const [id] = registered.splice(st.at % registered.length, 1);
              s.removeRoute(id!);
              unregistered.push(id!);
              removed++;
            } else if (st.t === "observe" && registered.length > 0) {
              const id = registered[st.at % registered.length]!;
              for (let i = 0; i < st.n; i++) s.observeKey(id, Op.Write, key(id), 0, labels[i % 3]);
              pending += st.n;
            } else if (st.t === "flush") flush();
          }
          flush();
        },
      ),
      { numRuns: 100 },
    );
  });

  it("keeps the busiest routes in rows of their own, even when a new route lands between them", () => {
    const { s, tick } = clockedSampler({ maxTrackedRoutes: 10 });
    for (let i = 0; i < 10; i++) s.registerRoute(i, key(2 * i), key(2 * i + 1));
    for (let step = 0; step < 3; step++) {
      for (const hot of [3, 4]) for (let n = 0; n < 100; n++) s.observe(hot, Op.Write, 1);
      tick();
      s.flush();
    }
    // Route 10 lies between the two hot routes (folding it with a neighbour would fold a hot
    // one), then one route lands in every other gap.
    expect(s.registerRoute(10, key(7), key(8))).toBe(true);
    for (let i = 11; i < 20; i++) if (i !== 13) s.registerRoute(i, key(2 * (i - 10) + 1), key(2 * (i - 10) + 2));
    for (let i = 0; i < 20; i++) s.observe(i, Op.Write, 1); // rows without counts are not stored
    tick();
    s.flush();
    const rows = s.snapshot().at(-1)!.rows;
    assertProperAxis(rows);
    expect(rows).toHaveLength(10);
    expect(rows.filter((r) => ["route:3", "route:4", "route:10"].includes(r.bucketId))).toHaveLength(3);
  });
});
