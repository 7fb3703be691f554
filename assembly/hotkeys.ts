// Hot-keys sketches (SPEC §7) in linear memory: a pool of Space-Saving sketches of capacity m and
// the ring of queued samples that feeds them, drained by one call per batch (src/hotkeys/
// sketch-pool.ts owns the lifecycle; src/hotkeys/space-saving.ts is the same structure in JS,
// used for keys longer than INLINE_KEY_BYTES and when the pool is full). Issue 14's profile: the
// JS sketch update cost ~60 ns a sample, mostly typed-array and object indirections; here a
// tracked key is a hash of 8-byte words, a probe and one 64-byte record.
//
// Memory is laid out once by `init` inside the initial memory (scripts/build-wasm.mjs,
// INITIAL_PAGES) and never grows: growing would detach the JS views.
//   [heap base, 64-aligned)  scratch: MAX_CAPACITY u32 (renumber)
//   then                     ring meta: queueSize × (sketch index u32, key length u32)
//   then                     ring keys: queueSize × 48 bytes, each key 8-aligned
//   then                     the pool: as many sketches as fit, SKETCH_BYTES each
// A sketch: a 32-byte header (used u32 @0, seq u32 @4, n f64 @8, lost f64 @16), a hash table of
// u16 (slot + 1, 0 = empty; linear probing, backward-shift deletion, load ≤ 1/4), a min-heap of
// u16 slots, then m records of 64 bytes (one cache line): key[48] | hash u32 @48 | len u16 @52 |
// heap position u16 @54 | order u64 @56. order = count << 24 | seq: one unsigned compare orders by
// (count, last update), the tie-break of SPEC §7 (least recently updated minimum is evicted).
// seq restarts from the ranks when it reaches 2^24 (relative order kept); a sketch takes at most
// 2^40 − 1 samples a step (more are counted in `lost`, reported as dropped).
// The heap only serves eviction, so it is built when the sketch fills (`heapify`) and kept only
// while it is full: a sketch that tracks fewer than m keys in a step (most routes: a hot route
// has few distinct keys, a cold one few samples) counts a sample without any sift.

/** Keys up to this many bytes are sketched here (the same bound as the JS sketch's inline keys). */
export const INLINE_KEY_BYTES: u32 = 48;
/** Bytes of one slot record. */
export const RECORD_BYTES: u32 = 64;
/** Bytes of a ring meta entry (sketch index, key length). */
export const META_BYTES: u32 = 8;
/** Bytes of a sketch header. */
export const HEADER_BYTES: u32 = 32;
/** Low bits of `order` holding the sequence number. */
export const SEQ_BITS: u32 = 24;

/** Largest m (SPEC §7): slots are u16 in the table and the heap; the scratch area holds m ranks. */
export const MAX_CAPACITY: u32 = 256;
const SEQ_LIMIT: u32 = 1 << SEQ_BITS;
const MAX_SAMPLES: f64 = <f64>((<u64>1 << (64 - SEQ_BITS)) - 1);
const K1: u64 = 0x9e3779b97f4a7c15;
const K2: u64 = 0xff51afd7ed558ccd;

let M: u32 = 0;
let MASK: u32 = 0;
let HEAP_OFF: u32 = 0;
let RECORDS_OFF: u32 = 0;
let SKETCH_BYTES: u32 = 0;
let SCRATCH: usize = 0;
let META: usize = 0;
let KEYS: usize = 0;
let POOL: usize = 0;
let SKETCHES: u32 = 0;

/** Lays out a ring of `queueSize` samples and sketches of capacity `m`; returns how many sketches fit. */
export function init(m: u32, queueSize: u32): u32 {
  M = m;
  let t: u32 = 4;
  while (t < m * 4) t <<= 1;
  MASK = t - 1;
  HEAP_OFF = HEADER_BYTES + t * 2;
  RECORDS_OFF = (HEAP_OFF + m * 2 + 63) & ~63;
  SKETCH_BYTES = RECORDS_OFF + m * RECORD_BYTES;
  SCRATCH = (__heap_base + 63) & ~63;
  META = SCRATCH + MAX_CAPACITY * 4;
  KEYS = META + <usize>queueSize * META_BYTES;
  POOL = (KEYS + <usize>queueSize * INLINE_KEY_BYTES + 63) & ~63;
  const size = <usize>memory.size() << 16;
  SKETCHES = size > POOL ? <u32>((size - POOL) / SKETCH_BYTES) : 0;
  return SKETCHES;
}

