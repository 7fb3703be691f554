// The one bump allocator over a Wasm instance's memory, for modules whose memory JS lays out
// (matrix, routes; the sampler module lays out its own in `init`). Allocation is a pointer bump
// inside the memory as it is: the arena never grows it, because a grow detaches the buffer and a
// detach slows every typed-array access in the process from then on (docs/design.md). An alloc
// past the memory throws ArenaFull; the owner moves to a new instance with a bigger memory (the
// matrix runs the phase again, src/wasm/matrix.ts; a route table asks `fits` and moves before it
// allocates). So typed-array views of `buffer` stay valid for the instance's life. `mark`/`release`
// let a nested phase (the row-budget plan inside a matrix build) borrow space on top of its
// caller's without disturbing it.

/** A Wasm page. */
export const PAGE = 65536;
/** Linear memory is addressed with u32 pointers: stay below 4 GiB. */
const MAX_BYTES = 0xffff0000;
/** The most pages an arena's memory may have (MAX_BYTES of them). */
export const MAX_PAGES = MAX_BYTES / PAGE;

/**
 * Pages for the memory an owner moves to when `neededBytes` (with the owner's own slack) no longer
 * fit in `haveBytes`: at least double, so a growing owner moves O(log n) times, and at most
 * MAX_PAGES; 0 when the memory is at that bound already (the owner then lets ArenaFull escape).
 */
export function pagesToMove(haveBytes: number, neededBytes: number): number {
  const pages = Math.min(MAX_PAGES, Math.max(2 * Math.ceil(haveBytes / PAGE), Math.ceil(neededBytes / PAGE)));
  return pages * PAGE > haveBytes ? pages : 0;
}

/**
 * An `alloc` past the arena's memory: its owner moves to a bigger memory instead of growing this
 * one. A RangeError, so one that escapes (the memory at the 4 GiB bound already) still reads as
 * what it is.
 */
export class ArenaFull extends RangeError {
  constructor(
    readonly neededBytes: number,
    haveBytes: number,
  ) {
    super(`needs ${neededBytes} bytes of Wasm memory, the instance has ${haveBytes}`);
  }
}

export class WasmArena {
  private top: number;

  constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly base: number,
  ) {
    this.top = base;
  }

  /** Forgets every allocation (the memory keeps its size). */
  reset(): void {
    this.top = this.base;
  }

  /** The current top, to `release` back to after a nested phase. */
  mark(): number {
    return this.top;
  }

  /** Frees everything allocated since `mark`. */
  release(mark: number): void {
    if (mark < this.base || mark > this.top)
      throw new RangeError(`arena release to ${mark} outside [${this.base}, ${this.top}]`);
    this.top = mark;
  }

  /** Whether `alloc(bytes)` fits in the memory as it is (does not grow it). */
  fits(bytes: number): boolean {
    return this.top + Math.ceil(bytes / 16) * 16 <= this.memory.buffer.byteLength;
  }

  /** Reserves `bytes` (16-byte aligned start); returns the pointer. Throws ArenaFull past the memory. */
  alloc(bytes: number): number {
    const ptr = this.top;
    const top = ptr + Math.ceil(bytes / 16) * 16;
    const have = this.memory.buffer.byteLength;
    if (top > have) {
      if (top > MAX_BYTES) throw new RangeError(`needs ${top} bytes of Wasm memory (limit 4 GiB)`);
      throw new ArenaFull(top, have);
    }
    this.top = top;
    return ptr;
  }

  /** The memory's buffer (never detached: the arena does not grow it). */
  get buffer(): ArrayBuffer {
    return this.memory.buffer;
  }

  /** Bytes of linear memory currently held. */
  get memoryBytes(): number {
    return this.memory.buffer.byteLength;
  }

  f64(ptr: number, length: number): Float64Array {
    return new Float64Array(this.memory.buffer, ptr, length);
  }

  u32(ptr: number, length: number): Uint32Array {
    return new Uint32Array(this.memory.buffer, ptr, length);
  }
}
