// Column history: a ring of flushed columns, stored columnar and sparse, and coarser tiers.
// (Past 400 lines: the ring, the lazy rewrites and the hand-off to tiers share one bookkeeping.)
//
// A stored column keeps only its non-zero rows, as six parallel u32 fields in one Uint32Array:
// [metaId × n | reads × n | writes × n | readBytes × n | writeBytes × n | term × n] — 24 bytes per
// cell for all four series plus the leader term. A value that does not fit in 32 bits is stored
// as OVERFLOW and its exact value kept in the column's `overflow` map, so values stay exact
// without paying 8 bytes per counter for the common case. Row metadata (range, labels, members)
// lives once per bucket in `metas`, referenced by id.

import type { Column, Row, RowMeta, Series, SeriesView } from "../types.js";
import { MetaSummary } from "./meta-summary.js";
import { TierChain, type TierEntry, type TierSpec } from "./tiers.js";

const FIELDS = 6;
const F_META = 0;
const F_TERM = 5;
const OVERFLOW = 0xffffffff;
const SERIES_FIELD: Record<Series, number> = { reads: 1, writes: 2, read_bytes: 3, write_bytes: 4 };

/** One stored column. `data` holds FIELDS parallel arrays of `n` entries each. */
export interface StoredColumn {
  windowStartMs: number;
  atMs: number;
  n: number;
  data: Uint32Array;
  /** Exact values of fields stored as OVERFLOW, keyed by their index in `data`. */
  overflow: Map<number, number> | null;
  /**
   * Set by the history on first read: columns with the same `layout` object hold the same meta
   * ids and terms (and no overflow), so readers can share one copy of those fields.
   */
  layout?: object;
}

/** Values of one row: reads, writes, readBytes, writeBytes, term. */
export type RowValues = [number, number, number, number, number];

/**
 * Builds StoredColumns row by row (rows appended in row order). One builder is reused across
 * flushes: rows go into a scratch buffer sized for the worst case, then `finish()` copies out
 * an exact-size column.
 */
export class ColumnBuilder {
  private data = new Uint32Array(0);
  private overflow: Map<number, number> | null = null;
  private n = 0;
  private capacity = 0;
  private windowStartMs = 0;
  private atMs = 0;

  reset(windowStartMs: number, atMs: number, capacity: number): this {
    if (this.data.length < capacity * FIELDS) this.data = new Uint32Array(capacity * FIELDS);
    this.capacity = capacity;
    this.windowStartMs = windowStartMs;
    this.atMs = atMs;
    this.n = 0;
    this.overflow = null;
    return this;
  }

  add(metaId: number, reads: number, writes: number, readBytes: number, writeBytes: number, term: number): void {
    const i = this.n++;
    const cap = this.capacity;
    this.data[i] = metaId;
    this.put(cap + i, reads);
    this.put(2 * cap + i, writes);
    this.put(3 * cap + i, readBytes);
    this.put(4 * cap + i, writeBytes);
    this.put(5 * cap + i, term);
  }

  private put(at: number, value: number): void {
    if (value < OVERFLOW) {
      this.data[at] = value;
    } else {
      this.data[at] = OVERFLOW;
      (this.overflow ??= new Map()).set(at, value);
    }
  }

  /**
   * The finished column. `spare` is the buffer of a column the ring just dropped: reused when it
   * fits without wasting more than half of it, since first-touching fresh pages costs more than
   * the whole flush on some hosts.
   */
  finish(spare: ArrayBuffer | null = null): StoredColumn {
    const { n, capacity } = this;
    const bytes = n * FIELDS * 4;
    const reuse = spare !== null && spare.byteLength >= bytes && spare.byteLength <= 2 * bytes;
    const data = reuse ? new Uint32Array(spare, 0, n * FIELDS) : new Uint32Array(n * FIELDS);
    for (let f = 0; f < FIELDS; f++) data.set(this.data.subarray(f * capacity, f * capacity + n), f * n);
    let overflow: Map<number, number> | null = null;
    if (this.overflow !== null) {
      overflow = new Map();
      for (const [at, v] of this.overflow) overflow.set(Math.floor(at / capacity) * n + (at % capacity), v);
    }
    return { windowStartMs: this.windowStartMs, atMs: this.atMs, n, data, overflow };
  }
}

