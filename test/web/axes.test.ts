// Time labels of the viewer's axis and hover card (src/web/render/axes.ts), in plain Node.
import { describe, expect, it } from "vitest";
import { formatTime } from "../../src/web/render/axes.js";

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

  it("gives the date for steps of a day or more", () => {
    expect(formatTime(at("2026-12-02T08:06:59Z"), 86_400_000)).toBe("2026-12-02");
  });
});
