// The sampler's view of its Wasm instance: counters shared through a Float64Array, the route
// ranges used for sub-bucket indexing, and the drain. Everything here is numeric; route
// lifecycle and metadata live in the other sampler modules.
//
// This is the only file that knows the counter layout: a "slot" is one (route, label) or one
// virtual bucket, a "cell" is one sub-bucket of a slot (cell = slot × maxSubBuckets + sub), and
// a cell holds four f64 counters at [4·cell, 4·cell + 4): reads, writes, readBytes, writeBytes.
// Everyone else addresses cells through the methods below, except the hot paths of
// `Sampler.observe` and `Sampler.observeKey`: they write their two adds themselves through `view`
// and `stride` (measured faster, see there), so a change of this layout must change them too.

import { instantiateSampler, type SamplerExports } from "../wasm/sampler.wasm.js";
import { SubBucketIndex } from "./sub-bucket-index.js";

/** A chunk of drained rows: row i is cell `cells[i]` with counters `reads[i]`, `writes[i]`, … */
export interface DrainedRows {
  cells: Uint32Array;
  reads: Float64Array;
  writes: Float64Array;
  readBytes: Float64Array;
  writeBytes: Float64Array;
}

/** Receives each chunk of drained rows (`n` of them), valid only during the call. */
export type DrainSink = (rows: DrainedRows, n: number) => void;

/** The four counters of one cell: reads, writes, readBytes, writeBytes. */
export type CellValues = [number, number, number, number];

/** Counters per cell. */
const FIELDS = 4;
const PAGE = 65536;
/** A Wasm memory of 65 536 pages spans all of wasm32's 4 GiB, which u32 pointers cannot reach the end of. */
const MAX_PAGES = 65535;

/** Answers `layoutBytes` (a pure function of its arguments) for every Counters made. */
let layoutProbe: SamplerExports | undefined;

/**
 * An instance whose memory holds the layout of `slots` × `k` from the start, so `init` lays it
 * out without growing: a grow would detach the memory's ArrayBuffer, which slows every
 * typed-array access in the process from then on (scripts/build-wasm.mjs, CALLER_SIZED).
 */
function sizedInstance(slots: number, k: number): SamplerExports {
  layoutProbe ??= instantiateSampler(1);
  const pages = Math.ceil(layoutProbe.layoutBytes(slots, k) / PAGE);
  const cannot = `cannot allocate counters for ${slots} slots × ${k} sub-buckets`;
  if (pages > MAX_PAGES) throw new RangeError(`${cannot}: the layout needs ${pages} pages of Wasm memory, past 4 GiB`);
  try {
    return instantiateSampler(pages);
  } catch (e) {
    if (e instanceof RangeError) throw new RangeError(`${cannot}: ${e.message}`, { cause: e });
    throw e;
  }
}

export class Counters {
  /** Counter view: cell c occupies [4c, 4c + 4) as reads, writes, readBytes, writeBytes. */
  private values!: Float64Array;
  /** Counters of one slot (all its sub-buckets). */
  private readonly slotStride: number;
  private scratch!: Uint8Array;
  private drained!: DrainedRows;
  /**
   * Counts one request (op 0 = read, 1 = write) of `bytes` into sub-bucket 0 of `slot`. The op
   * picks the counter by index rather than by branch: a random read/write mix would mispredict.
   * A closure over the view (memory never grows, so the view stays valid) rather than a method:
   * callers keep it in a field, one load less than a call through `this.counters` (measured
   * ~0.5 ns). `Sampler.observe` writes the same two adds itself through `view` and `stride`
   * (one load chain shorter again, 1.57× → 1.47× floor); observeKey at K = 1 and the slow
   * paths use this.
   */
  readonly count: (slot: number, op: 0 | 1, bytes: number) => void;
  private order!: Uint32Array;
  private readonly wasm: SamplerExports;
  private readonly scratchLen: number;
  /** Sub-bucket of a key in each slot's range (JS: cheaper than a Wasm call per key). */
  private readonly subBuckets: SubBucketIndex;

  constructor(
    readonly slots: number,
    readonly maxSubBuckets: number,
  ) {
    this.wasm = sizedInstance(slots, maxSubBuckets);
    if (this.wasm.init(slots, maxSubBuckets) !== 0) {
      throw new RangeError(`cannot allocate counters for ${slots} slots × ${maxSubBuckets} sub-buckets`);
    }
    this.slotStride = maxSubBuckets * FIELDS;
    this.scratchLen = this.wasm.scratchBytes();
    this.subBuckets = new SubBucketIndex(slots, maxSubBuckets);
    this.makeViews();
    const values = this.values;
    const stride = this.slotStride;
    this.count = (slot, op, bytes) => {
      const at = slot * stride + op;
      values[at]!++;
      values[at + 2]! += bytes;
    };
  }

