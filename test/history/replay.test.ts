import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { exportBytes } from "../../src/history/export.js";
import { openHistory } from "../../src/history/replay.js";
import { SERIES, type Column } from "../../src/types.js";
import type { Matrix } from "../../src/wire/wire.js";
import { clockedSampler, enc } from "../helpers.js";
import { historyArb, historyOf, runHistory } from "./history-file.js";

const withoutTime = (m: Matrix) => ({ ...m, generated_at: "" });

/** Every (from, to) pair over the column times and just around them, plus unbounded. */
function windows(cols: Column[]): [number | undefined, number | undefined][] {
  const times = [...new Set(cols.flatMap((c) => [c.atMs, c.atMs + 1]))];
  const bounds: (number | undefined)[] = [undefined, ...times.slice(0, 4), ...times.slice(-3)];
  return bounds.flatMap((f) => bounds.map((t) => [f, t] as [number | undefined, number | undefined]));
}

describe("openHistory(export)", () => {
  it("replays a sampler's history exactly: every series, window and row budget, and snapshot()", () => {
    fc.assert(
      fc.property(
        historyArb,
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 3 }),
        (h, budgets) => {
          const s = runHistory(h);
          const bytes = exportBytes(historyOf(s), s.stepMs, {}, 0);
          const replay = openHistory(bytes);
          const live = s.snapshot();
          expect(replay.snapshot()).toEqual(live);
          expect(replay.columns).toEqual(live.map((c) => ({ atMs: c.atMs, windowStartMs: c.windowStartMs })));
          for (const series of SERIES) {
            for (const rows of [1024, ...budgets]) {
              for (const [fromMs, toMs] of windows(live).slice(0, 12)) {
                const q = { series, rows, fromMs, toMs };
                expect(withoutTime(replay.matrix(q))).toEqual(withoutTime(s.matrix(q)));
              }
            }
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it("exports a window: only the columns with fromMs ≤ atMs < toMs", () => {
    const { s, tick } = clockedSampler();
    s.registerRoute(1, enc("a"), enc("m"), 7);
    for (let i = 0; i < 5; i++) {
      s.observe(1, 1, 3, 10 * i);
      tick();
      s.flush();
    }
    const cols = s.snapshot();
    const bytes = exportBytes(historyOf(s), s.stepMs, { fromMs: cols[1]!.atMs, toMs: cols[4]!.atMs }, 0);
    const replay = openHistory(bytes);
    expect(replay.snapshot()).toEqual(cols.slice(1, 4));
    expect(replay.fromMs).toBe(cols[1]!.windowStartMs);
    expect(replay.toMs).toBe(cols[3]!.atMs);
    expect(replay.stepMs).toBe(1000);
    expect(replay.routes).toEqual([
      {
        bucketId: "route:1",
        routeId: 1,
        start: enc("a"),
        end: enc("m"),
        groupId: 7,
        firstMs: cols[1]!.atMs,
        lastMs: cols[3]!.atMs,
      },
    ]);
  });

  it("re-aggregates to a coarser step with exact sums", () => {
    const { s, tick } = clockedSampler();
    s.registerRoute(1, enc("a"), enc("m"), 7);
    s.registerRoute(2, enc("m"), null, 8);
    s.setLeaderTerm(7, 3);
    for (let i = 0; i < 10; i++) {
      for (let j = 0; j <= i; j++) s.observe(1 + (j % 2), 1, 3, 10);
      if (i === 5) s.setLeaderTerm(7, 4);
      tick();
      s.flush();
    }
    const replay = openHistory(exportBytes(historyOf(s), s.stepMs, {}, 0));
    const fine = replay.matrix({ series: "writes" });
    const coarse = replay.matrix({ series: "writes", stepMs: 4000 });
    // Columns at 1 001 000 … 1 010 000 fall into (k·4000 − 4000, k·4000].
    expect(coarse.column_unix_ms).toEqual([1_004_000, 1_008_000, 1_012_000]);
    const sum = (m: Matrix, id: string) => m.rows.find((r) => r.bucket_id === id)!.values;
    const groups = [
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ];
    for (const id of ["route:1", "route:2"]) {
      expect(sum(coarse, id)).toEqual(groups.map((g) => g.reduce((a, i) => a + sum(fine, id)[i]!, 0)));
    }
    // A term change inside a coarse column leaves its identity unknown (0/0), as the pivot rules say.
    expect(coarse.rows.find((r) => r.bucket_id === "route:1")!.leader_terms).toEqual([3, 0, 4]);
    expect(replay.matrix({ stepMs: 1000 })).toEqual({ ...fine, generated_at: expect.any(String) });
    expect(() => replay.matrix({ stepMs: 0 })).toThrow(RangeError);
    expect(() => replay.matrix({ stepMs: 1.5 })).toThrow(/stepMs must be a positive integer/);
    // The live sampler answers the same request with the same code (it ignored stepMs before).
    const strip = (m: Matrix) => ({ ...m, generated_at: "" });
    expect(strip(s.matrix({ series: "writes", stepMs: 4000 }))).toEqual(strip(coarse));
    expect(() => s.matrix({ stepMs: 1.5 })).toThrow(/stepMs must be a positive integer/);
    expect(() => s.matrix(5 as never)).toThrow(new TypeError("matrix request must be an object"));
  });
});
