// openHistory: a `.kvz` export opened as a read-only history that answers the same questions as
// a live sampler — matrix() through the same builder (Wasm pivot and row budget) over the same
// History storage, snapshot(), and the column/route lists a timeline needs. Browser-safe.

import { buildMatrix } from "../matrix/build.js";
import { checkStepMs, rebucketView } from "../matrix/rebucket.js";
import { SERIES, type Column, type Key, type RowMeta, type Series } from "../types.js";
import { MAX_ROWS, SERIES_MESSAGE, type Matrix } from "../wire/wire.js";
import { compareEnd, compareStart } from "../keys/bytes.js";
import type { ColumnData } from "./column-codec.js";
import { ColumnBuilder, History, type StoredColumn } from "./history.js";
import { readHistory } from "./kvz-reader.js";

/** A route (or virtual bucket) as the recording saw it, for a timeline. */
export interface ReplayRoute {
  /** `route:<id>` or `virtual:<id>` (labels and sub-buckets folded into their route). */
  bucketId: string;
  /** The route id; null for a virtual bucket. */
  routeId: number | null;
  /** Lowest start and highest end over the route's rows. */
  start: Key;
  end: Key;
  /** Group of its latest row. */
  groupId: number;
  /** `atMs` of the first and last column it has a row in. */
  firstMs: number;
  lastMs: number;
}

/** What `Replay.matrix` reads. */
export interface ReplayMatrixRequest {
  series?: Series;
  /** Columns with `atMs ≥ fromMs`; absent or 0 = unbounded. */
  fromMs?: number;
  /** Columns with `atMs < toMs`; absent or 0 = unbounded. */
  toMs?: number;
  /** Row budget (default 1024). */
  rows?: number;
  /** Re-aggregate to this step (ms); at most the recording's step = the columns as recorded. */
  stepMs?: number;
}

export interface Replay {
  /** Base step of the sampler that recorded the file. */
  readonly stepMs: number;
  readonly columns: readonly { atMs: number; windowStartMs: number }[];
  readonly routes: readonly ReplayRoute[];
  /** Window start of the first column and time of the last (0 and 0 for an empty recording). */
  readonly fromMs: number;
  readonly toMs: number;
  matrix(q?: ReplayMatrixRequest): Matrix;
  snapshot(fromMs?: number, toMs?: number): Column[];
}

/** Opens an export file; throws HistoryFormatError for anything but a complete, valid file. */
export function openHistory(bytes: Uint8Array): Replay {
  const stored: StoredColumn[] = [];
  const builder = new ColumnBuilder();
  const read = readHistory(bytes, { mode: "export", onColumn: (c) => stored.push(storeColumn(builder, c)) });
  const history = new History(Math.max(1, stored.length));
  for (const m of read.metas) history.addMeta(m);
  for (const c of stored) history.append(c);
  return new HistoryReplay(history, read.info.stepMs, read.metas);
}

function storeColumn(b: ColumnBuilder, c: ColumnData): StoredColumn {
  b.reset(c.windowStartMs, c.atMs, c.n);
  const [reads, writes, readBytes, writeBytes] = [c.values[0]!, c.values[1]!, c.values[2]!, c.values[3]!];
  for (let i = 0; i < c.n; i++) b.add(c.metaIds[i], reads[i], writes[i], readBytes[i], writeBytes[i], c.terms[i]);
  return b.finish();
}

/** Normalises a matrix request the way `Sampler.matrix` does (0 or absent bound = unbounded). */
export function matrixWindow(q: { series?: Series; fromMs?: number; toMs?: number; rows?: number }): {
  series: Series;
  fromMs?: number;
  toMs?: number;
  rows: number;
} {
  if (typeof q !== "object" || q === null) throw new TypeError("matrix request must be an object");
  const series = q.series ?? "writes";
  if (!(SERIES as readonly string[]).includes(series)) throw new RangeError(SERIES_MESSAGE);
  const bound = (name: "fromMs" | "toMs") => {
    const v = q[name];
    if (v === undefined || v === 0) return undefined;
    if (typeof v !== "number" || !Number.isFinite(v)) throw new TypeError(`${name} must be a finite number`);
    return v;
  };
  return { series, fromMs: bound("fromMs"), toMs: bound("toMs"), rows: q.rows === undefined ? MAX_ROWS : q.rows };
}

class HistoryReplay implements Replay {
  readonly columns: readonly { atMs: number; windowStartMs: number }[];
  readonly routes: readonly ReplayRoute[];
  readonly fromMs: number;
  readonly toMs: number;

  constructor(
    private readonly history: History,
    readonly stepMs: number,
    metas: readonly RowMeta[],
  ) {
    const cols = history.columns();
    this.columns = Object.freeze(cols.map((c) => Object.freeze({ atMs: c.atMs, windowStartMs: c.windowStartMs })));
    this.fromMs = cols.length === 0 ? 0 : Math.min(...cols.map((c) => c.windowStartMs));
    this.toMs = cols.length === 0 ? 0 : cols[cols.length - 1].atMs;
    this.routes = Object.freeze(routesOf(cols, metas));
  }

  matrix(q: ReplayMatrixRequest = {}): Matrix {
    const { series, fromMs, toMs, rows } = matrixWindow(q);
    const view = this.history.seriesView(series, fromMs, toMs);
    if (q.stepMs === undefined || checkStepMs(q.stepMs) <= this.stepMs) {
      return buildMatrix(view, { rows, fromMs, toMs });
    }
    // The window was applied to the recorded times; re-stamped columns are not filtered again.
    return buildMatrix(rebucketView(view, q.stepMs), { rows });
  }

  snapshot(fromMs?: number, toMs?: number): Column[] {
    for (const [name, v] of [["fromMs", fromMs], ["toMs", toMs]] as const) {
      if (v !== undefined && (typeof v !== "number" || !Number.isFinite(v))) throw new TypeError(`${name} must be a finite number`);
    }
    return this.history.snapshot(fromMs, toMs);
  }
}

/** One entry per route id (or virtual bucket), with its key extent and first/last column. */
function routesOf(cols: readonly StoredColumn[], metas: readonly RowMeta[]): ReplayRoute[] {
  const byBucket = new Map<string, ReplayRoute>();
  for (const col of cols) {
    for (let i = 0; i < col.n; i++) {
      const m = metas[col.data[i]];
      const bucketId = m.routeId !== null && !m.aggregate ? `route:${m.routeId}` : m.bucketId;
      const r = byBucket.get(bucketId);
      if (r === undefined) {
        byBucket.set(bucketId, { bucketId, routeId: m.aggregate ? null : m.routeId, start: m.start, end: m.end, groupId: m.groupId, firstMs: col.atMs, lastMs: col.atMs });
        continue;
      }
      if (compareStart(m.start, r.start) < 0) r.start = m.start;
      if (compareEnd(m.end, r.end) > 0) r.end = m.end;
      r.groupId = m.groupId;
      r.lastMs = col.atMs;
    }
  }
  return [...byBucket.values()].sort((a, b) => compareStart(a.start, b.start) || (a.bucketId < b.bucketId ? -1 : a.bucketId > b.bucketId ? 1 : 0));
}