  /** Views over the layout; memory is sized once in `init` and never grows afterwards. */
  private makeViews(): void {
    const buf = this.wasm.memory.buffer;
    const cells = this.slots * this.maxSubBuckets;
    this.values = new Float64Array(buf, this.wasm.countersPtr(), cells * FIELDS);
    this.scratch = new Uint8Array(buf, this.wasm.scratchPtr(), this.scratchLen);
    this.order = new Uint32Array(buf, this.wasm.orderPtr(), cells);
    const cap = this.wasm.outCap();
    const field = (f: number) => new Float64Array(buf, this.wasm.outValPtr() + f * this.wasm.outFieldBytes(), cap);
    this.drained = {
      cells: new Uint32Array(buf, this.wasm.outIdxPtr(), cap),
      reads: field(0),
      writes: field(1),
      readBytes: field(2),
      writeBytes: field(3),
    };
  }

  /** The counters (FIELDS per cell): valid for the sampler's life, memory never grows. */
  get view(): Float64Array {
    return this.values;
  }

  /** Counter words per slot (its sub-buckets × FIELDS): slot s, op o count at s × stride + o. */
  get stride(): number {
    return this.slotStride;
  }

  /** The sub-bucket index of the slots' ranges (`Sampler.observeKey` reads it itself). */
  get subBucketIndex(): SubBucketIndex {
    return this.subBuckets;
  }

  /** Longest route key accepted: start and end must both fit in the scratch area. */
  get maxRouteKeyBytes(): number {
    return (this.scratchLen >> 1) - 16;
  }

  /** Sets `slot`'s range for sub-bucket indexing; returns the effective sub-bucket count. */
  setRange(slot: number, start: Uint8Array | null, end: Uint8Array | null, k: number): number {
    const startLen = start?.length ?? 0;
    this.scratch.set(start ?? EMPTY, 0);
    if (end !== null) this.scratch.set(end, startLen);
    // The Wasm descriptor decides the effective count (the SPEC §3.1 rule lives in assembly/lib).
    const effective = this.wasm.setSlotRange(slot, startLen, end === null ? -1 : end.length, k);
    this.subBuckets.set(slot, start, end, effective);
    return effective;
  }

  /**
   * Counts one sample (op 0 = read, 1 = write) of `key` into `countSlot`, sub-bucket by
   * `rangeSlot`'s range (set with more than one sub-bucket), through the counter view.
   */
  observeKey(rangeSlot: number, countSlot: number, op: number, key: Uint8Array, bytes: number): void {
    const at = (countSlot * this.maxSubBuckets + this.subBuckets.subBucket(rangeSlot, key)) * FIELDS + op;
    const v = this.values;
    v[at]!++;
    v[at + 2]! += bytes;
  }

  /** Total cells: every slot's sub-buckets. */
  get cellCount(): number {
    return this.slots * this.maxSubBuckets;
  }

  /** The cell of sub-bucket `sub` of `slot`. */
  cell(slot: number, sub: number): number {
    return slot * this.maxSubBuckets + sub;
  }

  /** The slot a cell belongs to. */
  slotOfCell(cell: number): number {
    return (cell / this.maxSubBuckets) | 0;
  }

  /** The sub-bucket index of a cell within its slot. */
  subOfCell(cell: number): number {
    return cell % this.maxSubBuckets;
  }

  /** True when any counter of `cell` is non-zero (counts wait to be drained). */
  busy(cell: number): boolean {
    const v = this.values;
    const at = cell * FIELDS;
    return v[at]! + v[at + 1]! + v[at + 2]! + v[at + 3]! > 0;
  }

  /** Reads and zeroes the counters of `cell`. */
  take(cell: number): CellValues {
    const v = this.values;
    const at = cell * FIELDS;
    const out: CellValues = [v[at]!, v[at + 1]!, v[at + 2]!, v[at + 3]!];
    v.fill(0, at, at + FIELDS);
    return out;
  }

  /** Adds `values` (reads, writes, readBytes, writeBytes) to the counters of `cell`. */
  add(cell: number, values: readonly number[]): void {
    const v = this.values;
    const at = cell * FIELDS;
    for (let f = 0; f < FIELDS; f++) v[at + f]! += values[f]!;
  }

  /** Adds cell `from` into cell `to` and zeroes `from`. */
  moveCell(from: number, to: number): void {
    this.wasm.moveCell(from, to);
  }

  /** Sets the drain order: the cells to drain, in row order (kept in Wasm memory until changed). */
  setOrder(cells: number[]): void {
    if (cells.length > this.order.length) throw new RangeError("drain order longer than the cell count");
    this.order.set(cells);
  }

  /**
   * Drains the first `count` cells of the drain order, skipping all-zero cells, in chunks of the
   * Wasm output buffer: `sink(rows, n)` gets each chunk, in drain order.
   */
  drain(count: number, sink: DrainSink): void {
    let from = 0;
    while (from < count) {
      const n = this.wasm.drain(from, count);
      sink(this.drained, n);
      from = this.wasm.drainResume();
    }
  }

  /**
   * Bytes the counters take: the Wasm layout (the memory is that size, rounded up to 64 KiB) and
   * the sub-bucket index's records in JS (K > 1 only: 320 B a slot at K = 16).
   */
  memoryBytes(): number {
    return this.wasm.usedBytes() + this.subBuckets.bytes;
  }
}

const EMPTY = new Uint8Array(0);
