// Route lookup: binary search of a key over the sorted start keys of a route table.
//
// JS owns the memory layout (src/route-table.ts): it copies start keys into a table region,
// asks `prepare` to turn them into big-endian words, then `publish`es the region. A published
// region is never written again, so switching regions is the whole of an atomic table update.
//
// Table region: `count` entries of { u32 wordsPtr, u32 byteLen }, entry i for route i in start
// order. Entry 0 is the lowest key (null start) and is never compared. Each start key is stored
// as ceil(len / 8) u64 words holding the big-endian value of 8 key bytes, zero-padded, so one
// unsigned u64 comparison orders 8 bytes at once.

let tableBase: usize = 0;
let tableCount: i32 = 0;
// u64 per route: the big-endian 8-byte window of its start key after the table's common prefix.
let tableWords: usize = 0;
let scratchPtr: usize = 0;

/** First byte JS may use for its own layout. */
export function heapBase(): usize {
  return __heap_base;
}

/** Where JS copies the key before `routeIndex`; must hold keyLen + 8 bytes. */
export function setScratch(ptr: usize): void {
  scratchPtr = ptr;
}

/** Converts the raw, zero-padded start keys of a staged region to big-endian words in place. */
export function prepare(base: usize, count: i32): void {
  for (let i = 1; i < count; i++) {
    const entry = base + (<usize>i << 3);
    swapWords(<usize>load<u32>(entry), (load<u32>(entry, 4) + 7) >> 3);
  }
}

/** Makes the region at `base` (windows at `words`) the table every later lookup searches. */
export function publish(base: usize, count: i32, words: usize): void {
  tableBase = base;
  tableCount = count;
  tableWords = words;
}

/**
 * Index of the route holding a key that shares the table's common start prefix, from the key's
 * 8-byte window after that prefix (high and low halves). Returns −1 when the window equals a
 * compared start's: bytes past the window decide, and JS runs the full search.
 */
export function routeIndexByWindow(wHi: u32, wLo: u32): i32 {
  const kw = (<u64>wHi << 32) | <u64>wLo;
  const words = tableWords;
  let lo = 0;
  let hi = tableCount;
  // Invariant: start[lo] <= key < start[hi].
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    const w = load<u64>(words + (<usize>mid << 3));
    if (w == kw) return -1;
    // Selects, not a branch: which half a random key falls in is a coin flip per step.
    const less = w < kw;
    lo = select<i32>(mid, lo, less);
    hi = select<i32>(hi, mid, less);
  }
  return lo;
}

/** Index (in start order) of the route holding the `keyLen` bytes JS copied into the scratch. */
export function routeIndex(keyLen: u32): i32 {
  const key = scratchPtr;
  // Zero the tail so the last word of the key is padded like the stored keys.
  store<u64>(key + keyLen, 0);
  swapWords(key, (keyLen + 7) >> 3);
  const base = tableBase;
  let lo = 0;
  let hi = tableCount;
  // Invariant: start[lo] <= key < start[hi].
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (startAtMost(base + (<usize>mid << 3), key, keyLen)) lo = mid;
    else hi = mid;
  }
  return lo;
}

// @ts-ignore: decorator
@inline function swapWords(ptr: usize, words: u32): void {
  for (let i: u32 = 0; i < words; i++) {
    const p = ptr + (<usize>i << 3);
    store<u64>(p, bswap<u64>(load<u64>(p)));
  }
}

// True when the start key of `entry` is <= the key. Both sides are zero-padded to a word, so a
// difference inside the last (partial) word is either a real byte difference or a byte of the
// longer string against padding, which orders the longer (prefix-extended) one last, as it must.
// @ts-ignore: decorator
@inline function startAtMost(entry: usize, key: usize, keyLen: u32): bool {
  const start = <usize>load<u32>(entry);
  const startLen = load<u32>(entry, 4);
  const n = startLen < keyLen ? startLen : keyLen;
  const words = (n + 7) >> 3;
  for (let i: u32 = 0; i < words; i++) {
    const off = <usize>i << 3;
    const a = load<u64>(start + off);
    const b = load<u64>(key + off);
    if (a != b) return a < b;
  }
  return startLen <= keyLen;
}
