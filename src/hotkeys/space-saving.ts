// Space-Saving heavy-hitter sketch (Metwally, Agrawal, El Abbadi 2005) of fixed capacity m.
//
// Update rule (SPEC §7): a tracked key gets count + 1; an untracked key is inserted with count 1
// while there is room; otherwise the minimum entry is evicted and the new key takes its slot with
// count min + 1. Guarantee over the N updates seen: the counts sum to N, every count is ≥ the
// key's true frequency, and every key with frequency > N/m is tracked.
//
// Layout (chosen by measurement, see docs/hot-keys.md): keys are identified by their bytes through
// an open-addressing hash table (FNV-1a, linear probing, backward-shift deletion) over slot
// numbers, and a binary min-heap of slots orders them for eviction; all in typed arrays. Keys of
// up to INLINE_KEY_BYTES live inline in one per-sketch byte array (slot i at i × INLINE_KEY_BYTES),
// so an update allocates nothing unless a longer key enters the sketch. An update is a hash of the
// key, a probe, and O(log m) sift steps. Measured alternatives (docs/hot-keys.md): a Map keyed by
// a string of the bytes (building the string alone cost more than this whole update) and a
// `Uint8Array` copy per inserted key (the allocation cost ~90 ns, more than the update).
//
// Ties are broken by recency: the heap orders slots by (count, last update), so among entries of
// equal minimum count the one updated least recently is evicted. `entries()` lists by count
// descending, then key bytes ascending. Both rules are deterministic for a given input sequence.

import { compareBytes } from "../keys/bytes.js";
import { checkInteger } from "../validate.js";

/** One tracked key of a sketch and its Space-Saving count. */
export interface SketchEntry {
  /** A fresh copy of the key. */
  key: Uint8Array;
  count: number;
}

/** Everything a sketch holds, slot by slot (the Wasm pool's sketch moved to a JS one). */
export interface SketchState {
  keys: Uint8Array[];
  counts: number[];
  /** Per key, its last update's sequence number (orders ties, SPEC §7). */
  seqs: number[];
  /** Samples counted (N). */
  total: number;
  /** The sketch's current sequence number (≥ every seq). */
  seq: number;
}

export const MAX_SKETCH_CAPACITY = 256;
/** Keys up to this length are stored inline; longer ones in their own array. */
export const INLINE_KEY_BYTES = 48;

/** FNV-1a's 32-bit offset basis (as a signed int) and prime. */
export const FNV_OFFSET = 0x811c9dc5 | 0;
export const FNV_PRIME = 0x01000193;

/** FNV-1a over `length` bytes of `src` from `offset` (32-bit, as a signed int). */
export function hashBytes(src: Uint8Array, offset: number, length: number): number {
  let h = FNV_OFFSET;
  for (let i = offset, end = offset + length; i < end; i++) h = Math.imul(h ^ src[i]!, FNV_PRIME);
  return h;
}

export class SpaceSavingSketch {
  readonly capacity: number;
  private readonly inline: Uint8Array; // slot i's key at i × INLINE_KEY_BYTES when short
  private readonly inlineWords: Int32Array; // the same bytes, 4 at a time (for equality only)
  private readonly longKeys: (Uint8Array | null)[]; // slot i's key when longer than INLINE_KEY_BYTES
  private readonly lengths: Int32Array;
  private readonly hashes: Int32Array;
  // Per slot: [2i] count, [2i + 1] sequence number of its last update. Interleaved so that a heap
  // comparison touches one cache line per slot (sketches of many routes are mostly cold).
  private readonly order: Float64Array;
  private readonly heap: Int32Array; // heap position → slot
  private readonly position: Int32Array; // slot → heap position
  private readonly table: Int32Array; // hash table of slot + 1 (0 = empty)
  private readonly mask: number;
  private used = 0;
  private seq = 0;
  private n = 0;

  constructor(capacity: number) {
    checkInteger("capacity", capacity);
    if (capacity < 1 || capacity > MAX_SKETCH_CAPACITY) {
      throw new RangeError(`capacity must be in 1..${MAX_SKETCH_CAPACITY}, got ${capacity}`);
    }
    this.capacity = capacity;
    this.inline = new Uint8Array(capacity * INLINE_KEY_BYTES);
    this.inlineWords = new Int32Array(this.inline.buffer);
    this.longKeys = new Array<Uint8Array | null>(capacity).fill(null);
    this.lengths = new Int32Array(capacity);
    this.hashes = new Int32Array(capacity);
    this.order = new Float64Array(2 * capacity);
    this.heap = new Int32Array(capacity);
    this.position = new Int32Array(capacity);
    let size = 4;
    while (size < capacity * 4) size *= 2; // load factor ≤ 1/4 keeps probe runs short
    this.table = new Int32Array(size);
    this.mask = size - 1;
  }

