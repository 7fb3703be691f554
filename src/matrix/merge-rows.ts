// The rows of the fan-out merge before the budget: every node's row of one bucket id merged
// cell by cell onto the union of columns (SPEC §5.1, rule in merge-cell.ts).
import { decodeKey, type IncomingRow } from "../wire/wire.js";
import type { Series } from "../types.js";
import type { NodeCells, RowCells } from "./cell-slab.js";
import { CellMerger } from "./merge-cell.js";

/**
 * One node's contribution to a merged row: its row head and its cells, laid out on the merged
 * columns (from `base` in `cells`; a column the node does not have holds 0, which counts nothing,
 * as an absent cell).
 */
export interface Source {
  head: IncomingRow;
  cells: NodeCells;
  base: number;
}

/** A row of the merged matrix before the budget. */
export interface MergedRow {
  head: IncomingRow;
  /** This row's row in the cell slab. */
  cellRow: number;
  values: Float64Array;
  groups: Float64Array;
  terms: Float64Array;
  /** 1 where the cell conflicted. */
  conflicts: Uint8Array;
  total: number;
  start: Uint8Array | null;
  end: Uint8Array | null;
}

/** The merged row of one bucket id: its cells in `cells` (slab row `cellRow`) and its total. */
export function mergeRow(sources: Source[], cells: RowCells, cellRow: number, series: Series): MergedRow {
  const head = sources[0]!.head;
  const width = cells.values.length;
  // One literal with every field (no spread): every MergedRow shares one hidden class, so the
  // per-cell loops over them stay monomorphic.
  const out: MergedRow = {
    head,
    cellRow,
    values: cells.values,
    groups: cells.groups,
    terms: cells.terms,
    conflicts: cells.conflicts,
    total: 0,
    start: decodeKey(head.start),
    end: decodeKey(head.end),
  };
  if (sources.length === 1) copySource(sources[0]!, out);
  else mergeSources(sources, out, series === "reads" || series === "read_bytes");
  for (let j = 0; j < width; j++) out.total += out.values[j]!;
  return out;
}

/**
 * A row only one node has: its cells, moved to the merged columns. A cell that counted nothing
 * (absent, or 0) carries identity 0/0 like every zero cell of a merge.
 */
function copySource({ cells, base }: Source, out: MergedRow): void {
  const { values, groups, terms, conflicts } = cells;
  for (let j = 0; j < out.values.length; j++) {
    const at = base + j;
    const v = values[at]!;
    out.values[j] = v;
    out.groups[j] = v !== 0 ? groups[at]! : 0;
    out.terms[j] = v !== 0 ? terms[at]! : 0;
    out.conflicts[j] = conflicts !== null ? conflicts[at]! : 0;
  }
}

const NO_FLAGS = new Uint8Array(0);

