// The numeric core of the matrix build, behind one interface with two implementations: the
// `matrix` Wasm module (what the library uses) and plain JS (the benchmark baseline and a test
// oracle). Both run the same algorithm; see assembly/lib/matrix-pivot.ts for the cell rules.
import type { WasmArena } from "../wasm/arena.js";
import {
  matrixModule,
  releaseMatrixModule,
  TERMS_F64,
  VALUES_F64,
  withMatrixRoom,
  type MatrixModule,
} from "../wasm/matrix.js";
import { layoutPivot, layoutPivotFits } from "./layout-pivot.js";
import { planRowGroups } from "./row-budget.js";
import type { RowIdentity } from "./table.js";

/** One history column as the kernels read it. */
export interface KernelColumn {
  metaIds: Uint32Array;
  values: Float64Array | Uint32Array;
  terms: Float64Array | Uint32Array;
}

export interface ScanResult {
  /** Activity of every meta over the columns. */
  totals: Float64Array;
  /** 1 + index of the last column a meta appears in; 0 = absent. */
  last: Uint32Array;
}

export interface PivotInput {
  /** Output row of every meta (0xffffffff: not in the matrix). */
  rowOfMeta: Uint32Array;
  groupOfMeta: Float64Array;
  /** Group of a cell where no member is present, per output row. */
  rowGroup: Float64Array;
  /**
   * An upper bound on every cell's value when the caller knows one (the largest row total over
   * the columns): below 2^31 the layout pivot sums in int32 (layout-pivot.ts). Absent: no bound.
   */
  cellBound?: number;
}

/** Dense row-major output, `rows × columns`. */
export interface PivotResult {
  values: Float64Array;
  /** Per cell; for rows that `identity` gives whole, these cells are not written. */
  groups: Float64Array;
  terms: Float64Array;
  identity?: RowIdentity;
}

export interface MatrixKernel {
  scan(columns: readonly KernelColumn[], metaCount: number): ScanResult;
  plan(totals: Float64Array, budget: number): Uint32Array;
  pivot(columns: readonly KernelColumn[], input: PivotInput): PivotResult;
}

export const NO_ROW = 0xffffffff;

function badIdError(column: number, metaCount: number): RangeError {
  return new RangeError(`view.columns[${column}].metaIds has an id outside metas (length ${metaCount})`);
}

/** Drops the shared matrix instance if a build grew it past its keep limit. */
export function releaseWasmKernel(): void {
  releaseMatrixModule();
}

/** One column's scratch slots: meta ids, and values/terms sized for f64 (u32 uses half). */
interface Scratch {
  ids: number;
  values: number;
  terms: number;
  length: number;
}

/**
 * Views over a scratch area. Values and terms each get a u32 and an f64 view of the same bytes: a
 * column is copied in its own element type (a memcpy), never converted.
 */
function scratchViews(arena: WasmArena, s: Scratch) {
  return {
    ids: arena.u32(s.ids, s.length),
    valuesU32: arena.u32(s.values, s.length),
    valuesF64: arena.f64(s.values, s.length),
    termsU32: arena.u32(s.terms, s.length),
    termsF64: arena.f64(s.terms, s.length),
  };
}

/**
 * Copies one field of a column into scratch in its stored type (a plain memcpy) and returns the
 * `kinds` bit that tells the kernel it is f64 (`f64Bit`) or 0 for u32.
 */
function copyField(u32: Uint32Array, f64: Float64Array, field: Float64Array | Uint32Array, f64Bit: number): number {
  if (field instanceof Uint32Array) {
    u32.set(field);
    return 0;
  }
  f64.set(field);
  return f64Bit;
}

/**
 * Streams each column through a scratch area of the shared instance. Each phase allocates all
 * it needs before writing, so `withMatrixRoom` can run it again on a bigger instance.
 */
