// File mode's recording (src/web/data/file.ts) without a browser: a long recording is kept at the
// step it opens at, a finer step is read from the bytes again, and every step answers what the
// whole file answers.
import { describe, expect, it } from "vitest";
import { createSampler } from "../../src/index.js";
import { openHistory } from "../../src/history/replay.js";
import { OPEN_COLUMNS, openRecording } from "../../src/web/data/file.js";
import type { Matrix } from "../../src/wire/wire.js";

const withoutTime = (m: Matrix) => ({ ...m, generated_at: "" });

function recording(columns: number): Uint8Array {
  let now = 1_700_000_000_000;
  const s = createSampler({ stepMs: 1000, historyColumns: columns, now: () => now });
  s.registerRoute(1, null, new TextEncoder().encode("m"));
  s.registerRoute(2, new TextEncoder().encode("m"), null);
  for (let c = 0; c < columns; c++) {
    s.observe(1 + (c % 2), 1, 1, c % 7);
    s.observe(1, 0, 1, 3);
    now += 1000;
    s.flush();
  }
  return s.exportHistory();
}

describe("openRecording", () => {
  it("keeps a long recording at its opening step and reads a finer one from the bytes, each exact", () => {
    const bytes = recording(OPEN_COLUMNS + 120);
    const whole = openHistory(bytes);
    const rec = openRecording(bytes);
    expect([rec.stepMs, rec.columnCount, rec.fromMs, rec.toMs]).toEqual([
      1000,
      OPEN_COLUMNS + 120,
      whole.fromMs,
      whole.toMs,
    ]);
    for (const q of [
      { series: "writes" as const, stepMs: 2000 },
      { series: "reads" as const, stepMs: 10_000, rows: 1 },
      { series: "writes" as const }, // the recorded step: the file is read again whole
      { series: "write_bytes" as const, stepMs: 5000 }, // not a multiple of 2 000: read again at 5 s
      { series: "writes" as const, stepMs: 2000 },
    ]) {
      expect(withoutTime(rec.matrix(q))).toEqual(withoutTime(whole.matrix(q)));
    }
  });

  it("opens a recording that fits the page as recorded", () => {
    const bytes = recording(50);
    const rec = openRecording(bytes);
    expect(rec.columnCount).toBe(50);
    expect(withoutTime(rec.matrix({}))).toEqual(withoutTime(openHistory(bytes).matrix({})));
  });
});