  /** Bytes of key and counter storage: the typed arrays, plus the copies of long keys. */
  get bytes(): number {
    let long = 0;
    for (let i = 0; i < this.used; i++) long += this.longKeys[i]?.length ?? 0;
    return (
      this.inline.byteLength +
      this.lengths.byteLength +
      this.hashes.byteLength +
      this.order.byteLength +
      this.heap.byteLength +
      this.position.byteLength +
      this.table.byteLength +
      long
    );
  }

  /** Number of tracked keys (≤ capacity). */
  get size(): number {
    return this.used;
  }

  /** Number of updates since the last reset: N, also the sum of all counts. */
  get total(): number {
    return this.n;
  }

  /** Counts one occurrence of `key` (copied if it enters the sketch). */
  add(key: Uint8Array): void {
    this.addFrom(key, 0, key.length, hashBytes(key, 0, key.length));
  }

  /**
   * Counts one occurrence of the key `src[offset, offset + length)` whose `hashBytes` is `hash`
   * (lets a caller hash once and add straight from a shared buffer). `srcWords`, an Int32Array
   * over the same bytes as `src` (same buffer and start), lets a 4-aligned `offset` be compared
   * 4 bytes at a time.
   */
  addFrom(src: Uint8Array, offset: number, length: number, hash: number, srcWords: Int32Array | null = null): void {
    const seq = ++this.seq;
    this.n++;
    let at = hash & this.mask;
    for (let entry = this.table[at]!; entry !== 0; entry = this.table[at]!) {
      const slot = entry - 1;
      if (this.hashes[slot] === hash && this.keyEquals(slot, src, offset, length, srcWords)) {
        this.order[2 * slot]!++;
        this.order[2 * slot + 1] = seq;
        this.siftDown(this.position[slot]!);
        return;
      }
      at = (at + 1) & this.mask;
    }
    // Not tracked; `at` is the empty table cell where it belongs.
    if (this.used < this.capacity) {
      const slot = this.used++;
      this.fill(slot, src, offset, length, hash, 1, seq);
      this.table[at] = slot + 1;
      this.heap[slot] = slot;
      this.position[slot] = slot;
      this.siftUp(slot);
      return;
    }
    const victim = this.heap[0]!;
    this.unlink(victim);
    this.fill(victim, src, offset, length, hash, this.order[2 * victim]! + 1, seq);
    this.link(victim);
    this.siftDown(0);
  }

  /** The count of `key`, or 0 when it is not tracked. */
  countOf(key: Uint8Array): number {
    const hash = hashBytes(key, 0, key.length);
    for (
      let at = hash & this.mask, entry = this.table[at]!;
      entry !== 0;
      at = (at + 1) & this.mask, entry = this.table[at]!
    ) {
      const slot = entry - 1;
      if (this.hashes[slot] === hash && this.keyEquals(slot, key, 0, key.length)) return this.order[2 * slot]!;
    }
    return 0;
  }

  /** Tracked keys (copies), count descending then key bytes ascending. */
  entries(): SketchEntry[] {
    const out: SketchEntry[] = [];
    for (let slot = 0; slot < this.used; slot++) out.push({ key: this.keyOf(slot), count: this.order[2 * slot]! });
    return out.sort(byCountThenKey);
  }

  /** Forgets every key and the total. */
  reset(): void {
    this.longKeys.fill(null);
    this.table.fill(0);
    this.used = 0;
    this.seq = 0;
    this.n = 0;
  }

  /**
   * Replaces the contents by `state` (at most `capacity` distinct keys): updates then continue
   * exactly as in the sketch `state` was read from (same counts, same tie order).
   */
  restore(state: SketchState): void {
    this.reset();
    for (let i = 0; i < state.keys.length; i++) {
      const key = state.keys[i]!;
      const slot = this.used++;
      this.fill(slot, key, 0, key.length, hashBytes(key, 0, key.length), state.counts[i]!, state.seqs[i]!);
      this.link(slot);
      this.heap[slot] = slot;
      this.position[slot] = slot;
      this.siftUp(slot);
    }
    this.n = state.total;
    this.seq = state.seq;
  }