/** Where the ring's meta entries start. */
export function metaAt(): usize {
  return META;
}

/** Where the ring's key bytes start. */
export function keysAt(): usize {
  return KEYS;
}

/** Where sketch `index`'s records start (record s at + s × RECORD_BYTES). */
export function recordsAt(index: u32): usize {
  return sketchAt(index) + RECORDS_OFF;
}

/** Where sketch `index`'s header starts. */
export function sketchAt(index: u32): usize {
  return POOL + <usize>index * SKETCH_BYTES;
}

/** Empties sketch `index` (no keys, n = 0). */
export function reset(index: u32): void {
  const base = sketchAt(index);
  memory.fill(base, 0, HEAP_OFF); // the header and the hash table
}

/** Folds the first `count` ring entries into their sketches, in ring order. */
export function drain(count: u32): void {
  let key: usize = KEYS;
  for (let i: u32 = 0; i < count; i++) {
    const meta = META + <usize>i * META_BYTES;
    const len = load<u32>(meta, 4);
    update(sketchAt(load<u32>(meta)), key, len, hashKey(key, len));
    key += (len + 7) & ~7;
  }
}

/**
 * Counts one occurrence of the `len`-byte key at `key` (len ≤ INLINE_KEY_BYTES, `hash` its
 * `hashKey`) in the sketch at `base`.
 */
function update(base: usize, key: usize, len: u32, hash: u32): void {
  const n = load<f64>(base, 8);
  if (n >= MAX_SAMPLES) {
    store<f64>(base, load<f64>(base, 16) + 1, 16);
    return;
  }
  store<f64>(base, n + 1, 8);
  let seq = load<u32>(base, 4) + 1;
  if (seq == SEQ_LIMIT) seq = renumber(base);
  store<u32>(base, seq, 4);
  const table = base + HEADER_BYTES;
  const records = base + RECORDS_OFF;
  let at = hash & MASK;
  for (let e = <u32>load<u16>(table + at * 2); e != 0; e = <u32>load<u16>(table + at * 2)) {
    const record = records + (e - 1) * RECORD_BYTES;
    if (load<u32>(record, 48) == hash && <u32>load<u16>(record, 52) == len && keyEquals(record, key, len)) {
      const order = load<u64>(record, 56);
      store<u64>(record, (((order >> SEQ_BITS) + 1) << SEQ_BITS) | <u64>seq, 56);
      if (load<u32>(base) == M) siftDown(base, <u32>load<u16>(record, 54));
      return;
    }
    at = (at + 1) & MASK;
  }
  const used = load<u32>(base);
  if (used < M) {
    fill(records + used * RECORD_BYTES, key, len, hash, (<u64>1 << SEQ_BITS) | <u64>seq);
    store<u16>(table + at * 2, used + 1);
    store<u32>(base, used + 1);
    if (used + 1 == M) heapify(base);
    return;
  }
  // Full: the minimum (heap root) is evicted and the key takes its slot with count min + 1.
  const victim = <u32>load<u16>(base + HEAP_OFF);
  const record = records + victim * RECORD_BYTES;
  unlink(table, records, victim, load<u32>(record, 48));
  const count = (load<u64>(record, 56) >> SEQ_BITS) + 1;
  fill(record, key, len, hash, (count << SEQ_BITS) | <u64>seq);
  at = hash & MASK;
  while (load<u16>(table + at * 2) != 0) at = (at + 1) & MASK;
  store<u16>(table + at * 2, victim + 1);
  siftDown(base, 0);
}

// @ts-ignore: decorator
@inline function fill(record: usize, key: usize, len: u32, hash: u32, order: u64): void {
  memory.copy(record, key, len);
  store<u32>(record, hash, 48);
  store<u16>(record, len, 52);
  store<u64>(record, order, 56);
}

/** A 32-bit hash of the key's bytes, 8 at a time (the bytes past `len` in the last word are masked off). */
// @ts-ignore: decorator
@inline function hashKey(key: usize, len: u32): u32 {
  let h: u64 = K1 ^ <u64>len;
  let i: u32 = 0;
  for (; i + 8 <= len; i += 8) h = (h ^ load<u64>(key + i)) * K2;
  if (i < len) h = (h ^ (load<u64>(key + i) & tailMask(len - i))) * K2;
  h ^= h >> 29;
  h *= K1;
  return <u32>(h >> 32);
}

