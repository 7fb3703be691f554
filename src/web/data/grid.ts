// The page's data model: one series as a dense row-major grid (rows in key order × columns in
// time order), built from the wire matrix (live API or a replay) and extended in place of a
// refetch by stream events.
import { compareBytes } from "../../keys/bytes.js";
import type { Series } from "../../types.js";
import { decodeKey, type FanoutStatus, type IncomingMatrix, type IncomingRow } from "../../wire/wire.js";
import type { ColumnEvent } from "../../server/column-event.js";
import type { KeyWindow, TimeWindow } from "../state.js";

export interface GridRow {
  bucketId: string;
  label?: string;
  /** Base64 as on the wire; `null` = lowest / unbounded. */
  start: string | null;
  end: string | null;
  startBytes: Uint8Array | null;
  endBytes: Uint8Array | null;
  aggregate: boolean;
  routeIds?: number[];
  routeIdsTruncated: boolean;
  routeCount: number;
  /** Group and term per column (0 = none), for the detail view. */
  groups: number[];
  terms: number[];
}

export interface Grid {
  series: Series;
  times: number[];
  rows: GridRow[];
  /** rows.length × times.length, row-major. */
  values: Float64Array;
  /** Same shape; 1 where a fan-out merge flagged the cell. `null` when nothing conflicted. */
  conflicts: Uint8Array | null;
  fanout?: FanoutStatus;
  generatedAt: string;
}

/** Cell ranges of a view: rows [r0, r1), columns [c0, c1). */
export interface GridWindow {
  r0: number;
  r1: number;
  c0: number;
  c1: number;
}

/** An identity array parallel to `values` (older nodes omit it or send it short: missing = 0). */
function fullIdentity(a: number[] | undefined, width: number): number[] {
  return a !== undefined && a.length === width ? a : Array.from({ length: width }, (_, j) => a?.[j] ?? 0);
}

function gridRow(r: IncomingRow): GridRow {
  const row: GridRow = {
    bucketId: r.bucket_id,
    start: r.start,
    end: r.end,
    startBytes: decodeKey(r.start),
    endBytes: decodeKey(r.end),
    aggregate: r.aggregate,
    routeIdsTruncated: r.route_ids_truncated === true,
    routeCount: r.route_count,
    groups: fullIdentity(r.raft_group_ids, r.values.length),
    terms: fullIdentity(r.leader_terms, r.values.length),
  };
  if (r.label !== undefined) row.label = r.label;
  if (r.route_ids !== undefined) row.routeIds = r.route_ids;
  return row;
}

export function gridFromMatrix(m: IncomingMatrix & { fanout?: FanoutStatus }): Grid {
  const width = m.column_unix_ms.length;
  const values = new Float64Array(m.rows.length * width);
  let conflicts: Uint8Array | null = null;
  m.rows.forEach((r, i) => {
    values.set(r.values, i * width);
    if (r.conflicts !== undefined) {
      conflicts ??= new Uint8Array(values.length);
      r.conflicts.forEach((c, j) => (conflicts![i * width + j] = c ? 1 : 0));
    }
  });
  const grid: Grid = {
    series: m.series,
    times: [...m.column_unix_ms],
    rows: m.rows.map(gridRow),
    values,
    conflicts,
    generatedAt: m.generated_at,
  };
  if (m.fanout !== undefined) grid.fanout = m.fanout;
  return grid;
}

/** Start-key order with `null` lowest. */
function compareStart(a: Uint8Array | null, b: Uint8Array | null): number {
  if (a === null || a.length === 0) return b === null || b.length === 0 ? 0 : -1;
  if (b === null || b.length === 0) return 1;
  return compareBytes(a, b);
}

/** `key < end` with `null` end unbounded. */
function before(key: Uint8Array | null, end: Uint8Array | null): boolean {
  return end === null || end.length === 0 || compareStart(key, end) < 0;
}

/** Index of the last row whose start ≤ key (−1 when every row starts after it). */
function lastStartingAtOrBefore(rows: GridRow[], key: Uint8Array | null): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compareStart(rows[mid]!.startBytes, key) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/**
 * The row of `label` whose range holds `key`: among the rows starting at the last start ≤ key
 * (labelled rows of one route share its range), else a budget-merged row (`merged:`, any label)
 * holding it, which may start further up (it overlaps the rows of other labels it passes), or
 * undefined.
 */
function rowHolding(rows: GridRow[], key: Uint8Array | null, label: string): number | undefined {
  const j = lastStartingAtOrBefore(rows, key);
  if (j < 0) return undefined;
  const holds = (row: GridRow) => before(key, row.endBytes);
  const start = rows[j]!.startBytes;
  for (let k = j; k >= 0 && compareStart(rows[k]!.startBytes, start) === 0; k--) {
    const row = rows[k]!;
    if (((row.label ?? "") === label || isMerged(row)) && holds(row)) return k;
  }
  // Rare (a bucket neither listed by id nor under a row of its label): a scan is fine.
  for (let k = j; k >= 0; k--) if (isMerged(rows[k]!) && holds(rows[k]!)) return k;
  return undefined;
}

const isMerged = (row: GridRow): boolean => row.bucketId.startsWith("merged:");

