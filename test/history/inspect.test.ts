import { describe, expect, it } from "vitest";
import { exportBytes } from "../../src/history/export.js";
import { HistoryFormatError } from "../../src/history/format-error.js";
import { formatSummary, inspectHistory } from "../../src/history/inspect.js";
import { clockedSampler, enc } from "../helpers.js";
import { historyOf } from "./history-file.js";

describe("inspectHistory", () => {
  it("summarises an export: version, step, span, routes, columns, cells and bytes per cell", () => {
    const { s, tick } = clockedSampler({ maxTrackedRoutes: 2 });
    s.registerRoute(1, enc("a"), enc("f"));
    s.registerRoute(2, enc("f"), enc("k"));
    s.registerRoute(3, enc("k"), enc("p")); // folded into a virtual bucket
    for (let c = 0; c < 3; c++) {
      for (const id of [1, 2, 3]) s.observe(id, 1, 5, 10);
      tick();
      s.flush();
    }
    const bytes = exportBytes(historyOf(s), s.stepMs, {}, Date.UTC(2026, 0, 1));
    const cols = s.snapshot();
    const summary = inspectHistory(bytes);
    expect(summary).toEqual({
      version: "1.0",
      kind: "export",
      stepMs: 1000,
      writtenMs: Date.UTC(2026, 0, 1),
      bytes: bytes.length,
      columns: 3,
      cells: cols.reduce((n, c) => n + c.rows.length, 0),
      metas: expect.any(Number),
      routes: 1,
      virtualBuckets: 1,
      fromMs: cols[0]!.windowStartMs,
      toMs: cols[2]!.atMs,
      bytesPerCell: bytes.length / cols.reduce((n, c) => n + c.rows.length, 0),
      widths: [{ widthMs: 1000, columns: 3 }],
    });
    const text = formatSummary(summary);
    expect(text).toMatch(/format {5}\.kvz 1\.0 \(export\)/);
    expect(text).toMatch(/routes {5}1 \(\+ 1 virtual buckets\)/);
    expect(text).toMatch(/bytes per stored cell/);
    expect(text).toMatch(/columns {4}3 \(3 × 1000 ms\)/);
    expect(() => inspectHistory(bytes.subarray(0, 40))).toThrow(HistoryFormatError);
  });

  it("shows a time past the last JS date as its unix ms instead of failing", () => {
    const { s, tick } = clockedSampler();
    s.registerRoute(1, null, null);
    s.observe(1, 1, 1);
    tick();
    s.flush();
    const late = Number.MAX_SAFE_INTEGER; // the format allows it; Date stops at 8.64e15
    const summary = { ...inspectHistory(exportBytes(historyOf(s), s.stepMs, {}, late)), fromMs: late - 1, toMs: late };
    const text = formatSummary(summary);
    expect(text).toContain(`written    ${late} ms (past the last date JS can show)`);
    expect(text).toContain(`span       ${late - 1} ms (past the last date JS can show) .. ${late} ms`);
  });

  it("counts columns per width: tiers show as wider columns", () => {
    const { s, tick } = clockedSampler({ historyColumns: 2, tiers: [{ stepMs: 3000, columns: 10 }] });
    s.registerRoute(1, null, null);
    for (let c = 0; c < 11; c++) {
      s.observe(1, 1, 1);
      tick();
      s.flush();
    }
    const widths = s.snapshot().map((c) => c.atMs - c.windowStartMs);
    const summary = inspectHistory(s.exportHistory());
    const expected = [...new Set(widths)]
      .sort((a, b) => b - a)
      .map((w) => ({ widthMs: w, columns: widths.filter((x) => x === w).length }));
    expect(summary.widths).toEqual(expected);
    expect(summary.widths[0]).toMatchObject({ widthMs: 3000 });
    expect(summary.widths.at(-1)).toMatchObject({ widthMs: 1000 });
  });
});