// @ts-ignore: decorator
@inline function tailMask(bytes: u32): u64 {
  return (<u64>1 << (<u64>bytes << 3)) - 1;
}

// @ts-ignore: decorator
@inline function keyEquals(a: usize, b: usize, len: u32): bool {
  let i: u32 = 0;
  for (; i + 8 <= len; i += 8) if (load<u64>(a + i) != load<u64>(b + i)) return false;
  return i == len || ((load<u64>(a + i) ^ load<u64>(b + i)) & tailMask(len - i)) == 0;
}

// @ts-ignore: decorator
@inline function orderOf(records: usize, slot: u32): u64 {
  return load<u64>(records + slot * RECORD_BYTES, 56);
}

// @ts-ignore: decorator
@inline function place(base: usize, at: u32, slot: u32): void {
  store<u16>(base + HEAP_OFF + at * 2, slot);
  store<u16>(base + RECORDS_OFF + slot * RECORD_BYTES, at, 54);
}

function siftDown(base: usize, at: u32): void {
  const heap = base + HEAP_OFF;
  const records = base + RECORDS_OFF;
  const used = load<u32>(base);
  const slot = <u32>load<u16>(heap + at * 2);
  const mine = orderOf(records, slot);
  for (;;) {
    let child: u32 = 2 * at + 1;
    if (child >= used) break;
    let childSlot = <u32>load<u16>(heap + child * 2);
    let childOrder = orderOf(records, childSlot);
    if (child + 1 < used) {
      const right = <u32>load<u16>(heap + child * 2 + 2);
      const rightOrder = orderOf(records, right);
      if (rightOrder < childOrder) {
        child++;
        childSlot = right;
        childOrder = rightOrder;
      }
    }
    if (childOrder >= mine) break;
    place(base, at, childSlot);
    at = child;
  }
  place(base, at, slot);
}

/** Orders the slots of a sketch that just became full into its min-heap (Floyd: O(m)). */
function heapify(base: usize): void {
  for (let at: u32 = 0; at < M; at++) place(base, at, at);
  for (let at = <i32>(M >> 1) - 1; at >= 0; at--) siftDown(base, <u32>at);
}

/** Removes `slot` from the hash table, shifting later entries of its probe run back over the hole. */
function unlink(table: usize, records: usize, slot: u32, hash: u32): void {
  let hole = hash & MASK;
  while (<u32>load<u16>(table + hole * 2) != slot + 1) hole = (hole + 1) & MASK;
  let at = (hole + 1) & MASK;
  for (let e = <u32>load<u16>(table + at * 2); e != 0; e = <u32>load<u16>(table + at * 2)) {
    const home = load<u32>(records + (e - 1) * RECORD_BYTES, 48) & MASK;
    // Move the entry into the hole unless its home lies cyclically in (hole, at].
    const stays = hole <= at ? hole < home && home <= at : hole < home || home <= at;
    if (!stays) {
      store<u16>(table + hole * 2, e);
      hole = at;
    }
    at = (at + 1) & MASK;
  }
  store<u16>(table + hole * 2, 0);
}

/** Replaces every slot's seq by its rank (1..used, same order); returns the next seq. */
function renumber(base: usize): u32 {
  const records = base + RECORDS_OFF;
  const used = load<u32>(base);
  const low: u64 = SEQ_LIMIT - 1;
  // Ranks into the scratch area first (O(m²), once per 2^24 updates): they read the old seqs.
  for (let s: u32 = 0; s < used; s++) {
    const mine = orderOf(records, s) & low;
    let rank: u32 = 1;
    for (let o: u32 = 0; o < used; o++) if ((orderOf(records, o) & low) < mine) rank++;
    store<u32>(SCRATCH + s * 4, rank);
  }
  for (let s: u32 = 0; s < used; s++) {
    const record = records + s * RECORD_BYTES;
    store<u64>(record, (load<u64>(record, 56) & ~low) | <u64>load<u32>(SCRATCH + s * 4), 56);
  }
  return used + 1;
}
