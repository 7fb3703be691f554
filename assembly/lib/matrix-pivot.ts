// Pivot of the columnar history into a dense rows × columns matrix (row-major), streamed one
// column at a time: JS copies a column's meta ids, values and terms into a scratch area and calls
// `scanColumn` (first pass: which metas appear, their activity) or `scatterColumn` (second pass:
// add each cell into its output row, which may be a merged row of the budget).
//
// Values and terms arrive as the history stores them: u32, or f64 for a column holding a value
// ≥ 2^32 (rare). The `kinds` argument says which (VALUES_F64, TERMS_F64 bits); each combination
// is its own instantiation of the generic loop, so the per-element code has no type test and JS
// copies columns with a plain same-type memcpy instead of an element-wise u32 → f64 conversion.
//
// Per-cell identity (group, term) of an output cell, from the member cells that fall into it:
// the contributors are the member cells with a non-zero value; if there are none, the member cells
// present in the column (value 0 in this series); if they all carry the same (group, term) that is
// the cell's identity, otherwise (0, 0). A cell with no member present gets (row group, 0) in
// `finishPivot`. `level` tracks which contributor class a cell has seen: 0 none, 1 present, 2 non-zero.
//
// Layout: the scatter writes column-major (a column's cells are contiguous, so each column pass
// touches one small region instead of a strided line per row, which thrashed the TLB), and
// `finishPivot` transposes into row-major for JS, rotating through one spare buffer:
// values -> spare, groups -> values' buffer, terms -> groups' buffer.

/** `kinds` bit: the column's values are f64 (else u32). */
export const VALUES_F64: u32 = 1;
/** `kinds` bit: the column's terms are f64 (else u32). */
export const TERMS_F64: u32 = 2;

let metaCount: u32 = 0;
let metaTotal: usize = 0; // f64[metaCount]
let metaLast: usize = 0; // u32[metaCount]: 1 + last column index the meta appears in, 0 = never

let columns: usize = 0;
let rowCount: usize = 0;
let outSpare: usize = 0; // f64[rows × columns]
let metaRow: usize = 0; // u32[metaCount]: output row of each meta, or 0xffffffff
let metaGroup: usize = 0; // f64[metaCount]
let outValues: usize = 0; // f64[rows × columns]
let outGroups: usize = 0; // f64[rows × columns]
let outTerms: usize = 0; // f64[rows × columns]
let outLevel: usize = 0; // u8[rows × columns]

/** Prepares the first pass: zeroes the per-meta totals and last-seen columns. */
export function setScan(count: u32, totals: usize, last: usize): void {
  metaCount = count;
  metaTotal = totals;
  metaLast = last;
  memory.fill(totals, 0, <usize>count << 3);
  memory.fill(last, 0, <usize>count << 2);
}

/**
 * First pass over one column (values u32, or f64 when `kinds & VALUES_F64`); returns how many
 * meta ids were out of range (and skipped).
 */
export function scanColumn(column: u32, ids: usize, values: usize, n: u32, kinds: u32): u32 {
  return kinds & VALUES_F64 ? scan<f64>(column, ids, values, n) : scan<u32>(column, ids, values, n);
}

// @ts-ignore: decorator
@inline function loadNumber<T>(base: usize, i: usize): f64 {
  return <f64>load<T>(base + (i << alignof<T>()));
}

function scan<V>(column: u32, ids: usize, values: usize, n: u32): u32 {
  let bad: u32 = 0;
  const mark = column + 1;
  for (let i: usize = 0; i < <usize>n; i++) {
    const m = load<u32>(ids + (i << 2));
    if (m >= metaCount) {
      bad++;
      continue;
    }
    const t = metaTotal + (<usize>m << 3);
    store<f64>(t, load<f64>(t) + loadNumber<V>(values, i));
    store<u32>(metaLast + (<usize>m << 2), mark);
  }
  return bad;
}

/**
 * Prepares the second pass (which may run without the first: the history keeps the first pass's
 * figures). Only the level bytes are cleared: a cell's first contribution overwrites value, group
 * and term, and `finishPivot` writes the cells nobody touched, so the three f64 outputs need no
 * clearing (memory is reused across builds).
 */
export function setPivot(
  metas: u32,
  cols: u32,
  rows: u32,
  rowOfMeta: usize,
  groupOfMeta: usize,
  values: usize,
  groups: usize,
  terms: usize,
  level: usize,
  spare: usize,
): void {
  metaCount = metas;
  columns = cols;
  rowCount = rows;
  outSpare = spare;
  metaRow = rowOfMeta;
  metaGroup = groupOfMeta;
  outValues = values;
  outGroups = groups;
  outTerms = terms;
  outLevel = level;
  memory.fill(level, 0, <usize>cols * <usize>rows);
}

/**
 * Second pass over one column (see `kinds`); returns how many meta ids were out of range (and
 * skipped).
 */