function mergeSources(sources: Source[], out: MergedRow, additive: boolean): void {
  const k = sources.length;
  const base = sources.map((s) => s.base);
  const values = sources.map((s) => s.cells.values);
  const groups = sources.map((s) => s.cells.groups);
  const terms = sources.map((s) => s.cells.terms);
  const flagged = sources.map((s) => s.cells.conflicts !== null);
  const conflicts = sources.map((s) => s.cells.conflicts ?? NO_FLAGS);
  const cell = new CellMerger(k);
  // Three nodes (a replicated group's fan-out) without conflict flags: cells whose non-zero
  // contributions carry one identity (most of them) are settled without the general loop.
  const three = k === 3 && !flagged.some((f) => f);
  const [b0, b1, b2] = base as [number, number, number];
  const [v0s, v1s, v2s] = values as [Float64Array, Float64Array, Float64Array];
  const [g0s, g1s, g2s] = groups as [Float64Array, Float64Array, Float64Array];
  const [t0s, t1s, t2s] = terms as [Float64Array, Float64Array, Float64Array];
  // The output arrays in locals: the loop stores four cells per column.
  const { values: outV, groups: outG, terms: outT, conflicts: outC } = out;
  for (let j = 0; j < outV.length; j++) {
    if (three) {
      const a0 = b0 + j;
      const a1 = b1 + j;
      const a2 = b2 + j;
      const v0 = v0s[a0]!;
      const v1 = v1s[a1]!;
      const v2 = v2s[a2]!;
      // The identity of the first non-zero contribution; zero contributions count nothing.
      const g = v0 !== 0 ? g0s[a0]! : v1 !== 0 ? g1s[a1]! : g2s[a2]!;
      const t = v0 !== 0 ? t0s[a0]! : v1 !== 0 ? t1s[a1]! : t2s[a2]!;
      if (
        (v0 === 0 || (g0s[a0] === g && t0s[a0] === t)) &&
        (v1 === 0 || (g1s[a1] === g && t1s[a1] === t)) &&
        (v2 === 0 || (g2s[a2] === g && t2s[a2] === t))
      ) {
        // One identity: writes take the max (a conflict when the non-zero values differ), reads
        // add up; a cell that counted nothing is 0 with identity 0/0.
        const n = (v0 !== 0 ? 1 : 0) + (v1 !== 0 ? 1 : 0) + (v2 !== 0 ? 1 : 0);
        const max = Math.max(v0, v1, v2);
        const byMax = n > 1 && !additive;
        outV[j] = n === 0 ? 0 : byMax ? max : v0 + v1 + v2;
        outG[j] = n === 0 ? 0 : g;
        outT[j] = n === 0 ? 0 : t;
        const differ = (v0 !== 0 && v0 !== max) || (v1 !== 0 && v1 !== max) || (v2 !== 0 && v2 !== max);
        outC[j] = byMax && differ ? 1 : 0;
        continue;
      }
    }
    // One pass computes what CellMerger.resolve would, except the per-identity sum of writes
    // whose contributions all carry an identity and more than one distinct identity (the only
    // case that needs them all at once). With one identity that sum is the max, and a conflict
    // exactly when the values differ: what the max rule below gives.
    let nonZero = 0;
    let sum = 0;
    let max = 0;
    let first = 0;
    let differ = false;
    let identified = true;
    let conflictIn = false;
    let bestV = 0;
    let bestG = 0;
    let bestT = 0;
    let firstG = 0;
    let firstT = 0;
    let identities = false; // more than one (group, term) among the non-zero contributions
    for (let s = 0; s < k; s++) {
      const at = base[s]! + j;
      if (flagged[s] && conflicts[s]![at] === 1) conflictIn = true;
      const v = values[s]![at]!;
      if (v === 0) continue;
      const g = groups[s]![at]!;
      const t = terms[s]![at]!;
      if (nonZero === 0) {
        first = v;
        firstG = g;
        firstT = t;
      } else {
        if (v !== first) differ = true;
        if (g !== firstG || t !== firstT) identities = true;
      }
      if (nonZero === 0 || t > bestT || (t === bestT && v > bestV)) {
        bestV = v;
        bestG = g;
        bestT = t;
      }
      nonZero++;
      sum += v;
      if (v > max) max = v;
      if (g === 0 || t === 0) identified = false;
    }
    if (nonZero > 1 && !additive && identified && identities) {
      cell.reset();
      for (let s = 0; s < k; s++) {
        const at = base[s]! + j;
        cell.add(values[s]![at]!, groups[s]![at]!, terms[s]![at]!, flagged[s]! && conflicts[s]![at] === 1);
      }
      cell.resolve(additive);
      outV[j] = cell.value;
      outG[j] = cell.group;
      outT[j] = cell.term;
      outC[j] = cell.conflict ? 1 : 0;
      continue;
    }
    const byMax = nonZero > 1 && !additive;
    outV[j] = byMax ? max : sum;
    outG[j] = bestG;
    outT[j] = bestT;
    outC[j] = conflictIn || (byMax && differ) ? 1 : 0;
  }
}