/**
 * A stored column made directly from its fields: meta ids, then reads, writes, read bytes,
 * write bytes and terms (exact integers). What readers of files use instead of a builder.
 */
export function storedColumn(
  windowStartMs: number,
  atMs: number,
  n: number,
  metaIds: ArrayLike<number>,
  fields: readonly ArrayLike<number>[],
): StoredColumn {
  const data = new Uint32Array(n * FIELDS);
  let overflow: Map<number, number> | null = null;
  for (let i = 0; i < n; i++) data[i] = metaIds[i]!;
  for (let f = 1; f < FIELDS; f++) {
    const src = fields[f - 1]!;
    const base = f * n;
    for (let i = 0; i < n; i++) {
      const v = src[i]!;
      if (v < OVERFLOW) {
        data[base + i] = v;
      } else {
        data[base + i] = OVERFLOW;
        (overflow ??= new Map()).set(base + i, v);
      }
    }
  }
  return { windowStartMs, atMs, n, data, overflow };
}

/** Reads field `f` of row `i` of a stored column exactly. */
export function columnValue(col: StoredColumn, f: number, i: number): number {
  const at = f * col.n + i;
  const v = col.data[at]!;
  return v === OVERFLOW && col.overflow !== null ? (col.overflow.get(at) ?? v) : v;
}

/** Row `i` of a column as [reads, writes, readBytes, writeBytes, term]. */
export function rowValues(col: StoredColumn, i: number): RowValues {
  return [
    columnValue(col, 1, i),
    columnValue(col, 2, i),
    columnValue(col, 3, i),
    columnValue(col, 4, i),
    columnValue(col, F_TERM, i),
  ];
}

export function metaIdAt(col: StoredColumn, i: number): number {
  return col.data[F_META * col.n + i]!;
}

/**
 * Fixed-capacity ring of columns plus the metadata table they reference.
 *
 * Rewrites (split/merge re-homing) are lazy: `rewrite(fn)` only records `fn`, and a column gets
 * every rewrite recorded after it was appended, in order, the first time it is read. So a split
 * costs the same whatever the history holds; reading pays once per column, and only for the
 * columns it reads. Each ring slot remembers how many rewrites its column has had.
 *
 * With tiers (tiers.ts), a column leaving the full ring goes on to the coarser tiers instead of
 * being dropped; reads see the tiers' columns (older, wider) before the ring's.
 */
export class History {
  private readonly ring: (StoredColumn | undefined)[];
  /** Per ring slot: absolute number of rewrites its column has had applied. */
  private readonly applied: Float64Array;
  private head = 0; // index of the oldest column
  private count = 0;
  private readonly metas: (RowMeta | undefined)[] = [];
  /** Rewrites some column has not had yet; `pending[i]` is rewrite number `rewritesBase + i`. */
  private pending: ((col: StoredColumn) => StoredColumn)[] = [];
  private rewritesBase = 0;
  private epoch = 0;
  /** Coarser tiers above the ring; null without tiers. */
  readonly tiers: TierChain | null = null;
  /** Running per-meta totals of the held columns (meta-summary.ts); null with tiers. */
  private readonly summary: MetaSummary | null = null;

  constructor(
    readonly capacity: number,
    tiers: readonly TierSpec[] = [],
  ) {
    this.ring = new Array(capacity);
    this.applied = new Float64Array(capacity);
    if (tiers.length > 0) {
      const host = {
        current: (e: TierEntry) => this.currentEntry(e),
        rewritesTotal: () => this.rewritesBase + this.pending.length,
        meta: (id: number) => this.meta(id),
      };
      this.tiers = new TierChain(tiers, host);
    } else {
      this.summary = new MetaSummary();
    }
  }

  /** Columns held: the ring's and every tier's. */
  get length(): number {
    return this.count + (this.tiers?.length ?? 0);
  }

