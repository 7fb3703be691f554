import { describe, expect, it } from "vitest";
import { ColumnBuilder, History } from "../../src/history/history.js";
import { plainMeta } from "./history-file.js";

/** A column of rows [metaId, writes, term]. */
function column(at: number, rows: [number, number, number][]) {
  const b = new ColumnBuilder().reset(at - 1, at, rows.length);
  for (const [id, writes, term] of rows) b.add(id, 0, writes, 0, 0, term);
  return b.finish();
}

describe("series views share the ids and terms of columns with one layout", () => {
  it("hands consecutive columns with equal ids and terms the same arrays, others their own", () => {
    const h = new History(8);
    for (let i = 0; i < 3; i++) h.addMeta(plainMeta(i));
    h.append(
      column(1, [
        [0, 5, 1],
        [1, 6, 1],
      ]),
    );
    h.append(
      column(2, [
        [0, 7, 1],
        [1, 0, 1],
      ]),
    ); // same layout, other values
    h.append(
      column(3, [
        [0, 7, 2],
        [1, 1, 1],
      ]),
    ); // a term changed
    h.append(
      column(4, [
        [0, 7, 2],
        [2, 1, 1],
      ]),
    ); // another meta
    h.append(
      column(5, [
        [0, 2 ** 33, 2],
        [2, 1, 1],
      ]),
    ); // overflow: never shared
    const cols = h.seriesView("writes").columns;
    expect(cols[1]!.metaIds).toBe(cols[0]!.metaIds);
    expect(cols[1]!.terms).toBe(cols[0]!.terms);
    expect(Array.from(cols[1]!.values)).toEqual([7, 0]);
    expect(cols[2]!.terms).not.toBe(cols[1]!.terms);
    expect(cols[3]!.metaIds).not.toBe(cols[2]!.metaIds);
    expect(cols[4]!.metaIds).not.toBe(cols[3]!.metaIds);
    expect(Array.from(cols[4]!.values)).toEqual([2 ** 33, 1]);
    // A window starting mid-way shares the same way.
    const late = h.seriesView("writes", 2, 3).columns;
    expect(Array.from(late[0]!.metaIds)).toEqual([0, 1]);
    expect(Array.from(late[0]!.terms)).toEqual([1, 1]);
  });
});
