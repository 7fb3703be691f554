// The COLUMN block of `.kvz`: one flushed column, stored columnar. Meta ids are delta-coded (or
// "same as the previous column"); each series is a run of varints, skipped entirely when all
// zero; byte series are stored as residuals from count × the column's mean bytes per operation
// (a read adds its key length, so read bytes track reads closely); leader terms are stored once
// per (group, column) with per-row exceptions. See docs/format.md for the byte layout.

import { ByteReader, ByteWriter } from "./bytes-io.js";
import { COLUMN_FLAGS_KNOWN, ColumnFlag } from "./kvz-format.js";

/** One column in file terms: meta ids of the file, the four series and the leader terms. */
export interface ColumnData {
  windowStartMs: number;
  atMs: number;
  n: number;
  metaIds: Uint32Array;
  /** reads, writes, read_bytes, write_bytes; each of length ≥ n (exact integers). */
  values: NumberArray[];
  terms: NumberArray;
}

/** What stored columns hold: u32 (the common case) or f64 (values past 32 bits). */
export type NumberArray = Float64Array | Uint32Array;

/** Products count × mean above this could lose exactness in f64: the mean is not used then. */
const EXACT_LIMIT = 2 ** 52;

/** Groups of the declared metas: a dense index per meta id, and the group id of each index. */
export interface GroupIndex {
  ofMeta: Uint32Array;
  ids: readonly number[];
}

/**
 * Writes COLUMN payloads; remembers the previous column's ids for the SameIds flag. Groups are
 * known by a dense index per meta, so the per-row term work is array access.
 */
export class ColumnWriter {
  private prevIds = new Uint32Array(0);
  private prevN = -1;
  private termOf = new Float64Array(0);
  private seen = new Uint8Array(0);

  payload(c: ColumnData, w: ByteWriter, groups: GroupIndex): void {
    const { n, metaIds, values, terms } = c;
    w.varint(c.atMs);
    w.svarint(c.atMs - c.windowStartMs);
    w.varint(n);
    const same = n === this.prevN && sameIds(metaIds, this.prevIds, n);
    let flags = same ? ColumnFlag.SameIds : 0;
    for (let s = 0; s < 4; s++) if (anyNonZero(values[s]!, n)) flags |= 1 << (ColumnFlag.SeriesShift + s);
    w.varint(flags);
    if (!same) {
      const deltas = this.scratchDeltas(n);
      let prev = -1;
      for (let i = 0; i < n; i++) {
        deltas[i] = metaIds[i]! - prev - 1;
        prev = metaIds[i]!;
      }
      w.svarints(deltas, n);
      if (this.prevIds.length < n) this.prevIds = new Uint32Array(Math.max(n, 2 * this.prevIds.length));
      this.prevIds.set(metaIds.subarray(0, n));
      this.prevN = n;
    }
    for (let s = 0; s < 2; s++) if (flags & (1 << (ColumnFlag.SeriesShift + s))) writeCounts(w, values[s]!, n);
    for (let s = 2; s < 4; s++)
      if (flags & (1 << (ColumnFlag.SeriesShift + s))) writeBytesSeries(w, values[s]!, values[s - 2]!, n);
    this.writeTerms(w, metaIds, terms, n, groups);
  }

  private deltas = new Float64Array(0);

  private scratchDeltas(n: number): Float64Array {
    if (this.deltas.length < n) this.deltas = new Float64Array(Math.max(n, 2 * this.deltas.length));
    return this.deltas;
  }

  private writeTerms(w: ByteWriter, metaIds: Uint32Array, terms: NumberArray, n: number, index: GroupIndex): void {
    // The term of a group is the one its first row carries; rows that differ are exceptions.
    const groupCount = index.ids.length;
    const ofMeta = index.ofMeta;
    if (this.seen.length < groupCount) {
      this.seen = new Uint8Array(Math.max(groupCount, 2 * this.seen.length));
      this.termOf = new Float64Array(this.seen.length);
    }
    const { seen, termOf } = this;
    seen.fill(0, 0, groupCount);
    const present: number[] = [];
    const exceptions: number[] = [];
    for (let i = 0; i < n; i++) {
      const g = ofMeta[metaIds[i]!]!;
      if (seen[g] === 0) {
        seen[g] = 1;
        termOf[g] = terms[i]!;
        present.push(g);
      } else if (termOf[g] !== terms[i]) exceptions.push(i);
    }
    const groups = present
      .filter((g) => termOf[g] !== 0)
      .map((g) => [index.ids[g]!, termOf[g]!] as const)
      .sort((a, b) => a[0] - b[0]);
    w.varint(groups.length);
    let prevGroup = 0;
    for (const [g, t] of groups) {
      w.varint(g - prevGroup);
      w.varint(t);
      prevGroup = g;
    }
    w.varint(exceptions.length);
    let prevRow = -1;
    for (const i of exceptions) {
      w.varint(i - prevRow - 1);
      w.varint(terms[i]!);
      prevRow = i;
    }
  }
}

