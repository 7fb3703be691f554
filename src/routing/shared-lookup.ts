// The worker side of a shared route table (src/routing/shared-table.ts): key → route lookup over
// the published version, in JS over the shared memory, by the same rule as the owner's
// RouteTable (the route whose start is the greatest at most the key; common start prefix, then
// the 8-byte window after it, then whole keys when windows tie). One `Atomics.load` per lookup
// (the published address); the buffer it names is never written while a lookup can be in it.
import { windowHigh, windowLow } from "../keys/window.js";
import {
  B_COUNT,
  B_END,
  B_ENTRIES,
  B_PREFIX_AT,
  B_PREFIX_LEN,
  E_HIGH,
  E_KEY_AT,
  E_KEY_LEN,
  E_LOW,
  ENTRY_WORDS,
  H_CURRENT,
  H_MAGIC,
  HEADER_WORDS,
  TABLE_MAGIC,
} from "./shared-table.js";

export class SharedTableReader {
  private w: Int32Array;
  private u8: Uint8Array;

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
   * Word offset of the entry (routeId, groupId, ...) of the route holding `key` in the published
   * version, or −1 when none is published (the coordinator closed). Read the entry before the
   * next call: the version stays intact only while this task runs.
   */
  entryForKey(key: Uint8Array): number {
    const b = Atomics.load(this.w, H_CURRENT);
    if (b === 0) return -1;
    // The memory grew since these views were made (only the owner grows it, before publishing).
    if (b + B_ENTRIES > this.w.length || this.w[b + B_END]! > this.u8.length) this.refresh();
    const w = this.w;
    const count = w[b + B_COUNT]!;
    const p = w[b + B_PREFIX_LEN]!;
    const side = compareAt(key, 0, p, this.u8, w[b + B_PREFIX_AT]!, p, true);
    const i = side < 0 ? 0 : side > 0 ? count - 1 : this.search(b, count, key, p);
    return b + B_ENTRIES + i * ENTRY_WORDS;
  }

  /** The entry words (`entryForKey` offsets index them). */
  get words(): Int32Array {
    return this.w;
  }

  /** Greatest i with start[i] <= key, for a key that starts with the common prefix. */
  private search(b: number, count: number, key: Uint8Array, p: number): number {
    const w = this.w;
    const hi32 = windowHigh(key, p);
    const lo32 = windowLow(key, p);
    let lo = 0;
    let hi = count;
    // Invariant: start[lo] <= key < start[hi] (start[0] is the lowest key, start[count] beyond all).
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1;
      const e = b + B_ENTRIES + mid * ENTRY_WORDS;
      const h = w[e + E_HIGH]! >>> 0;
      const l = w[e + E_LOW]! >>> 0;
      if (h === hi32 && l === lo32) return this.searchWhole(b, lo, hi, key);
      if (h < hi32 || (h === hi32 && l < lo32)) lo = mid;
      else hi = mid;
    }
    return lo;
  }

  /** The same search comparing whole keys (windows tie: bytes past the window decide). */
  private searchWhole(b: number, lo: number, hi: number, key: Uint8Array): number {
    const w = this.w;
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1;
      const e = b + B_ENTRIES + mid * ENTRY_WORDS;
      const len = w[e + E_KEY_LEN]!;
      if (compareAt(key, 0, key.length, this.u8, w[e + E_KEY_AT]!, len, false) >= 0) lo = mid;
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
 * Compares `key[from, from + len)` with `bytes[at, at + n)` lexicographically. With `prefix`,
 * 0 means the key starts with those n bytes (a longer key is not "above" them).
 */
function compareAt(
  key: Uint8Array,
  from: number,
  len: number,
  bytes: Uint8Array,
  at: number,
  n: number,
  prefix: boolean,
): number {
  const keyLen = Math.min(key.length - from, len);
  const m = keyLen < n ? keyLen : n;
  for (let i = 0; i < m; i++) {
    const d = key[from + i]! - bytes[at + i]!;
    if (d !== 0) return d;
  }
  if (keyLen < n) return -1;
  return prefix || keyLen === n ? 0 : 1;
}
