import { describe, expect, it } from "vitest";
import { ColumnBuilder, History } from "../../src/history/history.js";
import { clockedSampler, enc } from "../helpers.js";
import { historyOf, plainMeta as meta } from "./history-file.js";

function column(at: number, rows: [number, number][]) {
  const b = new ColumnBuilder().reset(at - 1, at, rows.length);
  for (const [m, writes] of rows) b.add(m, 0, writes, 0, 0, 0);
  return b.finish();
}

describe("History", () => {
  it("stores 24 bytes per cell and keeps values past 32 bits exact", () => {
    const h = new History(4);
    const id = h.addMeta(meta(1));
    const b = new ColumnBuilder().reset(0, 1, 1);
    b.add(id, 2 ** 40, 1, 2 ** 53 - 1, 0, 2 ** 33);
    const col = b.finish();
    expect(col.data.byteLength).toBe(24);
    h.append(col);
    const row = h.snapshot()[0]!.rows[0]!;
    expect([row.reads, row.writes, row.readBytes, row.leaderTerm]).toEqual([2 ** 40, 1, 2 ** 53 - 1, 2 ** 33]);
    const view = h.seriesView("read_bytes");
    expect(view.columns[0]!.values[0]).toBe(2 ** 53 - 1);
    expect(h.seriesView("writes").columns[0]!.values).toBeInstanceOf(Uint32Array); // no copy
  });

  it("compacts metadata no column or owner refers to, renumbering stored rows", () => {
    const h = new History(2);
    const ids = [0, 1, 2, 3].map((i) => h.addMeta(meta(i)));
    h.append(column(1, [[ids[0]!, 5]]));
    h.append(column(2, [[ids[2]!, 6]]));
    h.append(column(3, [[ids[3]!, 7]])); // drops the column holding meta 0
    const remap = h.compactMetas([ids[1]!]);
    expect(Array.from(remap)).toEqual([-1, 0, 1, 2]);
    expect(h.metaCount).toBe(3);
    expect(h.snapshot().map((c) => [c.rows[0]!.bucketId, c.rows[0]!.writes])).toEqual([
      ["route:2", 6],
      ["route:3", 7],
    ]);
  });
});

describe("sampler metadata under route churn", () => {
  it("stays bounded: records of buckets gone from history are dropped", () => {
    const { s, tick } = clockedSampler({ historyColumns: 2, stepMs: 1000 });
    const routes = 1000;
    for (let round = 0; round < 80; round++) {
      for (let i = 0; i < routes; i++) {
        const id = round * routes + i;
        s.registerRoute(id, enc(`r${String(i).padStart(4, "0")}`), enc(`r${String(i + 1).padStart(4, "0")}`));
        s.observe(id, 1, 1);
      }
      tick(10_000);
      s.flush();
      for (let i = 0; i < routes; i++) s.removeRoute(round * routes + i);
    }
    const last = s.snapshot().at(-1)!;
    expect(last.rows).toHaveLength(routes);
    expect(last.rows[0]!.bucketId).toBe(`route:${79 * routes}`);
    // 80 000 buckets were created; far fewer records survive.
    const meta = historyOf(s).metaCount;
    expect(meta).toBeLessThan(70_000);
    expect(meta).toBeGreaterThanOrEqual(2 * routes);
    // 80 000 registrations: ~5 s alone on 2 cores, far more on a loaded machine; the bound is behaviour, not speed.
  }, 120_000);
});

describe("history storage reuse", () => {
  it("recycles the dropped column's buffer without leaking its rows", () => {
    const h = new History(2);
    const ids = [0, 1, 2].map((i) => h.addMeta(meta(i)));
    const b = new ColumnBuilder();
    const sizes = [3, 2, 3, 1, 2];
    sizes.forEach((n, c) => {
      b.reset(c, c + 1, n);
      for (let i = 0; i < n; i++) b.add(ids[i]!, 0, 10 * c + i, 0, 0, 0);
      h.appendFrom(b);
    });
    expect(h.snapshot().map((col) => col.rows.map((r) => [r.bucketId, r.writes]))).toEqual([
      [["route:0", 30]],
      [
        ["route:0", 40],
        ["route:1", 41],
      ],
    ]);
  });
});