export function wasmKernel(): MatrixKernel {
  // One instance serves every build (builds are synchronous; see src/wasm/matrix.ts).
  matrixModule().arena.reset();
  // One column's scratch, shared by both passes (the pivot may run without a scan) while they
  // run on the same instance.
  let scratch: { module: MatrixModule; area: Scratch } | undefined;
  const scratchFor = (module: MatrixModule, columns: readonly KernelColumn[]): Scratch => {
    if (scratch?.module === module) return scratch.area;
    const { arena } = module;
    const longest = columns.reduce((max, c) => Math.max(max, c.metaIds.length), 0);
    const area = {
      ids: arena.alloc(longest * 4),
      values: arena.alloc(longest * 8),
      terms: arena.alloc(longest * 8),
      length: longest,
    };
    scratch = { module, area };
    return area;
  };
  return {
    scan: (columns, metaCount) =>
      withMatrixRoom((module) => {
        const { wasm, arena } = module;
        const totalsPtr = arena.alloc(metaCount * 8);
        const lastPtr = arena.alloc(metaCount * 4);
        const area = scratchFor(module, columns);
        const views = scratchViews(arena, area);
        wasm.setScan(metaCount, totalsPtr, lastPtr);
        for (let c = 0; c < columns.length; c++) {
          const col = columns[c]!;
          views.ids.set(col.metaIds);
          const kinds = copyField(views.valuesU32, views.valuesF64, col.values, VALUES_F64);
          if (wasm.scanColumn(c, area.ids, area.values, col.metaIds.length, kinds) !== 0)
            throw badIdError(c, metaCount);
        }
        return { totals: arena.f64(totalsPtr, metaCount).slice(), last: arena.u32(lastPtr, metaCount).slice() };
      }),
    plan: planRowGroups,
    pivot(columns, input) {
      const rows = input.rowGroup.length;
      const cells = rows * columns.length;
      if (layoutPivotFits(columns)) return layoutPivot(columns, input, layoutBuffers(cells));
      return withMatrixRoom((module) => generalPivot(module, scratchFor(module, columns), columns, input));
    },
  };
}

/** The pivot of columns that share no layout: every column scattered into the output in Wasm. */
function generalPivot(
  { wasm, arena }: MatrixModule,
  scratch: Scratch,
  columns: readonly KernelColumn[],
  input: PivotInput,
): PivotResult {
  const rows = input.rowGroup.length;
  const cells = rows * columns.length;
  const metaCount = input.rowOfMeta.length;
  const rowOfMeta = arena.alloc(metaCount * 4);
  const groupOfMeta = arena.alloc(metaCount * 8);
  const rowGroup = arena.alloc(rows * 8);
  const values = arena.alloc(cells * 8);
  const groups = arena.alloc(cells * 8);
  const terms = arena.alloc(cells * 8);
  const level = arena.alloc(cells);
  const spare = arena.alloc(cells * 8);
  arena.u32(rowOfMeta, metaCount).set(input.rowOfMeta);
  arena.f64(groupOfMeta, metaCount).set(input.groupOfMeta);
  arena.f64(rowGroup, rows).set(input.rowGroup);
  wasm.setPivot(metaCount, columns.length, rows, rowOfMeta, groupOfMeta, values, groups, terms, level, spare);
  const views = scratchViews(arena, scratch);
  for (let c = 0; c < columns.length; c++) {
    const col = columns[c]!;
    views.ids.set(col.metaIds);
    const kinds =
      copyField(views.valuesU32, views.valuesF64, col.values, VALUES_F64) |
      copyField(views.termsU32, views.termsF64, col.terms, TERMS_F64);
    const n = col.metaIds.length;
    if (wasm.scatterColumn(c, scratch.ids, scratch.values, scratch.terms, n, kinds) !== 0)
      throw badIdError(c, metaCount);
  }
  wasm.finishPivot(rowGroup);
  return {
    values: arena.f64(wasm.resultValues(), cells),
    groups: arena.f64(wasm.resultGroups(), cells),
    terms: arena.f64(wasm.resultTerms(), cells),
  };
}

// Like the Wasm kernel, the JS kernel reuses its output buffers across builds (fair baseline:
// neither pays for first-touching fresh memory on every build). Views are valid until the next build.
// Same keep limit as the Wasm instance's (src/wasm/matrix.ts).
const KEEP_JS_BYTES = 256 << 20;
let jsShared: { values: Float64Array; groups: Float64Array; terms: Float64Array; level: Uint8Array } | undefined;

function jsBuffers(cells: number) {
  if (jsShared === undefined || jsShared.level.length < cells) {
    jsShared = {
      values: new Float64Array(cells),
      groups: new Float64Array(cells),
      terms: new Float64Array(cells),
      level: new Uint8Array(cells),
    };
  }
  const { values, groups, terms, level } = jsShared;
  const out = {
    values: values.subarray(0, cells),
    groups: groups.subarray(0, cells),
    terms: terms.subarray(0, cells),
    level: level.subarray(0, cells),
  };
  out.level.fill(0);
  if (cells * 8 > KEEP_JS_BYTES) jsShared = undefined;
  return out;
}

let layoutShared: PivotResult | undefined;

/** Output of the layout pivot (layout-pivot.ts), reused like the others; every cell is written. */
function layoutBuffers(cells: number): PivotResult {
  if (layoutShared === undefined || layoutShared.values.length < cells) {
    layoutShared = { values: new Float64Array(cells), groups: new Float64Array(cells), terms: new Float64Array(cells) };
  }
  const { values, groups, terms } = layoutShared;
  if (cells * 8 > KEEP_JS_BYTES) layoutShared = undefined;
  return { values: values.subarray(0, cells), groups: groups.subarray(0, cells), terms: terms.subarray(0, cells) };
}

