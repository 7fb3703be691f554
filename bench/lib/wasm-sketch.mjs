// The first Wasm Space-Saving sketch, measured and rejected in issue 5 (moved here from
// bench/hotkeys.bench.mjs; issue 14 shipped a different one: src/hotkeys' pool, fed by a ring):
// the same structure as src/hotkeys/space-saving.ts (FNV-1a, linear probing with backward-shift
// deletes, (count, last update) min-heap) in linear memory, keys ≤ 48 bytes inline. Bench only.
import { compileCached, instantiateCached } from "./asc-cache.mjs";

const WASM_SKETCH_SOURCE = `
// Prototype Space-Saving sketch in linear memory (bench only): keys ≤ 48 bytes inline.
const INL: u32 = 48;
let M: u32 = 0;
let MASK: u32 = 0;
let KEYS: usize = 0;
let LENS: usize = 0;
let HASH: usize = 0;
let CNT: usize = 0;
let STAMP: usize = 0;
let HEAP: usize = 0;
let POS: usize = 0;
let TABLE: usize = 0;
let used: u32 = 0;
let seq: f64 = 0;

export function init(m: u32): void {
  M = m;
  let t: u32 = 4;
  while (t < m * 4) t <<= 1;
  MASK = t - 1;
  let p: usize = 4096;
  KEYS = p; p += m * INL;
  LENS = p; p += m * 4;
  HASH = p; p += m * 4;
  CNT = p; p += m * 8;
  STAMP = p; p += m * 8;
  HEAP = p; p += m * 4;
  POS = p; p += m * 4;
  TABLE = p; p += t * 4;
  const pages = i32((p + 65535) >> 16) - memory.size();
  if (pages > 0) memory.grow(pages);
  memory.fill(KEYS, 0, p - KEYS);
  used = 0;
  seq = 0;
}

// @ts-ignore: decorator
@inline function less(a: u32, b: u32): bool {
  const ca = load<f64>(CNT + (<usize>a << 3));
  const cb = load<f64>(CNT + (<usize>b << 3));
  return ca < cb || (ca == cb && load<f64>(STAMP + (<usize>a << 3)) < load<f64>(STAMP + (<usize>b << 3)));
}
// @ts-ignore: decorator
@inline function place(at: u32, slot: u32): void {
  store<u32>(HEAP + (<usize>at << 2), slot);
  store<u32>(POS + (<usize>slot << 2), at);
}
function siftUp(at: u32): void {
  const slot = load<u32>(HEAP + (<usize>at << 2));
  while (at > 0) {
    const pa = (at - 1) >> 1;
    const parent = load<u32>(HEAP + (<usize>pa << 2));
    if (!less(slot, parent)) break;
    place(at, parent);
    at = pa;
  }
  place(at, slot);
}
function siftDown(at: u32): void {
  const slot = load<u32>(HEAP + (<usize>at << 2));
  while (true) {
    let c: u32 = 2 * at + 1;
    if (c >= used) break;
    if (c + 1 < used && less(load<u32>(HEAP + (<usize>(c + 1) << 2)), load<u32>(HEAP + (<usize>c << 2)))) c++;
    const child = load<u32>(HEAP + (<usize>c << 2));
    if (!less(child, slot)) break;
    place(at, child);
    at = c;
  }
  place(at, slot);
}
function hashKey(len: u32): u32 {
  let h: u32 = 0x811c9dc5;
  for (let i: u32 = 0; i < len; i++) h = (h ^ load<u8>(<usize>i)) * 0x01000193;
  return h;
}
function keyEq(slot: u32, len: u32): bool {
  if (load<u32>(LENS + (<usize>slot << 2)) != len) return false;
  const base = KEYS + <usize>slot * INL;
  let i: u32 = 0;
  for (; i + 8 <= len; i += 8) if (load<u64>(base + i) != load<u64>(<usize>i)) return false;
  for (; i < len; i++) if (load<u8>(base + i) != load<u8>(<usize>i)) return false;
  return true;
}
function fill(slot: u32, len: u32, h: u32, count: f64): void {
  memory.copy(KEYS + <usize>slot * INL, 0, len);
  store<u32>(LENS + (<usize>slot << 2), len);
  store<u32>(HASH + (<usize>slot << 2), h);
  store<f64>(CNT + (<usize>slot << 3), count);
  store<f64>(STAMP + (<usize>slot << 3), seq);
}
function unlink(slot: u32): void {
  let hole = load<u32>(HASH + (<usize>slot << 2)) & MASK;
  while (load<u32>(TABLE + (<usize>hole << 2)) != slot + 1) hole = (hole + 1) & MASK;
  let at = (hole + 1) & MASK;
  while (true) {
    const e = load<u32>(TABLE + (<usize>at << 2));
    if (e == 0) break;
    const home = load<u32>(HASH + (<usize>(e - 1) << 2)) & MASK;
    const stays = hole <= at ? hole < home && home <= at : hole < home || home <= at;
    if (!stays) { store<u32>(TABLE + (<usize>hole << 2), e); hole = at; }
    at = (at + 1) & MASK;
  }
  store<u32>(TABLE + (<usize>hole << 2), 0);
}
/** Adds the key of len bytes at address 0. */
export function add(len: u32): void {
  seq += 1;
  const h = hashKey(len);
  let at = h & MASK;
  while (true) {
    const e = load<u32>(TABLE + (<usize>at << 2));
    if (e == 0) break;
    const slot = e - 1;
    if (load<u32>(HASH + (<usize>slot << 2)) == h && keyEq(slot, len)) {
      store<f64>(CNT + (<usize>slot << 3), load<f64>(CNT + (<usize>slot << 3)) + 1);
      store<f64>(STAMP + (<usize>slot << 3), seq);
      siftDown(load<u32>(POS + (<usize>slot << 2)));
      return;
    }
    at = (at + 1) & MASK;
  }
  if (used < M) {
    const slot = used++;
    fill(slot, len, h, 1);
    store<u32>(TABLE + (<usize>at << 2), slot + 1);
    place(slot, slot);
    siftUp(slot);
    return;
  }
  const victim = load<u32>(HEAP);
  unlink(victim);
  fill(victim, len, h, load<f64>(CNT + (<usize>victim << 3)) + 1);
  let t = h & MASK;
  while (load<u32>(TABLE + (<usize>t << 2)) != 0) t = (t + 1) & MASK;
  store<u32>(TABLE + (<usize>t << 2), victim + 1);
  siftDown(0);
}
export function countOfTop(): f64 { return load<f64>(CNT + (<usize>load<u32>(HEAP) << 3)); }
`;

/** A fresh sketch instance: `init(m)`, then copy a key to address 0 and call `add(len)`. */
export function wasmSketch() {
  return instantiateCached("wasm-sketch", WASM_SKETCH_SOURCE);
}

export function prepareWasmSketch() {
  return compileCached("wasm-sketch", WASM_SKETCH_SOURCE);
}
