// The sampler's hot data: per-cell counters, per-slot sub-range descriptors (the effective count), and
// the flush drain. A "slot" is one (route, label) or one virtual bucket; a "cell" is one
// sub-bucket of a slot: cell = slot * maxK + sub. Each cell holds four f64 counters
// [reads, writes, readBytes, writeBytes]; f64 so JS can bump them through a Float64Array view
// (exact up to 2^53 per column).
//
// Layout, fixed at init (memory never grows afterwards, so JS views stay valid):
//   scratch   SCRATCH_BYTES       a route's start and end keys, copied in by JS to set its range
//   slotInfo  slotCap * SLOT_INFO sub-range descriptor of each slot (SPEC §3.1 layout)
//   order     cellCap * 4         cells in row order (start key, route id, label), drain order
//   outIdx    OUT_CAP * 4         drained cell indexes
//   outVal    4 * OUT_FIELD_BYTES drained counters, one f64 array per counter (reads, writes,
//                                 readBytes, writeBytes; OUT_CAP each) so JS reads row i of
//                                 each at index i and never needs the counter layout
//   counters  cellCap * 32

import { SUBRANGE_DESC_BYTES, subrangeInit } from "./lib/subrange";

const SCRATCH_BYTES: u32 = 65536;
const OUT_CAP: u32 = 8192;
/**
 * Distance between the output arrays of two counters: padded past OUT_CAP f64s so the four
 * arrays are not a multiple of 4 KiB apart (row i of each would alias in the L1 cache).
 */
const OUT_FIELD_BYTES: usize = <usize>OUT_CAP * 8 + 192;
const SLOT_INFO: u32 = (SUBRANGE_DESC_BYTES + 7) & ~7;

let slotCap: u32 = 0;
let maxK: u32 = 1;
let scratch: usize = 0;
let slotInfo: usize = 0;
let order: usize = 0;
let outIdx: usize = 0;
let outVal: usize = 0;
let counters: usize = 0;
let drainNext: u32 = 0;

function align(p: u64, a: u64): u64 {
  return (p + a - 1) & ~(a - 1);
}

/** Linear memory is addressed with u32 pointers: a layout must end below 4 GiB. */
const MAX_BYTES: u64 = 0xffff0000;

/** Makes sure linear memory reaches `end`; returns false when it cannot grow. */
function reserve(end: usize): bool {
  const have = <u64>memory.size() << 16;
  if (<u64>end <= have) return true;
  const pages = <i32>((<u64>end - have + 0xffff) >> 16);
  return memory.grow(pages) >= 0;
}

/**
 * Places the parts for `slots` slots of `k` sub-buckets (the pointers above) and returns where
 * the layout ends. In u64, so that a layout past 4 GiB is seen as such instead of wrapping; the
 * pointers placed are then meaningless, and `init` refuses it.
 */
function place(slots: u32, k: u32): u64 {
  const cells = <u64>slots * k;
  let at = align(<u64>__heap_base, 16);
  scratch = <usize>at;
  at = align(at + SCRATCH_BYTES, 16);
  slotInfo = <usize>at;
  at = align(at + <u64>slots * SLOT_INFO, 16);
  order = <usize>at;
  at = align(at + cells * 4, 16);
  outIdx = <usize>at;
  at = align(at + <u64>OUT_CAP * 4, 16);
  outVal = <usize>at;
  at = align(at + 4 * <u64>OUT_FIELD_BYTES, 16);
  counters = <usize>at;
  return align(at + cells * 32, 16);
}

/**
 * Bytes from address 0 that `init(slots, k)` lays out (f64: exact, also past 4 GiB). JS asks a
 * probe instance, then gives the real one a memory that size, so `init` never grows it: a grow
 * detaches the memory's ArrayBuffer (scripts/build-wasm.mjs, CALLER_SIZED).
 */
export function layoutBytes(slots: u32, k: u32): f64 {
  return <f64>place(slots, k);
}

/** Lays memory out for `slots` slots of `k` sub-buckets each. Returns 0, or 1 if memory is short. */
export function init(slots: u32, k: u32): u32 {
  slotCap = slots;
  maxK = k;
  const end = place(slots, k);
  if (end > MAX_BYTES) return 1;
  layoutEnd = <usize>end;
  return reserve(layoutEnd) ? 0 : 1;
}

let layoutEnd: usize = 0;

/** Bytes of linear memory the layout uses (the memory itself may be larger, see build-wasm). */
export function usedBytes(): usize { return layoutEnd; }

export function scratchPtr(): usize { return scratch; }
export function orderPtr(): usize { return order; }
export function outIdxPtr(): usize { return outIdx; }
export function outValPtr(): usize { return outVal; }
export function countersPtr(): usize { return counters; }
export function outCap(): u32 { return OUT_CAP; }
export function outFieldBytes(): u32 { return <u32>OUT_FIELD_BYTES; }
export function scratchBytes(): u32 { return SCRATCH_BYTES; }

/**
 * Gives `slot` the key range whose start bytes are at scratch[0, startLen) and end bytes at
 * scratch[startLen, startLen + endLen) (endLen = -1: unbounded), split into up to `k`
 * sub-buckets: computes the slot's descriptor and returns the effective number of sub-buckets
 * (fewer when the range's 8-byte window cannot hold k). Keys are counted into sub-buckets by JS
 * (src/sampler/sub-bucket-index.ts): cheaper than a Wasm call per key.
 */
export function setSlotRange(slot: u32, startLen: u32, endLen: i32, k: u32): u32 {
  const info = slotInfo + <usize>slot * SLOT_INFO;
  const kk = k < maxK ? k : maxK;
  return subrangeInit(info, scratch, startLen, scratch + startLen, endLen, kk);
}

/** Adds the counters of cell `from` into cell `to` and zeroes `from` (folding, re-homing). */
export function moveCell(from: u32, to: u32): void {
  const src = counters + (<usize>from << 5);
  const dst = counters + (<usize>to << 5);
  if (src == dst) return;
  v128.store(dst, f64x2.add(v128.load(dst), v128.load(src)));
  v128.store(dst, f64x2.add(v128.load(dst, 16), v128.load(src, 16)), 16);
  v128.store(src, f64x2.splat(0));
  v128.store(src, f64x2.splat(0), 16);
}

/**
 * Drains cells order[from, to) in that order: every cell with a non-zero counter is copied to
 * the output (index, and each counter into its own array) and zeroed. Stops when the output is full; the position to
 * resume from is `drainResume()`. Returns the number of rows written.
 */
export function drain(from: u32, to: u32): u32 {
  let n: u32 = 0;
  let i = from;
  const zero = f64x2.splat(0);
  while (i < to && n < OUT_CAP) {
    const cell = load<u32>(order + (<usize>i << 2));
    const c = counters + (<usize>cell << 5);
    const a = v128.load(c);
    const b = v128.load(c, 16);
    if (v128.any_true(v128.or(a, b))) {
      store<u32>(outIdx + (<usize>n << 2), cell);
      const o = outVal + (<usize>n << 3);
      store<f64>(o, f64x2.extract_lane(a, 0));
      store<f64>(o, f64x2.extract_lane(a, 1), OUT_FIELD_BYTES);
      store<f64>(o, f64x2.extract_lane(b, 0), 2 * OUT_FIELD_BYTES);
      store<f64>(o, f64x2.extract_lane(b, 1), 3 * OUT_FIELD_BYTES);
      v128.store(c, zero);
      v128.store(c, zero, 16);
      n++;
    }
    i++;
  }
  drainNext = i;
  return n;
}

export function drainResume(): u32 { return drainNext; }
