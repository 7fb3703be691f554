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
      fromMs: cols[0].windowStartMs,
      toMs: cols[2].atMs,
      bytesPerCell: bytes.length / cols.reduce((n, c) => n + c.rows.length, 0),
    });
    const text = formatSummary(summary);
    expect(text).toMatch(/format {5}\.kvz 1\.0 \(export\)/);
    expect(text).toMatch(/routes {5}1 \(\+ 1 virtual buckets\)/);
    expect(text).toMatch(/bytes per stored cell/);
    expect(() => inspectHistory(bytes.subarray(0, 40))).toThrow(HistoryFormatError);
  });
});
