import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ColumnBuilder, History, type StoredColumn } from "../../src/history/history.js";
import { historyArb, plainMeta as meta, runHistory } from "./history-file.js";

function column(at: number, id: number, writes: number): StoredColumn {
  const b = new ColumnBuilder().reset(at - 1, at, 1);
  b.add(id, 0, writes, 0, 0, 0);
  return b.finish();
}

/** A rewrite that moves every row of meta `from` to meta `to`, counting its calls. */
function move(from: number, to: number, calls: number[]) {
  return (col: StoredColumn) => {
    calls.push(col.atMs);
    const b = new ColumnBuilder().reset(col.windowStartMs, col.atMs, col.n);
    for (let i = 0; i < col.n; i++)
      b.add(col.data[i] === from ? to : col.data[i]!, 0, col.data[2 * col.n + i]!, 0, 0, 0);
    return b.finish();
  };
}

describe("lazy history rewrites", () => {
  it("record a rewrite in O(1) and apply it, in order, to each column when first read", () => {
    const h = new History(10);
    const [a, b, c] = [0, 1, 2].map((i) => h.addMeta(meta(i))) as [number, number, number];
    for (let t = 1; t <= 3; t++) h.append(column(t, a, t));
    const first: number[] = [];
    const second: number[] = [];
    h.rewrite(move(a, b, first));
    h.append(column(4, a, 4)); // born after the first rewrite: never gets it
    h.rewrite(move(b, c, second));
    expect(first).toEqual([]); // nothing done yet
    expect(h.columns(2, 3).map((col) => col.data[0])).toEqual([c]);
    expect(first).toEqual([2]);
    expect(second).toEqual([2]);
    expect(h.snapshot().map((col) => [col.rows[0]!.bucketId, col.rows[0]!.writes])).toEqual([
      ["route:2", 1],
      ["route:2", 2],
      ["route:2", 3],
      ["route:0", 4],
    ]);
    expect(first).toEqual([2, 1, 3]); // each column once
    h.snapshot();
    expect(first).toHaveLength(3);
  });

  it("apply every recorded rewrite before meta ids are compacted", () => {
    const h = new History(4);
    const [a, b] = [0, 1].map((i) => h.addMeta(meta(i))) as [number, number];
    h.append(column(1, a, 5));
    const calls: number[] = [];
    h.rewrite(move(a, b, calls));
    const remap = h.compactMetas([]);
    expect(Array.from(remap)).toEqual([-1, 0]);
    expect(h.snapshot()[0]!.rows[0]).toMatchObject({ bucketId: "route:1", writes: 5 });
    expect(calls).toEqual([1]);
  });

  it("give the same history when a route folds after the split whose rewrite is pending", () => {
    // Found by the property below: the rewrite read the routes' folding when each column was
    // first read, not when the split happened.
    const h = {
      cmds: [
        { t: "register", id: 0, at: 1 },
        { t: "observe", id: 0, op: 0, suffix: [192], valueLen: 0, label: "", times: 1 },
        { t: "flush", advance: 0 },
        { t: "split", id: 0, suffix: 0, newId: 12 },
        { t: "huge", id: 0 },
        { t: "split", id: 3, suffix: 0, newId: 13 },
        { t: "split", id: 0, suffix: 0, newId: 12 },
        { t: "remove", id: 2 },
        { t: "observe", id: 0, op: 0, suffix: [], valueLen: 0, label: "", times: 1 },
      ],
      k: 4,
      labelled: false,
      budget: 1,
    } as Parameters<typeof runHistory>[0];
    const eager = runHistory(h, (s) => void s.snapshot());
    expect(runHistory(h).snapshot()).toEqual(eager.snapshot());
  });

  it("give the same history whether columns are read after every split or only at the end", () => {
    fc.assert(
      fc.property(historyArb, (h) => {
        const eager = runHistory(h, (s) => void s.snapshot()); // every rewrite applied at once
        const lazy = runHistory(h);
        expect(lazy.snapshot()).toEqual(eager.snapshot());
      }),
      { numRuns: 80 },
    );
  });
});
