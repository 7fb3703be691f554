// A matrix before it becomes wire rows: the row heads plus every cell in row-major typed arrays.
// The builder and the fan-out merge produce it; `toWireMatrix` turns it into the SPEC §5 object
// (number[] per row) and `writeMatrixJson` (json-writer.ts) formats the same JSON text straight
// from the typed arrays, without the per-row number[] that dominate a large matrix's cost.
import type { Series } from "../types.js";
import { makeRow, type FanoutStatus, type Matrix, type MatrixRow, type RowHead } from "../wire/wire.js";

export interface MatrixTable {
  series: Series;
  /** RFC 3339, UTC. */
  generated_at: string;
  column_unix_ms: number[];
  /** Row heads in output order. */
  heads: RowHead[];
  /** Cell row (in values/groups/terms/conflicts) of each output row. */
  cellRow: Uint32Array;
  /** `cellRows × column_unix_ms.length` cells, row-major. May be views of reused buffers. */
  values: Float64Array;
  groups: Float64Array;
  terms: Float64Array;
  /**
   * Identity per cell row, when the builder knew rows that carry one identity throughout: such a
   * row's `groups`/`terms` cells are not written (read `identity` instead). Absent: read every
   * row's identity per cell.
   */
  identity?: RowIdentity;
  /** 1 where a cell conflicted; `null` when none did. */
  conflicts: Uint8Array | null;
  fanout?: FanoutStatus;
}

/**
 * Group id and leader term per cell row: `perCell[r] === 0` means every cell of row r has
 * (`group[r]`, `term[r]`); 1 means read the row's cells. Saves writing two f64 per cell.
 */
export interface RowIdentity {
  group: Float64Array;
  term: Float64Array;
  perCell: Uint8Array;
}

/** Row `r`'s identity when one value holds throughout: [group, term], else undefined. */
export function wholeRowIdentity(t: MatrixTable, r: number): readonly [number, number] | undefined {
  const id = t.identity;
  if (id === undefined || id.perCell[r] === 1) return undefined;
  return [id.group[r]!, id.term[r]!];
}

/** The wire object of a table (SPEC §5): what `JSON.parse(writeMatrixJson(table))` gives. */
export function toWireMatrix(t: MatrixTable): Matrix {
  const width = t.column_unix_ms.length;
  const constants = new Map<number, readonly number[]>();
  const rows: MatrixRow[] = new Array<MatrixRow>(t.heads.length);
  for (let i = 0; i < t.heads.length; i++) {
    const r = t.cellRow[i]!;
    const at = r * width;
    const whole = wholeRowIdentity(t, r);
    rows[i] = makeRow(
      t.heads[i]!,
      toArray(t.values, at, width),
      whole === undefined ? identityArray(t.groups, at, width, constants) : constantArray(whole[0], width, constants),
      whole === undefined ? identityArray(t.terms, at, width, constants) : constantArray(whole[1], width, constants),
      t.conflicts === null ? undefined : toFlags(t.conflicts, at, width),
    );
  }
  const m: Matrix = { column_unix_ms: t.column_unix_ms, rows, series: t.series, generated_at: t.generated_at };
  if (t.fanout !== undefined) m.fanout = t.fanout;
  return m;
}

// A plain indexed loop: ~10× faster than Array.from(typed.subarray(...)) on V8.
function toArray(source: Float64Array, at: number, length: number): number[] {
  const out = new Array<number>(length);
  for (let i = 0; i < length; i++) out[i] = source[at + i]!;
  return out;
}

/** Per-cell conflict flags, or undefined when no cell of the row conflicted (makeRow omits them). */
function toFlags(source: Uint8Array, at: number, length: number): boolean[] | undefined {
  if (source.subarray(at, at + length).indexOf(1) < 0) return undefined;
  const out = new Array<boolean>(length);
  for (let i = 0; i < length; i++) out[i] = source[at + i] === 1;
  return out;
}

/**
 * A row's per-cell group ids or leader terms. These are nearly always one value across the
 * whole row (a route keeps its group; terms change rarely), so such rows share one frozen array
 * per value: at 1 024 × 1 440 cells this saves two of the three arrays a row would allocate,
 * and allocating them was the largest cost of a build. Frozen, so a mutation fails loudly
 * instead of changing other rows.
 */
function identityArray(
  source: Float64Array,
  at: number,
  length: number,
  constants: Map<number, readonly number[]>,
): number[] {
  if (!isConstant(source, at, length)) return toArray(source, at, length);
  return constantArray(source[at]!, length, constants);
}

/** The shared frozen `length`-long array of `value`. */
function constantArray(value: number, length: number, constants: Map<number, readonly number[]>): number[] {
  let shared = constants.get(value);
  if (shared === undefined) {
    shared = Object.freeze(new Array<number>(length).fill(value));
    constants.set(value, shared);
  }
  return shared as number[];
}

/** Whether `source[at .. at+length)` holds one value throughout (true when empty). */
export function isConstant(source: Float64Array, at: number, length: number): boolean {
  const first = source[at];
  for (let i = 1; i < length; i++) if (source[at + i] !== first) return false;
  return true;
}
