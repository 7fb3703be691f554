// Time labels of the viewer's axis and hover card (src/web/render/axes.ts), in plain Node.
import { describe, expect, it } from "vitest";
import { formatTime, keyAxisLabel, labelStep, timeTickLabel } from "../../src/web/render/axes.js";

const at = (iso: string) => Date.parse(iso);

describe("formatTime", () => {
  it("rounds to what it shows: column times jitter around whole seconds", () => {
    // Flushes at 12.000, 12.999 and 14.000 s read 12, 13, 14, not 12, 12, 14.
    expect(["12.000", "12.999", "14.000"].map((s) => formatTime(at(`2026-12-02T08:02:${s}Z`), 1000))).toEqual([
      "08:02:12",
      "08:02:13",
      "08:02:14",
    ]);
    expect(formatTime(at("2026-12-02T08:06:59.600Z"), 60_000)).toBe("08:07");
    expect(formatTime(at("2026-12-02T08:06:29.400Z"), 60_000)).toBe("08:06");
    expect(formatTime(at("2026-12-02T23:59:59.700Z"), 1000)).toBe("00:00:00");
  });

  it("shows milliseconds for steps under a second, and labelStep takes a column's gap", () => {
    // 200 ms columns all read "08:02:12" before.
    const times = ["12.200", "12.400", "12.600"].map((s) => at(`2026-12-02T08:02:${s}Z`));
    expect(times.map((t, i) => formatTime(t, labelStep(times, i)))).toEqual([
      "08:02:12.200",
      "08:02:12.400",
      "08:02:12.600",
    ]);
    expect(formatTime(at("2026-12-02T08:02:12.999Z") + 0.6, 200)).toBe("08:02:13.000");
    expect([labelStep([5000, 6000], 1), labelStep([5000], 0), labelStep([5000, 5250], 0)]).toEqual([1000, 1000, 250]);
  });

  it("gives the date for steps of a day or more", () => {
    expect(formatTime(at("2026-12-02T08:06:59Z"), 86_400_000)).toBe("2026-12-02");
  });
});

describe("timeTickLabel", () => {
  const day = 86_400_000;
  it("names the day at the first tick of each new day, on axes of an hour or more", () => {
    const ticks = ["2026-12-02T21:00:00Z", "2026-12-03T00:00:00Z", "2026-12-03T03:00:00Z"].map(at);
    const labels = ticks.map((t, i) => timeTickLabel(t, i === 0 ? NaN : ticks[i - 1]!, 10_800_000, day));
    expect(labels).toEqual(["21:00", "12-03 00:00", "03:00"]);
  });

  it("never on a short axis, nor when the step itself gives the date", () => {
    const before = at("2026-12-02T23:59:50Z");
    const after = at("2026-12-03T00:00:10Z");
    expect(timeTickLabel(after, before, 10_000, 20_000)).toBe("00:00:10");
    expect(timeTickLabel(at("2026-12-03T00:00:00Z"), at("2026-12-02T00:00:00Z"), day, 2 * day)).toBe("2026-12-03");
  });
});

describe("keyAxisLabel", () => {
  const b64 = (s: string) => Buffer.from(s).toString("base64");
  const fitsChars = (n: number) => (text: string) => text.length <= n;

  it("adds the row's label after its start key, so a route's labelled rows differ", () => {
    expect(keyAxisLabel({ start: b64("user:31250"), label: "redis" }, fitsChars(40))).toBe("user:31250 redis");
    expect(keyAxisLabel({ start: b64("user:31250") }, fitsChars(40))).toBe("user:31250");
    expect(keyAxisLabel({ start: null, label: "grpc" }, fitsChars(40))).toBe("(start) grpc");
  });

  it("shortens the key, never the label, to fit", () => {
    expect(keyAxisLabel({ start: b64("user:000123456789"), label: "redis" }, fitsChars(14))).toBe("user:00… redis");
  });
});
