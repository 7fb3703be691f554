// The sampler's view of its Wasm instance: counters shared through a Float64Array, the route
// ranges used for sub-bucket indexing, and the drain. Everything here is numeric; route
// lifecycle and metadata live in sampler.ts.

import { instantiate } from "../wasm/load.js";
import { wasmBase64 } from "../wasm/sampler.wasm.js";

interface SamplerExports {
  init(slots: number, k: number): number;
  scratchPtr(): number;
  orderPtr(): number;
  outIdxPtr(): number;
  outValPtr(): number;
  countersPtr(): number;
  outCap(): number;
  scratchBytes(): number;
  setSlotRange(slot: number, startLen: number, endLen: number, k: number): number;
  slotPrefixLen(slot: number): number;
  observeWindow(rangeSlot: number, countSlot: number, op: number, side: number, wHi: number, wLo: number, bytes: number): void;
  moveCell(from: number, to: number): void;
  drain(from: number, to: number): number;
  drainResume(): number;
}

/** A chunk of drained rows: `idx[i]` is the cell, `val[4i..4i+3]` its four counters. */
export type DrainSink = (idx: Uint32Array, val: Float64Array, n: number) => void;

export class Counters {
  /** Counter view: cell c occupies [4c, 4c + 4) as reads, writes, readBytes, writeBytes. */
  values!: Float64Array;
  private scratch!: Uint8Array;
  private order!: Uint32Array;
  private readonly wasm: SamplerExports & { memory: WebAssembly.Memory };
  private readonly scratchLen: number;
  /** Per slot: the common prefix length of its range, and its start key (JS side of the index). */
  private readonly prefixOf: Int32Array;
  private readonly startOf: (Uint8Array | null)[];

  constructor(
    readonly slots: number,
    readonly maxK: number,
  ) {
    this.wasm = instantiate<SamplerExports>(wasmBase64);
    if (this.wasm.init(slots, maxK) !== 0) {
      throw new RangeError(`cannot allocate counters for ${slots} slots × ${maxK} sub-buckets`);
    }
    this.scratchLen = this.wasm.scratchBytes();
    this.prefixOf = new Int32Array(slots);
    this.startOf = new Array(slots).fill(null);
    this.makeViews();
  }

  /** Views over the layout; memory is sized once in `init` and never grows afterwards. */
  private makeViews(): void {
    const buf = this.wasm.memory.buffer;
    const cells = this.slots * this.maxK;
    this.values = new Float64Array(buf, this.wasm.countersPtr(), cells * 4);
    this.scratch = new Uint8Array(buf, this.wasm.scratchPtr(), this.scratchLen);
    this.order = new Uint32Array(buf, this.wasm.orderPtr(), cells);
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
    const effective = this.wasm.setSlotRange(slot, startLen, end === null ? -1 : end.length, k);
    this.prefixOf[slot] = this.wasm.slotPrefixLen(slot);
    this.startOf[slot] = start;
    return effective;
  }

  /**
   * Counts one sample of `key` into `countSlot`, sub-bucket by `rangeSlot`'s range: one Wasm
   * call. Only what the index reads crosses the boundary (which side of the route's common
   * prefix the key falls, else its 8-byte window after the prefix); copying the key bytes into
   * Wasm memory would cost more than everything else together.
   */
  observeKey(rangeSlot: number, countSlot: number, op: number, key: Uint8Array, bytes: number): void {
    const p = this.prefixOf[rangeSlot];
    const start = this.startOf[rangeSlot];
    const len = key.length;
    const n = len < p ? len : p;
    let side = 0;
    for (let i = 0; i < n; i++) {
      const d = key[i] - start![i];
      if (d !== 0) {
        side = d;
        break;
      }
    }
    if (side === 0 && len < p) side = -1; // a proper prefix of the common prefix sorts below the start
    let hi = 0;
    let lo = 0;
    if (side === 0) {
      for (let i = p; i < p + 4; i++) hi = hi * 256 + (i < len ? key[i] : 0);
      for (let i = p + 4; i < p + 8; i++) lo = lo * 256 + (i < len ? key[i] : 0);
    }
    this.wasm.observeWindow(rangeSlot, countSlot, op, side, hi, lo, bytes);
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
   * Drains the first `count` cells of the drain order, skipping all-zero cells. Rows come out in
   * chunks: `sink(idx, val, n)` gets n cell indexes and their counters (4 per row), valid only
   * during the call.
   */
  drain(count: number, sink: DrainSink): void {
    const buf = this.wasm.memory.buffer;
    const outIdx = new Uint32Array(buf, this.wasm.outIdxPtr(), this.wasm.outCap());
    const outVal = new Float64Array(buf, this.wasm.outValPtr(), this.wasm.outCap() * 4);
    let from = 0;
    while (from < count) {
      const n = this.wasm.drain(from, count);
      sink(outIdx, outVal, n);
      from = this.wasm.drainResume();
    }
  }

  memoryBytes(): number {
    return this.wasm.memory.buffer.byteLength;
  }
}

const EMPTY = new Uint8Array(0);
