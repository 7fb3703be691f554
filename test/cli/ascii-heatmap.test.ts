import { describe, expect, it } from "vitest";
import { asciiHeatmap } from "../../src/index.js";
import { matrixOf } from "../server/fixtures.js";

const m = matrixOf(
  "writes",
  [1000, 2000, 3000],
  [
    { id: "route:1", start: null, end: "m", values: [0, 9, 3] },
    { id: "route:2", start: "m", end: null, values: [1, 0, 0] },
  ],
);

describe("asciiHeatmap", () => {
  it("draws one line per row, darker for busier, with each row's total", () => {
    expect(asciiHeatmap(m, { labelWidth: 4 }).split("\n")).toEqual([
      "writes: 2 rows × 3 columns, max cell 9",
      "(emp | @-| 12", // the lowest key reads "(empty)"; 9 is the darkest shade, 3 a third of the way
      "m    |.  | 1",
    ]);
  });

  it("keeps the newest `width` columns", () => {
    expect(asciiHeatmap(m, { width: 1, labelWidth: 1 }).split("\n")).toEqual([
      "writes: 2 rows × 3 columns, max cell 3",
      "( |@| 3",
      "m | | 0",
    ]);
  });

  it("refuses options it cannot draw, naming them", () => {
    expect(() => asciiHeatmap(m, { labelWidth: 1e9 })).toThrow(
      new RangeError("labelWidth must be in 0..1024, got 1000000000"),
    );
    expect(() => asciiHeatmap(m, { width: 0 })).toThrow(RangeError);
    expect(() => asciiHeatmap(m, { width: 2.5 })).toThrow(/width must be an integer, got 2.5/);
    expect(() => asciiHeatmap(m, { width: "9" as never })).toThrow(TypeError);
    expect(() => asciiHeatmap({} as never)).toThrow(/needs a matrix/);
  });
});