  /** Changes whenever meta ids are renumbered (compaction): ids of different epochs differ. */
  get metaEpoch(): number {
    return this.epoch;
  }

  /** Time of the oldest stored column (Infinity when empty), without applying pending rewrites. */
  get oldestAtMs(): number {
    const tiered = this.tiers?.entries()[0];
    if (tiered !== undefined) return tiered.col.atMs;
    return this.count === 0 ? Infinity : this.ring[this.head]!.atMs;
  }

  /** Time of the oldest column of the ring (the base tier); Infinity when empty. */
  get ringOldestAtMs(): number {
    return this.count === 0 ? Infinity : this.ring[this.head]!.atMs;
  }

  /** Meta ids below this were handed out before now. */
  get metaCount(): number {
    return this.metas.length;
  }

  addMeta(meta: RowMeta): number {
    this.metas.push(meta);
    return this.metas.length - 1;
  }

  meta(id: number): RowMeta {
    const m = this.metas[id];
    if (m === undefined) throw new RangeError(`unknown row meta ${id}`);
    return m;
  }

  /**
   * Finishes `b` and appends it. When the ring is full the column about to be dropped lends its
   * buffer (it is overwritten only now, right before it leaves the ring).
   */
  appendFrom(b: ColumnBuilder): StoredColumn {
    // With tiers the leaving column lives on (its buffer is not free).
    const leaving = this.count === this.capacity && this.tiers === null ? this.ring[this.head]! : null;
    // The summary forgets the leaving column while its buffer still holds it.
    if (leaving !== null) this.summary?.remove(leaving, this.metas.length);
    const col = b.finish(leaving === null ? null : (leaving.data.buffer as ArrayBuffer));
    this.place(col, leaving !== null);
    return col;
  }

  append(col: StoredColumn): void {
    this.place(col, false);
  }

  /** Appends `col`; `forgotten`: the summary already dropped the column it displaces. */
  private place(col: StoredColumn, forgotten: boolean): void {
    let at: number;
    if (this.count < this.capacity) {
      at = (this.head + this.count) % this.capacity;
      this.count++;
    } else {
      at = this.head;
      if (this.tiers !== null) this.tiers.age({ col: this.ring[at]!, applied: this.applied[at]! });
      else if (!forgotten) this.summary?.remove(this.ring[at]!, this.metas.length);
      this.head = (this.head + 1) % this.capacity;
    }
    this.summary?.add(col);
    this.ring[at] = col;
    this.applied[at] = this.rewritesBase + this.pending.length; // born after every recorded rewrite
    if (this.pending.length > 0) this.forgetAppliedRewrites();
  }

  /** The column in ring slot `at`, with every recorded rewrite applied. */
  private current(at: number): StoredColumn {
    let col = this.ring[at]!;
    const total = this.rewritesBase + this.pending.length;
    let done = this.applied[at]!;
    if (done === total) return col;
    for (; done < total; done++) col = this.pending[done - this.rewritesBase]!(col);
    this.ring[at] = col;
    this.applied[at] = total;
    return col;
  }

  /** A tier's column with every recorded rewrite applied. */
  private currentEntry(e: TierEntry): StoredColumn {
    const total = this.rewritesBase + this.pending.length;
    for (; e.applied < total; e.applied++) e.col = this.pending[e.applied - this.rewritesBase]!(e.col);
    return e.col;
  }

  /** Drops recorded rewrites every stored column has had (an O(columns) scan of numbers). */
  private forgetAppliedRewrites(): void {
    let min = this.rewritesBase + this.pending.length;
    for (let k = 0; k < this.count; k++) min = Math.min(min, this.applied[(this.head + k) % this.capacity]!);
    if (this.tiers !== null) for (const e of this.tiers.entries()) min = Math.min(min, e.applied);
    if (min > this.rewritesBase) {
      this.pending.splice(0, min - this.rewritesBase);
      this.rewritesBase = min;
    }
  }