export function scatterColumn(column: u32, ids: usize, values: usize, terms: usize, n: u32, kinds: u32): u32 {
  switch (kinds & (VALUES_F64 | TERMS_F64)) {
    case 0:
      return scatter<u32, u32>(column, ids, values, terms, n);
    case VALUES_F64:
      return scatter<f64, u32>(column, ids, values, terms, n);
    case TERMS_F64:
      return scatter<u32, f64>(column, ids, values, terms, n);
    default:
      return scatter<f64, f64>(column, ids, values, terms, n);
  }
}

/**
 * Consecutive cells of a column usually land in the same output row (metas arrive in start-key
 * order and a merged row spans a run of them), so the current cell's state is kept in locals
 * and written back only when the row changes: no load-after-store chain through memory per cell.
 * Whether a member is zero is data-dependent, so the identity update must not branch on it: it
 * runs on the bit patterns of group and term (i64), whose selects V8 compiles to conditional
 * moves (f64 selects became mispredicted branches: 1.6× slower). Bit equality is number
 * equality here: groups and terms are non-negative integers, -0 is canonicalised to 0 (groups
 * by the caller, terms below) and NaN never occurs.
 */
function scatter<V, T>(column: u32, ids: usize, values: usize, terms: usize, n: u32): u32 {
  let bad: u32 = 0;
  let cur: u32 = 0xffffffff;
  let value: f64 = 0;
  let group: i64 = 0;
  let term: i64 = 0;
  let seen: u32 = 0;
  for (let i: usize = 0; i < <usize>n; i++) {
    const m = load<u32>(ids + (i << 2));
    if (m >= metaCount) {
      bad++;
      continue;
    }
    const row = load<u32>(metaRow + (<usize>m << 2));
    if (row == 0xffffffff) continue;
    if (row != cur) {
      if (cur != 0xffffffff) storeCell(column, cur, value, reinterpret<f64>(group), reinterpret<f64>(term), seen);
      cur = row;
      const cell = <usize>column * rowCount + <usize>row;
      seen = <u32>load<u8>(outLevel + cell);
      value = seen == 0 ? 0 : load<f64>(outValues + (cell << 3));
      group = load<i64>(outGroups + (cell << 3));
      term = load<i64>(outTerms + (cell << 3));
    }
    const v = loadNumber<V>(values, i);
    const g = load<i64>(metaGroup + (<usize>m << 3));
    const t = reinterpret<i64>(loadNumber<T>(terms, i) + 0.0);
    value += v;
    const lvl: u32 = 1 + <u32>(v != 0);
    const up = lvl > seen;
    const clash = (lvl == seen) & ((group != g) | (term != t));
    group = select<i64>(g, select<i64>(0, group, clash), up);
    term = select<i64>(t, select<i64>(0, term, clash), up);
    seen = select<u32>(lvl, seen, up);
  }
  if (cur != 0xffffffff) storeCell(column, cur, value, reinterpret<f64>(group), reinterpret<f64>(term), seen);
  return bad;
}

// @ts-ignore: decorator
@inline function storeCell(column: u32, row: u32, value: f64, group: f64, term: f64, seen: u32): void {
  const cell = <usize>column * rowCount + <usize>row;
  store<u8>(outLevel + cell, <u8>seen);
  store<f64>(outValues + (cell << 3), value);
  store<f64>(outGroups + (cell << 3), group);
  store<f64>(outTerms + (cell << 3), term);
}

/**
 * Transposes the three outputs to row-major, giving every cell without a member present value 0,
 * the row's group (f64[rows]) and term 0; read them at resultValues/Groups/Terms.
 */
export function finishPivot(rowGroup: usize): void {
  transpose(outValues, outSpare, 0);
  transpose(outGroups, outValues, rowGroup);
  transpose(outTerms, outGroups, 0);
}

export function resultValues(): usize {
  return outSpare;
}
export function resultGroups(): usize {
  return outValues;
}
export function resultTerms(): usize {
  return outGroups;
}

const BLOCK: usize = 32;

/**
 * Column-major (columns × rows) `src` into row-major (rows × columns) `dst`, in cache blocks.
 * Cells nobody touched (level 0) become the row's entry of `absent` (f64[rows]), or 0 when
 * `absent` is 0.
 */
function transpose(src: usize, dst: usize, absent: usize): void {
  for (let c0: usize = 0; c0 < columns; c0 += BLOCK) {
    const c1 = min(c0 + BLOCK, columns);
    for (let r0: usize = 0; r0 < rowCount; r0 += BLOCK) {
      const r1 = min(r0 + BLOCK, rowCount);
      for (let r = r0; r < r1; r++) {
        const fill = absent == 0 ? 0 : load<f64>(absent + (r << 3));
        for (let c = c0; c < c1; c++) {
          const cell = c * rowCount + r;
          const x = load<f64>(src + (cell << 3));
          store<f64>(dst + ((r * columns + c) << 3), select<f64>(x, fill, load<u8>(outLevel + cell) != 0));
        }
      }
    }
  }
}
