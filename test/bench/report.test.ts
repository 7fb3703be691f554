// The bench runner's report (bench/lib/report.mjs): which rounds its footnotes name. A child
// reports `typedArrayChecks` when its process ended with typed-array accesses checked, that is
// after an ArrayBuffer was detached in it (bench/lib/gauge.mjs); the runner names those rounds.
import { describe, expect, it } from "vitest";

interface Row {
  value: number | null;
  checkedRounds: number;
}
interface Report {
  summarize(selected: object[], results: Map<string, object[]>): Row[];
  footnotes(rows: Row[]): string[];
}
// Through a path held in a string: report.mjs is plain JS without types (as run.mjs uses it).
const reportPath: string = "../../bench/lib/report.mjs";
const { footnotes, summarize } = (await import(reportPath)) as Report;

const spec = { name: "matrix-e2e", group: "matrix", unit: "ms" };

describe("bench report", () => {
  it("names the rounds that ended with typed-array checks on, and counts only those", () => {
    const rows = summarize(
      [spec],
      new Map([
        ["matrix-e2e", [{ value: 70, typedArrayChecks: true }, { value: 72 }, { value: 71, typedArrayChecks: true }]],
      ]),
    );
    expect(rows[0]!.value).toBe(71);
    expect(rows[0]!.checkedRounds).toBe(2);
    expect(footnotes(rows)).toContain(
      "matrix-e2e: 2 round(s) ended with typed-array accesses checked (an ArrayBuffer was detached in the process; docs/design.md)",
    );
  });

  it("says nothing when no round had them on", () => {
    const rows = summarize([spec], new Map([["matrix-e2e", [{ value: 70 }, { value: 72 }]]]));
    expect(rows[0]!.checkedRounds).toBe(0);
    expect(footnotes(rows).some((n) => n.includes("typed-array"))).toBe(false);
  });
});