  /** Columns with `fromMs ≤ atMs < toMs`, oldest first (stored objects: do not mutate). */
  columns(fromMs?: number, toMs?: number): StoredColumn[] {
    const out: StoredColumn[] = [];
    if (this.tiers !== null) {
      for (const e of this.tiers.entries()) {
        if (fromMs !== undefined && e.col.atMs < fromMs) continue;
        if (toMs !== undefined && e.col.atMs >= toMs) continue;
        out.push(this.currentEntry(e));
      }
    }
    for (let k = 0; k < this.count; k++) {
      const at = (this.head + k) % this.capacity;
      const atMs = this.ring[at]!.atMs; // a rewrite never moves a column in time
      if (fromMs !== undefined && atMs < fromMs) continue;
      if (toMs !== undefined && atMs >= toMs) continue;
      out.push(this.current(at));
    }
    if (this.pending.length > 0 && fromMs === undefined && toMs === undefined) this.forgetAppliedRewrites();
    return out;
  }

  /**
   * Drops metadata no stored column and no id in `keep` refers to, renumbering the rest.
   * Returns the renumbering (old id → new id, -1 when dropped) so owners of ids can follow.
   */
  compactMetas(keep: Iterable<number>): Int32Array {
    const used = new Uint8Array(this.metas.length);
    for (const id of keep) if (id >= 0) used[id] = 1;
    // Reading every column applies the recorded rewrites (they refer to meta ids) before ids change.
    for (const col of this.columns()) for (let i = 0; i < col.n; i++) used[col.data[i]!] = 1;
    this.epoch++;
    this.summary?.invalidate();
    const remap = new Int32Array(this.metas.length).fill(-1);
    const kept: RowMeta[] = [];
    for (let id = 0; id < this.metas.length; id++) {
      if (used[id] === 0) continue;
      remap[id] = kept.length;
      kept.push(this.metas[id]!);
    }
    for (const col of this.columns()) for (let i = 0; i < col.n; i++) col.data[i] = remap[col.data[i]!]!;
    this.metas.length = kept.length;
    for (let id = 0; id < kept.length; id++) this.metas[id] = kept[id];
    return remap;
  }

  /**
   * Replaces every column stored now by `fn(column)` (re-homing rows after split/merge) — lazily:
   * each column gets it the first time it is read, after the rewrites recorded before it. `fn`
   * must not depend on state that changes later, except meta ids (compaction applies every
   * recorded rewrite first).
   */
  rewrite(fn: (col: StoredColumn) => StoredColumn): void {
    if (this.length === 0) return;
    this.pending.push(fn);
    this.summary?.invalidate();
  }

  /**
   * Copies of the columns in `[fromMs, toMs)`, as Row objects. Nothing is shared with the
   * history; rows of one snapshot that describe the same bucket share one copy of its keys and
   * member list (a day of columns would otherwise copy them once per row).
   */
  snapshot(fromMs?: number, toMs?: number): Column[] {
    const copies = new Map<number, RowMeta>();
    return this.columns(fromMs, toMs).map((col) => ({
      windowStartMs: col.windowStartMs,
      atMs: col.atMs,
      rows: this.rowsOf(col, copies),
    }));
  }

  /** Row objects of one column; `copies` caches metadata copies across calls. */
  rowsOf(col: StoredColumn, copies = new Map<number, RowMeta>()): Row[] {
    const rows: Row[] = new Array(col.n);
    for (let i = 0; i < col.n; i++) {
      const id = metaIdAt(col, i);
      let meta = copies.get(id);
      if (meta === undefined) {
        meta = copyMeta(this.meta(id));
        copies.set(id, meta);
      }
      // One literal with every field: a spread would build each row through dictionary-mode
      // transitions, several times slower and heavier on the GC.
      rows[i] = {
        bucketId: meta.bucketId,
        routeId: meta.routeId,
        label: meta.label,
        start: meta.start,
        end: meta.end,
        aggregate: meta.aggregate,
        memberRoutes: meta.memberRoutes,
        memberRoutesTotal: meta.memberRoutesTotal,
        groupId: meta.groupId,
        subBucket: meta.subBucket,
        subBucketCount: meta.subBucketCount,
        leaderTerm: columnValue(col, F_TERM, i),
        reads: columnValue(col, 1, i),
        writes: columnValue(col, 2, i),
        readBytes: columnValue(col, 3, i),
        writeBytes: columnValue(col, 4, i),
      };
    }
    return rows;
  }

