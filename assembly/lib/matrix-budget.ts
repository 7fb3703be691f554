// Row budget of the matrix (SPEC §5): greedily merge the adjacent pair of rows with the least
// combined activity until at most `budget` rows remain. Rows are a doubly linked list over their
// start-key order; candidate pairs live in a binary min-heap keyed by (cost, left position) with
// lazy deletion: a popped pair is used only if both rows are alive, still adjacent, and neither
// changed since the pair was pushed (per-row version counters). O(n log n) overall.
//
// Tie-break: equal costs merge the leftmost pair first (smallest start position of its left row).
// The merge always folds the right row into the left one, so row 0 is always alive and a merged
// row keeps the position of its first member.

// Heap entry: cost f64 @0, left u32 @8, right u32 @12, left version u32 @16, right version @20.
const ENTRY: usize = 24;
const NONE: u32 = 0xffffffff;

let tot: usize = 0; // f64[n] running totals per alive row
let prev: usize = 0; // u32[n] previous alive row or NONE
let next: usize = 0; // u32[n] next alive row or NONE
let ver: usize = 0; // u32[n] bumped on every change of a row; dead rows get NONE
let heap: usize = 0; // ENTRY[3n]
let heapLen: usize = 0;

function align8(x: usize): usize {
  return (x + 7) & ~(<usize>7);
}

/** Bytes of scratch `planMerge` needs for `n` rows. */
export function planScratchBytes(n: u32): u32 {
  const m = <usize>n;
  return <u32>(m * 8 + align8(m * 4) * 3 + m * 3 * ENTRY + ENTRY);
}

// @ts-ignore: decorator
@inline function entryLess(a: usize, b: usize): bool {
  const ca = load<f64>(a);
  const cb = load<f64>(b);
  return ca < cb || (ca == cb && load<u32>(a, 8) < load<u32>(b, 8));
}

function swapEntries(a: usize, b: usize): void {
  const c = load<f64>(a);
  const l = load<u64>(a, 8);
  const v = load<u64>(a, 16);
  store<f64>(a, load<f64>(b));
  store<u64>(a, load<u64>(b, 8), 8);
  store<u64>(a, load<u64>(b, 16), 16);
  store<f64>(b, c);
  store<u64>(b, l, 8);
  store<u64>(b, v, 16);
}

function push(left: u32, right: u32): void {
  let i = heapLen++;
  let at = heap + i * ENTRY;
  store<f64>(at, load<f64>(tot + (<usize>left << 3)) + load<f64>(tot + (<usize>right << 3)));
  store<u32>(at, left, 8);
  store<u32>(at, right, 12);
  store<u32>(at, load<u32>(ver + (<usize>left << 2)), 16);
  store<u32>(at, load<u32>(ver + (<usize>right << 2)), 20);
  while (i > 0) {
    const parent = (i - 1) >> 1;
    const pat = heap + parent * ENTRY;
    if (!entryLess(at, pat)) break;
    swapEntries(at, pat);
    i = parent;
    at = pat;
  }
}

/** Moves the minimum entry to the scratch slot just past the heap end and returns its address. */
function popMin(): usize {
  const last = --heapLen;
  swapEntries(heap, heap + last * ENTRY);
  let i: usize = 0;
  while (true) {
    const l: usize = 2 * i + 1;
    if (l >= last) break;
    let child: usize = l;
    if (l + 1 < last && entryLess(heap + (l + 1) * ENTRY, heap + l * ENTRY)) child = l + 1;
    const at = heap + i * ENTRY;
    const cat = heap + child * ENTRY;
    if (!entryLess(cat, at)) break;
    swapEntries(at, cat);
    i = child;
  }
  return heap + last * ENTRY;
}

function isCurrent(e: usize): bool {
  const left = load<u32>(e, 8);
  const right = load<u32>(e, 12);
  return (
    load<u32>(ver + (<usize>left << 2)) == load<u32>(e, 16) &&
    load<u32>(ver + (<usize>right << 2)) == load<u32>(e, 20) &&
    load<u32>(next + (<usize>left << 2)) == right
  );
}

/**
 * Plans the row budget. `totals` (f64[n]) is each row's activity in start-key order. Writes the
 * first row index of every output row to `starts` (u32[result + 1], last entry = n) and returns
 * the number of output rows, min(n, budget). `scratch` must hold planScratchBytes(n) bytes.
 */
export function planMerge(n: u32, totals: usize, budget: u32, scratch: usize, starts: usize): u32 {
  if (budget < 1) budget = 1;
  if (n <= budget) {
    for (let i: u32 = 0; i <= n; i++) store<u32>(starts + (<usize>i << 2), i);
    return n;
  }
  const m = <usize>n;
  tot = scratch;
  prev = tot + m * 8;
  next = prev + align8(m * 4);
  ver = next + align8(m * 4);
  heap = ver + align8(m * 4);
  heapLen = 0;
  memory.copy(tot, totals, m * 8);
  for (let i: u32 = 0; i < n; i++) {
    const o = <usize>i << 2;
    store<u32>(prev + o, i == 0 ? NONE : i - 1);
    store<u32>(next + o, i + 1 == n ? NONE : i + 1);
    store<u32>(ver + o, 0);
  }
  for (let i: u32 = 0; i + 1 < n; i++) push(i, i + 1);

  let alive = n;
  while (alive > budget && heapLen > 0) {
    const e = popMin();
    if (!isCurrent(e)) continue;
    const a = load<u32>(e, 8);
    const b = load<u32>(e, 12);
    const ao = <usize>a << 2;
    const bo = <usize>b << 2;
    store<f64>(tot + (<usize>a << 3), load<f64>(tot + (<usize>a << 3)) + load<f64>(tot + (<usize>b << 3)));
    store<u32>(ver + ao, load<u32>(ver + ao) + 1);
    store<u32>(ver + bo, NONE);
    const after = load<u32>(next + bo);
    store<u32>(next + ao, after);
    if (after != NONE) store<u32>(prev + (<usize>after << 2), a);
    alive--;
    const before = load<u32>(prev + ao);
    if (before != NONE) push(before, a);
    if (after != NONE) push(a, after);
  }

  let k: usize = 0;
  for (let i: u32 = 0; i != NONE; i = load<u32>(next + (<usize>i << 2))) {
    store<u32>(starts + (k++ << 2), i);
  }
  store<u32>(starts + (k << 2), n);
  return <u32>k;
}