/**
 * Appends a stream column. A stream row is a sampler bucket; the grid's rows may be budget-merged,
 * so a bucket lands in the row with its id, else in a row of its label whose range holds its
 * start key (`rowHolding`), else it becomes a new row at its key position (a route the last fetch
 * did not have). Columns older than `maxColumns` are dropped. Events of another series, or not newer than the last column,
 * are ignored (a reconnect can replay one). Returns a new grid; `null` when nothing changed.
 */
export function appendColumn(grid: Grid, ev: ColumnEvent, maxColumns: number): Grid | null {
  if (ev.series !== grid.series) return null;
  const last = grid.times.length === 0 ? -Infinity : grid.times[grid.times.length - 1]!;
  if (!(ev.column_unix_ms > last)) return null;
  const rows = [...grid.rows];
  const byId = new Map(rows.map((r, i) => [r.bucketId, i] as const));
  const column = new Map<GridRow, number>();
  for (const e of ev.rows) {
    let i = byId.get(e.bucket_id);
    if (i === undefined) i = rowHolding(rows, decodeKey(e.start), e.label ?? "");
    if (i !== undefined) {
      const row = rows[i]!;
      column.set(row, (column.get(row) ?? 0) + e.value);
      continue;
    }
    const row = gridRow({
      bucket_id: e.bucket_id,
      ...(e.label !== undefined ? { label: e.label } : {}),
      start: e.start,
      end: e.end,
      aggregate: e.aggregate,
      route_count: e.route_count,
      values: [],
      raft_group_ids: [],
      leader_terms: [],
    });
    const at = lastStartingAtOrBefore(rows, row.startBytes) + 1;
    rows.splice(at, 0, row);
    byId.clear();
    rows.forEach((r, k) => byId.set(r.bucketId, k));
    column.set(row, e.value);
  }
  const drop = Math.max(0, grid.times.length + 1 - maxColumns);
  const oldWidth = grid.times.length;
  const width = oldWidth + 1 - drop;
  const values = new Float64Array(rows.length * width);
  const conflicts = grid.conflicts === null ? null : new Uint8Array(values.length);
  const oldIndex = new Map(grid.rows.map((r, i) => [r, i] as const));
  const groupOf = new Map(ev.rows.map((e) => [e.bucket_id, e] as const));
  rows.forEach((row, i) => {
    const old = oldIndex.get(row);
    if (old !== undefined) {
      values.set(grid.values.subarray(old * oldWidth + drop, (old + 1) * oldWidth), i * width);
      conflicts?.set(grid.conflicts!.subarray(old * oldWidth + drop, (old + 1) * oldWidth), i * width);
    }
    values[i * width + width - 1] = column.get(row) ?? 0;
    const e = groupOf.get(row.bucketId);
    const keep = (arr: number[]): number[] =>
      old === undefined ? new Array<number>(width - 1).fill(0) : arr.slice(drop);
    rows[i] = {
      ...row,
      groups: [...keep(row.groups), e?.raft_group_id ?? 0],
      terms: [...keep(row.terms), e?.leader_term ?? 0],
    };
  });
  return { ...grid, rows, values, conflicts, times: [...grid.times.slice(drop), ev.column_unix_ms] };
}

/** First index with `times[i] ≥ t`. */
function lowerBound(times: readonly number[], t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Column range of a time window (inclusive times); the whole grid when absent. */
export function columnRange(times: readonly number[], w: TimeWindow | undefined): [number, number] {
  if (w === undefined) return [0, times.length];
  return [lowerBound(times, w.fromMs), lowerBound(times, w.toMs + 1)];
}

/** The rows and columns a zoom selects: rows overlapping the key window, columns inside the time window. */
export function resolveWindow(grid: Grid, time: TimeWindow | undefined, keys: KeyWindow | undefined): GridWindow {
  const [c0, c1] = columnRange(grid.times, time);
  if (keys === undefined) return { r0: 0, r1: grid.rows.length, c0, c1 };
  const lo = decodeKey(keys.start);
  const hi = decodeKey(keys.end);
  let r0 = 0;
  while (r0 < grid.rows.length && !before(lo, grid.rows[r0]!.endBytes)) r0++;
  let r1 = r0;
  while (r1 < grid.rows.length && before(grid.rows[r1]!.startBytes, hi)) r1++;
  return { r0, r1, c0, c1 };
}

/** Sum of each row over the window's columns. */
export function rowSums(values: Float64Array, stride: number, w: GridWindow): Float64Array {
  const out = new Float64Array(w.r1 - w.r0);
  for (let r = w.r0; r < w.r1; r++) {
    let s = 0;
    for (let c = w.c0, at = r * stride + c; c < w.c1; c++, at++) s += values[at]!;
    out[r - w.r0] = s;
  }
  return out;
}

/** Sum of each column over the window's rows. */
export function columnSums(values: Float64Array, stride: number, w: GridWindow): Float64Array {
  const out = new Float64Array(w.c1 - w.c0);
  for (let r = w.r0; r < w.r1; r++) {
    for (let c = w.c0, at = r * stride + c; c < w.c1; c++, at++) out[c - w.c0]! += values[at]!;
  }
  return out;
}

/** Largest |value| in the window (the colour scale's maximum). */
export function maxAbs(values: Float64Array, stride: number, w: GridWindow): number {
  let max = 0;
  for (let r = w.r0; r < w.r1; r++) {
    for (let c = w.c0, at = r * stride + c; c < w.c1; c++, at++) {
      const v = values[at]!;
      const a = v < 0 ? -v : v;
      if (a > max) max = a;
    }
  }
  return max;
}