  /**
   * One series of `[fromMs, toMs)`, columnar: the matrix builder's input. Views of the stored
   * arrays (no copy) unless a column holds a value past 32 bits, which gets an exact f64 copy.
   */
  seriesView(series: Series, fromMs?: number, toMs?: number): SeriesView {
    const field = SERIES_FIELD[series];
    const stored = this.columns(fromMs, toMs);
    // Columns of one layout share the first one's ids and terms arrays (the matrix build plans
    // each distinct pair of arrays once).
    const shared = new Map<object, { metaIds: Uint32Array; terms: Uint32Array | Float64Array }>();
    const columns = stored.map((col, k) => {
      const layout = layoutOf(col, stored[k - 1]);
      let fields = shared.get(layout);
      if (fields === undefined)
        shared.set(layout, (fields = { metaIds: col.data.subarray(0, col.n), terms: exactField(col, F_TERM) }));
      return {
        windowStartMs: col.windowStartMs,
        atMs: col.atMs,
        metaIds: fields.metaIds,
        values: exactField(col, field),
        terms: fields.terms,
      };
    });
    const metas = this.metas as RowMeta[];
    const summary = this.summary;
    if (summary === null || fromMs !== undefined || toMs !== undefined) return { series, metas, columns };
    if (!summary.valid) summary.rebuild(stored); // every held column: reading them applied the rewrites
    return { series, metas, columns, summary: summary.read(field, metas.length) };
  }

  /** Bytes held by stored columns (cells plus overflow entries) and the metadata table. */
  memoryBytes(): number {
    let bytes = 0;
    const cols: StoredColumn[] = this.tiers?.entries().map((e) => e.col) ?? [];
    for (let k = 0; k < this.count; k++) cols.push(this.ring[(this.head + k) % this.capacity]!); // as stored
    for (const col of cols) bytes += col.data.buffer.byteLength + (col.overflow?.size ?? 0) * 16;
    for (const m of this.metas) if (m) bytes += metaBytes(m);
    return bytes + (this.summary?.memoryBytes ?? 0);
  }
}

/**
 * The column's layout token: its predecessor's when both hold the same meta ids and terms without
 * overflow, else a new one. Computed once per column (a rewrite makes a new column object).
 */
function layoutOf(col: StoredColumn, prev: StoredColumn | undefined): object {
  if (col.layout !== undefined) return col.layout;
  col.layout = prev?.layout !== undefined && sameLayout(col, prev) ? prev.layout : {};
  return col.layout;
}

function sameLayout(a: StoredColumn, b: StoredColumn): boolean {
  if (a.n !== b.n || a.overflow !== null || b.overflow !== null) return false;
  const n = a.n;
  for (let i = 0; i < n; i++)
    if (a.data[i] !== b.data[i] || a.data[F_TERM * n + i] !== b.data[F_TERM * n + i]) return false;
  return true;
}

/** Field `f` of a column: the stored u32 view, or an f64 copy with overflowed values restored. */
function exactField(col: StoredColumn, f: number): Uint32Array | Float64Array {
  const { n, data, overflow } = col;
  const stored = data.subarray(f * n, (f + 1) * n);
  if (overflow === null) return stored;
  let exact: Float64Array | null = null;
  for (const [at, v] of overflow) {
    if (Math.floor(at / n) !== f) continue;
    exact ??= Float64Array.from(stored);
    exact[at % n] = v;
  }
  return exact ?? stored;
}

function copyMeta(m: RowMeta): RowMeta {
  return {
    ...m,
    start: m.start === null ? null : m.start.slice(),
    end: m.end === null ? null : m.end.slice(),
    memberRoutes: m.memberRoutes.slice(),
  };
}

/** Rough size of one metadata record: fixed fields, the id string, keys and member list. */
function metaBytes(m: RowMeta): number {
  return 96 + m.bucketId.length * 2 + (m.start?.length ?? 0) + (m.end?.length ?? 0) + m.memberRoutes.length * 8;
}
