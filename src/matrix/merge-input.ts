// One node's matrix made ready for the fan-out merge (SPEC §5.1), whatever the node sent:
// - columns sorted and unique: a node whose clock went back or stood still can send the same
//   timestamp twice; those are different windows, so their cells are summed (issue 10 item 1),
//   never dropped;
// - identity arrays full length: older nodes omit `raft_group_ids`/`leader_terms` or send them
//   short, and a missing cell is identity unknown (0), which the cell rule turns into max-merge
//   for writes (issue 9 item 2).
// - columns outside the request's time window dropped (a node that ignored the window), and its
//   rows too when none of its columns is left;
// - an empty-string key read as the `null` it means (SPEC §5: null when empty or unbounded).
// A matrix that needs none of it (every keyviz node today) passes through without copying.
import type { IncomingMatrix, IncomingRow } from "../wire/wire.js";

/** The columns a merge keeps: `fromMs ≤ t < toMs`; an absent or 0 bound is unbounded (SPEC §5). */
export interface TimeWindow {
  fromMs?: number;
  toMs?: number;
}

export function inWindow(t: number, w: TimeWindow): boolean {
  return (!w.fromMs || t >= w.fromMs) && (!w.toMs || t < w.toMs);
}

/** Whether every time of `times` lies in `w`. */
export function allInWindow(times: readonly number[], w: TimeWindow): boolean {
  if (!w.fromMs && !w.toMs) return true;
  for (const t of times) if (!inWindow(t, w)) return false;
  return true;
}

/** One row's cells over the node's own (sorted, unique) columns. */
export interface InputRow {
  head: IncomingRow;
  values: ArrayLike<number>;
  groups: ArrayLike<number>;
  terms: ArrayLike<number>;
  conflicts: ArrayLike<boolean> | undefined;
}

export interface MergeInput {
  /** Ascending, unique. */
  columns: number[];
  rows: InputRow[];
}

export function prepareInput(m: IncomingMatrix, window: TimeWindow = {}): MergeInput {
  const times = m.column_unix_ms;
  if (isStrictlyAscending(times) && allInWindow(times, window))
    return { columns: times, rows: m.rows.map((r) => padIdentity(r, times.length)) };
  const columns = [...new Set(times.filter((t) => inWindow(t, window)))].sort((a, b) => a - b);
  // None of its columns in the window: the node's own answer to the window would have no rows.
  if (columns.length === 0) return { columns, rows: [] };
  const position = new Map(columns.map((t, i) => [t, i]));
  const target = Int32Array.from(times, (t) => position.get(t) ?? -1); // -1: outside the window
  return { columns, rows: m.rows.map((r) => foldColumns(padIdentity(r, times.length), target, columns.length)) };
}

export function isStrictlyAscending(times: readonly number[]): boolean {
  for (let i = 1; i < times.length; i++) if (!(times[i - 1]! < times[i]!)) return false;
  return true;
}

const NO_IDENTITY: number[] = [];

function padIdentity(row: IncomingRow, width: number): InputRow {
  return {
    head: row.start === "" || row.end === "" ? { ...row, start: row.start || null, end: row.end || null } : row,
    values: row.values,
    groups: padded(row.raft_group_ids ?? NO_IDENTITY, width),
    terms: padded(row.leader_terms ?? NO_IDENTITY, width),
    conflicts: row.conflicts,
  };
}

function padded(a: number[], width: number): ArrayLike<number> {
  if (a.length >= width) return a;
  const out = new Float64Array(width); // zeros: identity unknown
  out.set(a);
  return out;
}

/**
 * Sums the cells of columns sharing a timestamp (`target[j]` = merged column of column j, −1 for
 * a column dropped).
 * Conflicts are OR-ed; the identity is that of the non-zero cell with the highest term (the
 * merge's identity rule), 0/0 when every cell is 0.
 */
function foldColumns(row: InputRow, target: Int32Array, width: number): InputRow {
  const values = new Float64Array(width);
  const groups = new Float64Array(width);
  const terms = new Float64Array(width);
  const conflicts = new Array<boolean>(width).fill(false);
  const best = new Float64Array(width).fill(-1); // value of the cell whose identity was taken
  for (let j = 0; j < target.length; j++) {
    const to = target[j]!;
    if (to < 0) continue;
    const v = row.values[j]!;
    values[to]! += v;
    if (row.conflicts?.[j] === true) conflicts[to] = true;
    if (v === 0) continue;
    const t = row.terms[j]!;
    if (best[to]! < 0 || t > terms[to]! || (t === terms[to] && v > best[to]!)) {
      best[to] = v;
      groups[to] = row.groups[j]!;
      terms[to] = t;
    }
  }
  return { head: row.head, values, groups, terms, conflicts };
}