function sameIds(a: Uint32Array, b: Uint32Array, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

function anyNonZero(v: NumberArray, n: number): boolean {
  for (let i = 0; i < n; i++) if (v[i] !== 0) return true;
  return false;
}

function writeCounts(w: ByteWriter, v: NumberArray, n: number): void {
  w.varints(v, n);
}

/** Mean bytes per operation of the column (rounded), or 0 when using it could be inexact. */
function meanPerOp(bytes: NumberArray, counts: NumberArray, n: number): number {
  let b = 0;
  let c = 0;
  let maxCount = 0;
  for (let i = 0; i < n; i++) {
    b += bytes[i]!;
    c += counts[i]!;
    if (counts[i]! > maxCount) maxCount = counts[i]!;
  }
  if (c === 0 || b >= EXACT_LIMIT || c >= EXACT_LIMIT) return 0;
  const mean = Math.round(b / c);
  return maxCount * mean < EXACT_LIMIT ? mean : 0;
}

function writeBytesSeries(w: ByteWriter, bytes: NumberArray, counts: NumberArray, n: number): void {
  const mean = meanPerOp(bytes, counts, n);
  w.varint(mean);
  w.varints(bytes, n, counts, mean);
}

/** Scratch arrays a ColumnReader fills, grown as needed. */
export class ColumnScratch {
  metaIds = new Uint32Array(0);
  values: Float64Array[] = [0, 1, 2, 3].map(() => new Float64Array(0));
  terms = new Float64Array(0);

  ensure(n: number): void {
    if (this.terms.length >= n) return;
    const size = Math.max(n, 2 * this.terms.length);
    const ids = new Uint32Array(size);
    ids.set(this.metaIds);
    this.metaIds = ids;
    this.values = this.values.map(() => new Float64Array(size));
    this.terms = new Float64Array(size);
  }
}

/** Reads COLUMN payloads into one scratch (valid until the next read). */
export class ColumnReader {
  private readonly s = new ColumnScratch();
  private prevN = -1;
  private deltas = new Float64Array(0);
  private termOf = new Float64Array(0);
  private listed = new Uint8Array(0);
  /** Time of the last column read (times increase strictly through a file). */
  private lastAtMs = -Infinity;
  /** `lastListed[id]` = the number of the id list that last named meta `id` (duplicate check). */
  private lastListed = new Uint32Array(0);
  private lists = 0;

  /**
   * Parses one COLUMN payload. `metaCount` bounds the meta ids; `groupIndexOf[id]` is a meta's
   * dense group index and `groupIndexById` maps a group id to it. On success the previous-ids
   * state advances; on failure it is unchanged (the scratch is not).
   */
  read(
    r: ByteReader,
    metaCount: number,
    groupIndexOf: Uint32Array,
    groupIndexById: ReadonlyMap<number, number>,
  ): ColumnData {
    const timeAt = r.pos;
    const atMs = r.varint();
    // Every reader (the matrix, the fan-out merge, the replay's timeline) relies on column times
    // increasing strictly and on each window ending at its column's time.
    if (atMs <= this.lastAtMs)
      r.fail(`column time ${atMs} is not after the previous column's ${this.lastAtMs}`, timeAt);
    const widthAt = r.pos;
    const windowStartMs = atMs - r.svarint();
    if (!Number.isSafeInteger(windowStartMs)) r.fail("window start is out of range", widthAt);
    if (windowStartMs > atMs) r.fail(`window starts at ${windowStartMs}, after its column's time ${atMs}`, widthAt);
    const n = r.count("row count");
    const flagsAt = r.pos;
    const flags = r.varint();
    if ((flags & ~COLUMN_FLAGS_KNOWN) !== 0) r.fail(`column has unknown flags ${flags}`, flagsAt);
    const s = this.s;
    // Ids of the previous column live at the front of the scratch; a new list is read after
    // them and moved to the front only once the whole block is valid.
    const same = (flags & ColumnFlag.SameIds) !== 0;
    if (same && n !== this.prevN)
      r.fail(`column repeats the previous column's ids but has ${n} rows, not ${this.prevN}`, flagsAt);
    s.ensure(same ? n : Math.max(this.prevN, 0) + n);
    const idsAt = same ? 0 : Math.max(this.prevN, 0);
    if (!same) this.readIds(r, s.metaIds, idsAt, n, metaCount);
    const ids = s.metaIds.subarray(idsAt, idsAt + n);
    const present = (k: number) => (flags & (1 << (ColumnFlag.SeriesShift + k))) !== 0;
    for (let k = 0; k < 2; k++) {
      if (present(k)) r.varints(s.values[k]!, n, false, null, 0, 0, "count");
      else s.values[k]!.fill(0, 0, n);
    }
    for (let k = 2; k < 4; k++) {
      if (!present(k)) {
        s.values[k]!.fill(0, 0, n);
        continue;
      }
      const mean = r.varint();
      r.varints(s.values[k]!, n, true, s.values[k - 2]!, mean, 0, "byte count");
    }
    this.readTerms(r, ids, n, groupIndexOf, groupIndexById);
    r.expectEnd();
    if (!same) {
      s.metaIds.copyWithin(0, idsAt, idsAt + n);
      this.prevN = n;
    }
    this.lastAtMs = atMs;
    return { windowStartMs, atMs, n, metaIds: s.metaIds.subarray(0, n), values: s.values, terms: s.terms };
  }

  private readIds(r: ByteReader, out: Uint32Array, at: number, n: number, metaCount: number): void {
    if (this.deltas.length < n) this.deltas = new Float64Array(Math.max(n, 2 * this.deltas.length));
    const start = r.pos;
    r.varints(this.deltas, n, true, null, 0, -Infinity, "meta id delta");
    // Old stamps never equal a new list's number, so a grown array needs none of them.
    if (this.lastListed.length < metaCount)
      this.lastListed = new Uint32Array(Math.max(metaCount, 2 * this.lastListed.length));
    const list = ++this.lists;
    let prev = -1;
    for (let i = 0; i < n; i++) {
      const id = prev + 1 + this.deltas[i]!;
      if (id < 0 || id >= metaCount)
        r.fail(`meta id ${id} of row ${i} is out of range (${metaCount} metas declared)`, start);
      // A bucket has one row per column; a second would add its counts to the first's.
      if (this.lastListed[id] === list) r.fail(`meta id ${id} is listed twice in one column (row ${i})`, start);
      this.lastListed[id] = list;
      out[at + i] = id;
      prev = id;
    }
  }

  private readTerms(
    r: ByteReader,
    ids: Uint32Array,
    n: number,
    groupIndexOf: Uint32Array,
    groupIndexById: ReadonlyMap<number, number>,
  ): void {
    const groups = groupIndexById.size;
    if (this.listed.length < groups) {
      this.listed = new Uint8Array(Math.max(groups, 2 * this.listed.length));
      this.termOf = new Float64Array(this.listed.length);
    }
    const { listed, termOf } = this;
    listed.fill(0, 0, groups);
    const count = r.count("group count", 2);
    let g = 0;
    for (let i = 0; i < count; i++) {
      const at = r.pos;
      const step = r.varint();
      if (i > 0 && step === 0) r.fail("groups must be listed in ascending order", at);
      g += step;
      const term = r.varint();
      const index = groupIndexById.get(g);
      if (index === undefined) continue; // a group no declared row belongs to: no row takes it
      listed[index] = 1;
      termOf[index] = term;
    }
    const out = this.s.terms;
    for (let i = 0; i < n; i++) {
      const gi = groupIndexOf[ids[i]!]!;
      out[i] = listed[gi] === 1 ? termOf[gi]! : 0;
    }
    const exceptions = r.count("term exception count", 2);
    let row = -1;
    for (let i = 0; i < exceptions; i++) {
      const at = r.pos;
      row += 1 + r.varint();
      if (row >= n) r.fail(`term exception row ${row} is out of range (${n} rows)`, at);
      out[row] = r.varint();
    }
  }
}
