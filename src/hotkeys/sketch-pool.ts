// The hot-keys tracker's Wasm side (assembly/hotkeys.ts): a pool of Space-Saving sketches in one
// linear memory, and the ring of queued samples that feeds them. A sample is a key copy into the
// ring plus two int stores; `drain` folds the whole ring into the sketches with one Wasm call.
// The memory is sized once (scripts/build-wasm.mjs, INITIAL_PAGES: 32 MiB, committed only as
// sketches are touched) and never grows, so the views made here stay valid. Sizing: the ring
// takes queueSize × (8 + 48) bytes, a sketch 32 + 2·T + 2m + 64m bytes (T = the hash table size,
// the power of two ≥ 4m, the records 64-aligned): 4 800 bytes at m = 64, 19 008 at m = 256, so the
// pool holds 6 942 sketches of m = 64 (1 753 of m = 256) at the default queue. When it is full,
// or a key is longer than INLINE_KEY_BYTES, the tracker uses the JS sketch (space-saving.ts) for
// that (route, label) until the next publish.

import {
  INLINE_KEY_BYTES,
  RECORD_BYTES,
  SEQ_BITS,
  instantiateHotkeys,
  type HotkeysExports,
} from "../wasm/hotkeys.wasm.js";
import type { SketchEntry, SketchState } from "./space-saving.js";

export { INLINE_KEY_BYTES };

const SEQ_MASK = 2 ** SEQ_BITS - 1;

export class SketchPool {
  /** How many sketches fit. */
  readonly capacity: number;
  /** Ring entries waiting for `drain`. */
  queued = 0;
  private readonly wasm: HotkeysExports;
  private readonly bytes: Uint8Array;
  private readonly words: Int32Array;
  private readonly u32: Uint32Array;
  private readonly f64: Float64Array;
  private readonly metaWord: number;
  private readonly keysAt: number;
  private keyBytes = 0;
  /** Released sketch indices (a stack), then the never-used ones from `fresh`. */
  private readonly free: Int32Array;
  private freeCount = 0;
  private fresh = 0;

  constructor(
    perRoute: number,
    readonly queueSize: number,
  ) {
    this.wasm = instantiateHotkeys();
    this.capacity = this.wasm.init(perRoute, queueSize);
    const buffer = this.wasm.memory.buffer;
    this.bytes = new Uint8Array(buffer);
    this.words = new Int32Array(buffer);
    this.u32 = new Uint32Array(buffer);
    this.f64 = new Float64Array(buffer);
    this.metaWord = this.wasm.metaAt() >> 2;
    this.keysAt = this.wasm.keysAt();
    this.free = new Int32Array(this.capacity);
  }

  /** Bytes of the pool's Wasm memory: reserved whole at start (pages commit as sketches are touched). */
  get memoryBytes(): number {
    return this.bytes.byteLength;
  }

  /** An empty sketch's index, or −1 when the pool is full. */
  attach(): number {
    let index: number;
    if (this.freeCount > 0) index = this.free[--this.freeCount]!;
    else if (this.fresh < this.capacity) index = this.fresh++;
    else return -1;
    this.wasm.reset(index);
    return index;
  }

  /** Gives sketch `index` back (call `drain` first if the ring may still name it). */
  release(index: number): void {
    this.free[this.freeCount++] = index;
  }

  /** Queues `key` (≤ INLINE_KEY_BYTES) for sketch `index`; false when the ring is full. Hot path. */
  push(index: number, key: Uint8Array): boolean {
    const q = this.queued;
    if (q === this.queueSize) return false;
    const len = key.length;
    // TypedArray#set, not a byte loop: 15 vs 23 ns a push for the benchmark's 18-byte keys (the
    // loop reloads both arrays' bounds and data pointers every byte).
    this.bytes.set(key, this.keysAt + this.keyBytes);
    this.keyBytes += (len + 7) & ~7; // keys start 8-aligned: the Wasm side reads 8 bytes at a time
    const meta = this.metaWord + 2 * q;
    this.words[meta] = index;
    this.words[meta + 1] = len;
    this.queued = q + 1;
    return true;
  }

  /** Folds every queued sample into its sketch, in order. */
  drain(): void {
    if (this.queued > 0) this.wasm.drain(this.queued);
    this.queued = 0;
    this.keyBytes = 0;
  }

  /** Empties sketch `index`. */
  reset(index: number): void {
    this.wasm.reset(index);
  }

  /** Samples sketch `index` counted since its reset (N). */
  total(index: number): number {
    return this.f64[(this.wasm.sketchAt(index) + 8) >> 3]!;
  }

  /** Samples sketch `index` could not count (more than 2^40 − 1 in one step). */
  lost(index: number): number {
    return this.f64[(this.wasm.sketchAt(index) + 16) >> 3]!;
  }

  /** Tracked keys (copies) and counts of sketch `index`, unordered. */
  entries(index: number): SketchEntry[] {
    const s = this.state(index);
    return s.keys.map((key, i) => ({ key, count: s.counts[i]! }));
  }

  /** Everything sketch `index` holds. */
  state(index: number): SketchState {
    const header = this.wasm.sketchAt(index);
    const used = this.u32[header >> 2]!;
    const records = this.wasm.recordsAt(index);
    const out: SketchState = {
      keys: [],
      counts: [],
      seqs: [],
      total: this.total(index),
      seq: this.u32[(header + 4) >> 2]!,
    };
    for (let slot = 0; slot < used; slot++) {
      const at = records + slot * RECORD_BYTES;
      const len = this.bytes[at + 52]! | (this.bytes[at + 53]! << 8);
      const low = this.u32[(at + 56) >> 2]!;
      const high = this.u32[(at + 60) >> 2]!;
      out.keys.push(this.bytes.slice(at, at + len));
      out.counts.push(high * 2 ** (32 - SEQ_BITS) + Math.floor(low / 2 ** SEQ_BITS));
      out.seqs.push(low & SEQ_MASK);
    }
    return out;
  }
}
