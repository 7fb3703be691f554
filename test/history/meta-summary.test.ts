import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ColumnBuilder, History, type StoredColumn } from "../../src/history/history.js";
import { buildMatrix, buildMatrixJs } from "../../src/matrix/build.js";
import { jsKernel } from "../../src/matrix/kernels.js";
import { SERIES, type SeriesView } from "../../src/types.js";
import { historyArb, historyOf, plainMeta, runHistory } from "./history-file.js";

/** The history's running figures agree with a scan of the columns it hands out. */
function expectSummaryMatchesScan(view: SeriesView): void {
  const s = view.summary;
  expect(s).toBeDefined();
  const scan = jsKernel().scan(view.columns, view.metas.length);
  expect(s!.columnCount).toBe(view.columns.length);
  expect(Array.from(s!.totals)).toEqual(Array.from(scan.totals));
  expect(Array.from(s!.last, (x) => x !== 0)).toEqual(Array.from(scan.last, (x) => x !== 0));
  // `last` only has to order metas as the index of their newest column does.
  for (let a = 0; a < scan.last.length; a++) {
    for (let b = 0; b < scan.last.length; b++) {
      if (scan.last[a] === 0 || scan.last[b] === 0) continue;
      expect(Math.sign(s!.last[a]! - s!.last[b]!)).toBe(Math.sign(scan.last[a]! - scan.last[b]!));
    }
  }
}

type Op =
  | { t: "append"; rows: [number, number][] }
  | { t: "move"; from: number; to: number }
  | { t: "compact" }
  | { t: "read" };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      t: fc.constant("append" as const),
      rows: fc.uniqueArray(fc.tuple(fc.nat(7), fc.oneof(fc.nat(9), fc.constant(0), fc.constant(2 ** 33 + 1))), {
        selector: (r) => r[0],
        maxLength: 6,
      }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("move" as const), from: fc.nat(7), to: fc.nat(7) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("compact" as const) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("read" as const) }) },
);

function move(from: number, to: number) {
  return (col: StoredColumn) => {
    const b = new ColumnBuilder().reset(col.windowStartMs, col.atMs, col.n);
    const ids = Array.from(col.data.subarray(0, col.n));
    for (let i = 0; i < col.n; i++) {
      const id = ids[i] === from && !ids.includes(to) ? to : ids[i]!;
      b.add(id, 0, Number(col.overflow?.get(2 * col.n + i) ?? col.data[2 * col.n + i]), 0, 0, 0);
    }
    return b.finish();
  };
}

describe("the history's running per-meta figures", () => {
  it("match a scan of the held columns through appends, ring drops, rewrites and compaction", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.array(opArb, { maxLength: 40 }), (capacity, ops) => {
        const h = new History(capacity);
        for (let i = 0; i < 8; i++) h.addMeta(plainMeta(i));
        const b = new ColumnBuilder();
        let t = 0;
        for (const op of ops) {
          if (op.t === "append") {
            t++;
            b.reset(t - 1, t, op.rows.length);
            for (const [id, writes] of op.rows) if (id < h.metaCount) b.add(id, writes, writes, 0, 0, 1);
            // Both ways in: a builder's finish (recycling the dropped column's buffer) and append.
            if (t % 2 === 0) h.appendFrom(b);
            else h.append(b.finish());
          } else if (op.t === "move") {
            if (op.from < h.metaCount && op.to < h.metaCount) h.rewrite(move(op.from, op.to));
          } else if (op.t === "compact") {
            h.compactMetas([]);
          } else {
            for (const series of SERIES) expectSummaryMatchesScan(h.seriesView(series));
          }
        }
        for (const series of SERIES) expectSummaryMatchesScan(h.seriesView(series));
      }),
      { numRuns: 200 },
    );
  });

  it("match a scan of a sampler's history (splits, merges, labels, terms, huge values)", () => {
    fc.assert(
      fc.property(historyArb, (spec) => {
        let step = 0;
        const s = runHistory(spec, (s) => {
          if (++step % 7 === 0) expectSummaryMatchesScan(historyOf(s).seriesView("writes"));
        });
        for (const series of SERIES) {
          const view = historyOf(s).seriesView(series);
          expectSummaryMatchesScan(view);
          // The build with the figures equals the build that scans for them (and the JS oracle).
          for (const rows of [1, 3, 1024]) {
            const opts = { rows, nowMs: 0 };
            const built = buildMatrix(view, opts);
            expect(built).toEqual(buildMatrix({ ...view, summary: undefined }, opts));
            expect(built).toEqual(buildMatrixJs({ ...view, summary: undefined }, opts));
          }
        }
      }),
      { numRuns: 40 },
    );
  });

  it("are left out of windowed views and of histories with tiers", () => {
    const h = new History(4);
    h.addMeta(plainMeta(0));
    h.append(new ColumnBuilder().reset(0, 1, 1).finish());
    expect(h.seriesView("writes", 0, 10).summary).toBeUndefined();
    expect(h.seriesView("writes").summary).toBeDefined();
    const tiered = new History(4, [{ stepMs: 10, columns: 2 }]);
    expect(tiered.seriesView("writes").summary).toBeUndefined();
  });
});