/** The same algorithm in plain JS (row-major output, no transpose needed). */
export function jsKernel(): MatrixKernel {
  return {
    scan(columns, metaCount) {
      const totals = new Float64Array(metaCount);
      const last = new Uint32Array(metaCount);
      columns.forEach((col, c) => {
        const { metaIds, values } = col;
        for (let i = 0; i < metaIds.length; i++) {
          const m = metaIds[i]!;
          if (m >= metaCount) throw badIdError(c, metaCount);
          totals[m]! += values[i]!;
          last[m] = c + 1;
        }
      });
      return { totals, last };
    },
    plan: planRowGroupsJs,
    pivot(columns, { rowOfMeta, groupOfMeta, rowGroup }) {
      const width = columns.length;
      const cells = rowGroup.length * width;
      const { values, groups, terms, level } = jsBuffers(cells);
      columns.forEach((col, c) => {
        const { metaIds, values: vs, terms: ts } = col;
        for (let i = 0; i < metaIds.length; i++) {
          const m = metaIds[i]!;
          if (m >= rowOfMeta.length) throw badIdError(c, rowOfMeta.length);
          const row = rowOfMeta[m]!;
          if (row === NO_ROW) continue;
          const cell = row * width + c;
          const v = vs[i]!;
          const g = groupOfMeta[m]!;
          const t = ts[i]! + 0; // -0 → 0, as the Wasm kernel's bitwise identity compare sees it
          const lvl = v !== 0 ? 2 : 1;
          const seen = level[cell]!;
          values[cell] = seen === 0 ? v : values[cell]! + v;
          if (lvl > seen) {
            level[cell] = lvl;
            groups[cell] = g;
            terms[cell] = t;
          } else if (lvl === seen && (groups[cell] !== g || terms[cell] !== t)) {
            groups[cell] = 0;
            terms[cell] = 0;
          }
        }
      });
      for (let cell = 0; cell < cells; cell++) {
        if (level[cell] !== 0) continue;
        values[cell] = 0;
        groups[cell] = rowGroup[Math.floor(cell / width)]!;
        terms[cell] = 0;
      }
      return { values, groups, terms };
    },
  };
}

/** JS port of the Wasm greedy plan (same heap order, same tie-break). */
export function planRowGroupsJs(totals: Float64Array, budget: number): Uint32Array {
  const n = totals.length;
  if (n <= budget) return Uint32Array.from({ length: n + 1 }, (_, i) => i);
  const tot = Float64Array.from(totals);
  const prev = Int32Array.from({ length: n }, (_, i) => i - 1);
  const next = Int32Array.from({ length: n }, (_, i) => (i + 1 === n ? -1 : i + 1));
  const ver = new Uint32Array(n);
  const heap = new PairHeap();
  const push = (a: number, b: number) => heap.push(tot[a]! + tot[b]!, a, b, ver[a]!, ver[b]!);
  for (let i = 0; i + 1 < n; i++) push(i, i + 1);
  let alive = n;
  while (alive > budget && heap.size > 0) {
    const e = heap.pop();
    if (ver[e.a] !== e.va || ver[e.b] !== e.vb || next[e.a] !== e.b) continue;
    tot[e.a]! += tot[e.b]!;
    ver[e.a]!++;
    ver[e.b] = 0xffffffff;
    const after = next[e.b]!;
    next[e.a] = after;
    if (after >= 0) prev[after] = e.a;
    alive--;
    if (prev[e.a]! >= 0) push(prev[e.a]!, e.a);
    if (after >= 0) push(e.a, after);
  }
  const starts: number[] = [];
  for (let i = 0; i >= 0; i = next[i]!) starts.push(i);
  starts.push(n);
  return Uint32Array.from(starts);
}

interface PairEntry {
  cost: number;
  a: number;
  b: number;
  va: number;
  vb: number;
}

class PairHeap {
  private items: PairEntry[] = [];
  get size(): number {
    return this.items.length;
  }
  private less(x: PairEntry, y: PairEntry): boolean {
    return x.cost < y.cost || (x.cost === y.cost && x.a < y.a);
  }
  push(cost: number, a: number, b: number, va: number, vb: number): void {
    const items = this.items;
    items.push({ cost, a, b, va, vb });
    let i = items.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(items[i]!, items[p]!)) break;
      [items[i], items[p]] = [items[p]!, items[i]!];
      i = p;
    }
  }
  pop(): PairEntry {
    const items = this.items;
    const top = items[0]!;
    const last = items.pop()!;
    if (items.length > 0) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= items.length) break;
        const c = l + 1 < items.length && this.less(items[l + 1]!, items[l]!) ? l + 1 : l;
        if (!this.less(items[c]!, items[i]!)) break;
        [items[i], items[c]] = [items[c]!, items[i]!];
        i = c;
      }
    }
    return top;
  }
}