  private keyOf(slot: number): Uint8Array {
    const length = this.lengths[slot]!;
    if (length > INLINE_KEY_BYTES) return this.longKeys[slot]!.slice();
    const at = slot * INLINE_KEY_BYTES;
    return this.inline.slice(at, at + length);
  }

  private keyEquals(
    slot: number,
    src: Uint8Array,
    offset: number,
    length: number,
    srcWords: Int32Array | null = null,
  ): boolean {
    if (this.lengths[slot] !== length) return false;
    if (length > INLINE_KEY_BYTES) return equalBytes(this.longKeys[slot]!, 0, src, offset, length);
    const at = slot * INLINE_KEY_BYTES;
    if (srcWords === null || (offset & 3) !== 0) return equalBytes(this.inline, at, src, offset, length);
    // Whole words (raw bytes on both sides, so byte order does not matter), then the tail.
    const words = length >> 2;
    const mine = this.inlineWords;
    const a = at >> 2;
    const b = offset >> 2;
    for (let i = 0; i < words; i++) if (mine[a + i] !== srcWords[b + i]) return false;
    const done = words << 2;
    return equalBytes(this.inline, at + done, src, offset + done, length - done);
  }

  private fill(
    slot: number,
    src: Uint8Array,
    offset: number,
    length: number,
    hash: number,
    count: number,
    seq: number,
  ): void {
    if (length > INLINE_KEY_BYTES) {
      this.longKeys[slot] = src.slice(offset, offset + length);
    } else {
      this.longKeys[slot] = null;
      const at = slot * INLINE_KEY_BYTES;
      for (let i = 0; i < length; i++) this.inline[at + i] = src[offset + i]!;
    }
    this.lengths[slot] = length;
    this.hashes[slot] = hash;
    this.order[2 * slot] = count;
    this.order[2 * slot + 1] = seq;
  }

  /** Inserts `slot` into the hash table (its key is known to be absent). */
  private link(slot: number): void {
    let at = this.hashes[slot]! & this.mask;
    while (this.table[at] !== 0) at = (at + 1) & this.mask;
    this.table[at] = slot + 1;
  }

  /** Removes `slot` from the hash table, shifting later probe-run entries back over the hole. */
  private unlink(slot: number): void {
    const mask = this.mask;
    let hole = this.hashes[slot]! & mask;
    while (this.table[hole] !== slot + 1) hole = (hole + 1) & mask;
    for (let at = (hole + 1) & mask; this.table[at] !== 0; at = (at + 1) & mask) {
      const home = this.hashes[this.table[at]! - 1]! & mask;
      // Move the entry into the hole unless its home lies cyclically in (hole, at].
      const stays = hole <= at ? hole < home && home <= at : hole < home || home <= at;
      if (!stays) {
        this.table[hole] = this.table[at]!;
        hole = at;
      }
    }
    this.table[hole] = 0;
  }

  private less(a: number, b: number): boolean {
    const order = this.order;
    const ca = order[2 * a]!;
    const cb = order[2 * b]!;
    return ca < cb || (ca === cb && order[2 * a + 1]! < order[2 * b + 1]!);
  }

  private place(at: number, slot: number): void {
    this.heap[at] = slot;
    this.position[slot] = at;
  }

  private siftUp(at: number): void {
    const slot = this.heap[at]!;
    while (at > 0) {
      const parentAt = (at - 1) >> 1;
      const parent = this.heap[parentAt]!;
      if (!this.less(slot, parent)) break;
      this.place(at, parent);
      at = parentAt;
    }
    this.place(at, slot);
  }

  private siftDown(at: number): void {
    const slot = this.heap[at]!;
    const used = this.used;
    for (;;) {
      let childAt = 2 * at + 1;
      if (childAt >= used) break;
      if (childAt + 1 < used && this.less(this.heap[childAt + 1]!, this.heap[childAt]!)) childAt++;
      const child = this.heap[childAt]!;
      if (!this.less(child, slot)) break;
      this.place(at, child);
      at = childAt;
    }
    this.place(at, slot);
  }
}

function equalBytes(a: Uint8Array, aOffset: number, b: Uint8Array, bOffset: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (a[aOffset + i] !== b[bOffset + i]) return false;
  return true;
}

/** Count descending, then key bytes ascending: the order of `entries()`. */
export function byCountThenKey(a: SketchEntry, b: SketchEntry): number {
  return a.count !== b.count ? b.count - a.count : compareBytes(a.key, b.key);
}
