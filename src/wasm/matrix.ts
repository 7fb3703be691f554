// The `matrix` Wasm module from JS: its export signatures and a bump arena over its memory.
// Memory is grown on demand (matrix builds are not a hot path); typed-array views must be
// created only after the last `alloc` of a phase, since growing detaches earlier views.
import { instantiate } from "./load.js";
import { wasmBase64 } from "./matrix.wasm.js";

export interface MatrixExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  planScratchBytes(n: number): number;
  planMerge(n: number, totals: number, budget: number, scratch: number, starts: number): number;
  setScan(count: number, totals: number, last: number): void;
  scanColumn(column: number, ids: number, values: number, n: number, kinds: number): number;
  setPivot(
    cols: number,
    rows: number,
    rowOfMeta: number,
    groupOfMeta: number,
    values: number,
    groups: number,
    terms: number,
    level: number,
    spare: number,
  ): void;
  scatterColumn(column: number, ids: number, values: number, terms: number, n: number, kinds: number): number;
  finishPivot(rowGroup: number): void;
  resultValues(): number;
  resultGroups(): number;
  resultTerms(): number;
}

const PAGE = 65536;

/** A fresh `matrix` instance plus a bump allocator over its memory. */
export class MatrixArena {
  readonly wasm: MatrixExports;
  private top: number;
  private readonly base: number;

  constructor() {
    this.wasm = instantiate<MatrixExports>(wasmBase64);
    this.base = this.wasm.heapBase();
    this.top = this.base;
  }

  /** Forgets every allocation (the memory keeps its size). */
  reset(): void {
    this.top = this.base;
  }

  /** Reserves `bytes` (16-byte aligned) and grows the memory to cover them; returns the pointer. */
  alloc(bytes: number): number {
    const ptr = this.top;
    this.top = ptr + Math.ceil(bytes / 16) * 16;
    const memory = this.wasm.memory;
    const have = memory.buffer.byteLength;
    if (this.top > have) {
      if (this.top > 0xffff0000) throw new RangeError(`matrix needs ${this.top} bytes of Wasm memory (limit 4 GiB)`);
      memory.grow(Math.ceil((this.top - have) / PAGE));
    }
    return ptr;
  }

  /** Bytes of linear memory currently held. */
  get memoryBytes(): number {
    return this.wasm.memory.buffer.byteLength;
  }

  f64(ptr: number, length: number): Float64Array {
    return new Float64Array(this.wasm.memory.buffer, ptr, length);
  }

  u32(ptr: number, length: number): Uint32Array {
    return new Uint32Array(this.wasm.memory.buffer, ptr, length);
  }
}
