// Shared by the matrix build tests: row metadata, columns and series views built by hand, and the
// build with a fixed clock.
import { buildMatrix } from "../../src/matrix/build.js";
import type { Column, Row, RowMeta, Series, SeriesView } from "../../src/types.js";

export const enc = (s: string) => new TextEncoder().encode(s);

export function meta(id: number, start: string | null, end: string | null, extra: Partial<RowMeta> = {}): RowMeta {
  return {
    bucketId: `route:${id}`,
    routeId: id,
    label: "",
    start: start === null ? null : enc(start),
    end: end === null ? null : enc(end),
    aggregate: false,
    memberRoutes: [id],
    memberRoutesTotal: 1,
    groupId: 7,
    subBucket: 0,
    subBucketCount: 1,
    ...extra,
  };
}

/** cells: [metaId, value, term] */
export function col(atMs: number, cells: [number, number, number][]) {
  return {
    windowStartMs: atMs - 1000,
    atMs,
    metaIds: Uint32Array.from(cells, (c) => c[0]),
    values: Float64Array.from(cells, (c) => c[1]),
    terms: Float64Array.from(cells, (c) => c[2]),
  };
}

export function view(metas: RowMeta[], columns: SeriesView["columns"], series: Series = "writes"): SeriesView {
  return { series, metas, columns };
}

/** What history.seriesView does, for tests: one series of flushed columns, columnar. */
export function seriesViewOf(columns: Column[], series: Series): SeriesView {
  const metas: RowMeta[] = [];
  const index = new Map<string, number>();
  const field = { reads: "reads", writes: "writes", read_bytes: "readBytes", write_bytes: "writeBytes" } as const;
  return {
    series,
    metas,
    columns: columns.map((c) => {
      const ids = c.rows.map((r: Row) => {
        const key = `${r.bucketId}|${r.start}|${r.end}`;
        let id = index.get(key);
        if (id === undefined) {
          const { leaderTerm: _t, reads: _r, writes: _w, readBytes: _rb, writeBytes: _wb, ...m } = r;
          index.set(key, (id = metas.push(m) - 1));
        }
        return id;
      });
      return {
        windowStartMs: c.windowStartMs,
        atMs: c.atMs,
        metaIds: Uint32Array.from(ids),
        values: Float64Array.from(c.rows, (r) => r[field[series]]),
        terms: Float64Array.from(c.rows, (r) => r.leaderTerm),
      };
    }),
  };
}

export const NOW = Date.UTC(2026, 0, 2, 3, 4, 5, 6);
export const build = (v: SeriesView, rows = 1024, extra: { fromMs?: number; toMs?: number } = {}) =>
  buildMatrix(v, { rows, nowMs: NOW, ...extra });
