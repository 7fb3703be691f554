import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { exportBytes } from "../../src/history/export.js";
import { peekColumns } from "../../src/history/kvz-reader.js";
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

describe("openHistory(bytes, { stepMs }): kept summed at a coarser step", () => {
  it("property: at every multiple of the step, every series and budget, the matrix of the whole file", () => {
    fc.assert(
      fc.property(
        historyArb,
        fc.constantFrom(2000, 3000, 5000),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 40 }),
        (h, level, multiple, rows) => {
          const s = runHistory(h);
          const bytes = exportBytes(historyOf(s), s.stepMs, {}, 0);
          const full = openHistory(bytes);
          const summed = openHistory(bytes, { stepMs: level });
          expect(summed.levelMs).toBe(level);
          expect(summed.stepMs).toBe(full.stepMs);
          expect([summed.fromMs, summed.toMs]).toEqual([full.fromMs, full.toMs]);
          expect(summed.columns.length).toBeLessThanOrEqual(full.columns.length);
          const peek = peekColumns(bytes)!;
          expect(peek.columns).toBe(full.columns.length);
          if (peek.columns > 0) expect([peek.fromMs, peek.toMs]).toEqual([full.columns[0]!.windowStartMs, full.toMs]);
          for (const series of SERIES) {
            const q = { series, rows, stepMs: level * multiple };
            expect(withoutTime(summed.matrix(q))).toEqual(withoutTime(full.matrix(q)));
          }
          // Finer than the step it was opened at, or no step: answered at that step.
          expect(withoutTime(summed.matrix({ rows }))).toEqual(withoutTime(full.matrix({ rows, stepMs: level })));
        },
      ),
      { numRuns: 80 },
    );
  });

  it("sums only runs of one step with the same rows and terms; other steps are refused", () => {
    const { s, tick } = clockedSampler();
    s.registerRoute(1, enc("a"), enc("m"), 7);
    s.setLeaderTerm(7, 3);
    for (let i = 0; i < 8; i++) {
      s.observe(1, 1, 3, 10);
      if (i === 3) s.setLeaderTerm(7, 4); // the 4th column on: another term
      tick();
      s.flush();
    }
    const bytes = exportBytes(historyOf(s), s.stepMs, {}, 0);
    const summed = openHistory(bytes, { stepMs: 4000 });
    // (1 000 000, 1 004 000]: 3 columns of term 3, then 1 of term 4; (1 004 000, 1 008 000]: 4 of term 4.
    expect(summed.snapshot().map((c) => [c.atMs, c.rows[0]!.writes, c.rows[0]!.leaderTerm])).toEqual([
      [1_003_000, 3, 3],
      [1_004_000, 1, 4],
      [1_008_000, 4, 4],
    ]);
    expect(summed.matrix({ stepMs: 4000 }).rows[0]!.leader_terms).toEqual([0, 4]); // mixed terms: 0/0
    expect(() => summed.matrix({ stepMs: 6000 })).toThrow(
      new RangeError("stepMs must be a multiple of 4000 (the step this recording was opened at), got 6000"),
    );
    expect(openHistory(bytes, { stepMs: 500 }).levelMs).toBe(1000); // not above the recorded step: as recorded
    expect(() => openHistory(bytes, { stepMs: 0 })).toThrow(RangeError);
    expect(() => openHistory(bytes, null as never)).toThrow(new TypeError("options must be an object"));
  });

  it("peekColumns: null when the block framing is cut, so the full read reports the fault", () => {
    const { s, tick } = clockedSampler();
    s.registerRoute(1, enc("a"), enc("m"), 7);
    s.observe(1, 1, 3, 10);
    tick();
    s.flush();
    const bytes = exportBytes(historyOf(s), s.stepMs, {}, 0);
    expect(peekColumns(bytes)).toEqual({ columns: 1, fromMs: 1_000_000, toMs: 1_001_000 });
    expect(peekColumns(bytes.subarray(0, bytes.length - 3))).toBeNull();
  });
});
