// The sampler's view of its Wasm instance: counters shared through a Float64Array, the route
// ranges used for sub-bucket indexing, and the drain. Everything here is numeric; route
// lifecycle and metadata live in sampler.ts.

import { instantiate } from "./wasm/load.js";
import { wasmBase64 } from "./wasm/sampler.wasm.js";

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
  subBucketOf(slot: number, keyLen: number): number;
  observeKey(rangeSlot: number, countSlot: number, op: number, keyLen: number, bytes: number): void;
  moveCell(from: number, to: number): void;
  drain(from: number, to: number): number;
  drainResume(): number;
  usedBytes(): number;
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

  constructor(
    readonly slots: number,
    readonly maxK: number,
  ) {
    this.wasm = instantiate<SamplerExports>(wasmBase64);
    if (this.wasm.init(slots, maxK) !== 0) {
      throw new RangeError(`cannot allocate counters for ${slots} slots × ${maxK} sub-buckets`);
    }
    this.scratchLen = this.wasm.scratchBytes();
    this.refreshViews();
  }

  /** Typed-array views die when memory grows; re-made after every call that may grow it. */
  private refreshViews(): void {
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
    this.refreshViews();
    if (effective === 0) throw new RangeError("out of memory for route keys");
    return effective;
  }

  private copyKey(key: Uint8Array): number {
    // Bytes past the scratch size never change a sub-bucket index: route keys are at most half
    // the scratch, and the index only reads 8 bytes past their common prefix.
    if (key.length <= this.scratchLen) {
      this.scratch.set(key);
      return key.length;
    }
    this.scratch.set(key.subarray(0, this.scratchLen));
    return this.scratchLen;
  }

  /** Counts one sample of `key` into `countSlot`, sub-bucket by `rangeSlot`'s range (one Wasm call). */
  observeKey(rangeSlot: number, countSlot: number, op: number, key: Uint8Array, bytes: number): void {
    const len = this.copyKey(key);
    this.wasm.observeKey(rangeSlot, countSlot, op, len, bytes);
  }

  subBucketOf(slot: number, key: Uint8Array): number {
    return this.wasm.subBucketOf(slot, this.copyKey(key));
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
