// The worker side of a shared route table (src/routing/shared-table.ts): key → route lookup over
// the published version, in JS over the shared memory, by the same rule as the owner's
// RouteTable (the route whose start is the greatest at most the key; common start prefix, then
// the 8-byte window after it, then whole keys when windows tie). One `Atomics.load` per lookup
// (the published address); the buffer it names is never written while a lookup can be in it.
import { prefixSide } from "../keys/window.js";
import {
  B_COUNT,
  B_END,
  B_ENTRIES,
  B_PREFIX_AT,
  B_PREFIX_LEN,
  B_VERSION,
  B_WINDOWS,
  E_KEY_AT,
  E_KEY_LEN,
  ENTRY_WORDS,
  FLIP,
  H_CURRENT,
  H_MAGIC,
  HEADER_WORDS,
  TABLE_MAGIC,
} from "./shared-table.js";

export class SharedTableReader {
  private w: Int32Array;
  private u8: Uint8Array;
  /** Word offset of the version the last lookup searched. */
  private base = 0;

  /** Throws a TypeError naming what is wrong when `memory` is not a shared route table's. */
  constructor(private readonly memory: WebAssembly.Memory) {
    const buffer = memory.buffer as ArrayBufferLike;
    if (typeof SharedArrayBuffer === "undefined" || !(buffer instanceof SharedArrayBuffer))
      throw new TypeError("attachCoordinator: handle.routes is not a shared memory");
    this.w = new Int32Array(buffer);
    this.u8 = new Uint8Array(buffer);
    if (this.w.length < HEADER_WORDS || Atomics.load(this.w, H_MAGIC) !== TABLE_MAGIC)
      throw new TypeError("attachCoordinator: handle.routes is not a keyviz shared route table memory");
  }

  /**
   * Index (start order) of the route holding `key` in the published version, or −1 when none
   * is published (the coordinator closed). `base` then names that version: read its entries
   * (`entryAt`) before this task ends, while the version stays intact.
   */
  indexForKey(key: Uint8Array): number {
    const b = Atomics.load(this.w, H_CURRENT);
    if (b === 0) return -1;
    // The memory grew since these views were made (only the owner grows it, before publishing).
    if (b + B_ENTRIES > this.w.length || this.w[b + B_END]! > this.u8.length) this.refresh();
    this.base = b;
    const w = this.w;
    const count = w[b + B_COUNT]!;
    const p = w[b + B_PREFIX_LEN]!;
    const side = prefixSide(key, this.u8, p, w[b + B_PREFIX_AT]!);
    if (side !== 0) return side < 0 ? 0 : count - 1;
    return this.search(b, count, key, p);
  }

  /** Word offset of the entry (routeId, groupId, ...) of route `index` of version `base`. */
  entryAt(index: number): number {
    return this.base + B_ENTRIES + index * ENTRY_WORDS;
  }

  /** The version number of `base` (changes with every published version). */
  get version(): number {
    return this.w[this.base + B_VERSION]!;
  }

  /** The entry words (`entryAt` offsets index them). */
  get words(): Int32Array {
    return this.w;
  }

  /** Greatest i with start[i] <= key, for a key that starts with the common prefix. */
  private search(b: number, count: number, key: Uint8Array, p: number): number {
    const w = this.w;
    const windows = w[b + B_WINDOWS]!;
    // Flipped like the stored windows: signed comparisons order them as unsigned.
    const kh = flippedWord(key, p);
    const kl = flippedWord(key, p + 4);
    let lo = 0;
    let hi = count;
    // Invariant: start[lo] <= key < start[hi] (start[0] is the lowest key, start[count] beyond all).
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1;
      const h = w[windows + 2 * mid]!;
      let less = +(h < kh);
      if (h === kh) {
        const l = w[windows + 2 * mid + 1]!;
        if (l === kl) return this.searchWhole(b, lo, hi, key);
        less = +(l < kl);
      }
      // Arithmetic, not a branch: which half a random key falls in is a coin flip per step.
      const m = -less;
      lo ^= (lo ^ mid) & m;
      hi ^= (hi ^ mid) & ~m;
    }
    return lo;
  }

  /** The same search comparing whole keys (windows tie: bytes past the window decide). */
  private searchWhole(b: number, lo: number, hi: number, key: Uint8Array): number {
    const w = this.w;
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1;
      const e = b + B_ENTRIES + mid * ENTRY_WORDS;
      if (compareKeys(key, this.u8, w[e + E_KEY_AT]!, w[e + E_KEY_LEN]!) >= 0) lo = mid;
      else hi = mid;
    }
    return lo;
  }

  private refresh(): void {
    const buffer = this.memory.buffer;
    this.w = new Int32Array(buffer);
    this.u8 = new Uint8Array(buffer);
  }
}

/**
 * The big-endian u32 of `key[at, at + 4)` (zero past its end) XOR 2^31, as an i32: the stored
 * windows' form (keys/window.ts windowHigh, in integer operations).
 */
function flippedWord(key: Uint8Array, at: number): number {
  if (at + 4 <= key.length)
    return ((key[at]! ^ 0x80) << 24) | (key[at + 1]! << 16) | (key[at + 2]! << 8) | key[at + 3]!;
  let x = 0;
  for (let i = at; i < at + 4; i++) x = (x << 8) | (i < key.length ? key[i]! : 0);
  return x ^ FLIP;
}

/** Compares `key` with the `n` bytes at `bytes[at]` lexicographically (a prefix sorts first). */
function compareKeys(key: Uint8Array, bytes: Uint8Array, at: number, n: number): number {
  return firstDifference(key, bytes, at, n) || key.length - n;
}

/** `key[i] − bytes[at + i]` at the first i where they differ within both, else 0. */
function firstDifference(key: Uint8Array, bytes: Uint8Array, at: number, n: number): number {
  const m = key.length < n ? key.length : n;
  for (let i = 0; i < m; i++) {
    const d = key[i]! - bytes[at + i]!;
    if (d !== 0) return d;
  }
  return 0;
}
