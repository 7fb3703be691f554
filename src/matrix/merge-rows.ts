// The rows of the fan-out merge before the budget: every node's row of one bucket id merged
// cell by cell onto the union of columns (SPEC §5.1, rule in merge-cell.ts).
import { decodeKey, type IncomingRow } from "../wire/wire.js";
import type { Series } from "../types.js";
import type { RowCells, RowCopier, SourceCells } from "./cell-slab.js";
import type { InputRow } from "./merge-input.js";
import { CellMerger } from "./merge-cell.js";

/**
 * One node's contribution to a merged row: its row head, its row, and where its columns go among
 * the merged columns (`place[j]` for its column j; null when it has every merged column; a
 * column it lacks counts as 0, which counts nothing, as an absent cell).
 */
export interface Source {
  head: IncomingRow;
  row: InputRow;
  place: Int32Array | null;
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

/**
 * The merged row of one bucket id: its cells in `cells` (slab row `cellRow`) and its total. The
 * sources' cells are copied (and checked) by `copier` on the way.
 */
export function mergeRow(
  sources: Source[],
  cells: RowCells,
  cellRow: number,
  series: Series,
  copier: RowCopier,
): MergedRow {
  const head = sources[0]!.head;
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
  if (sources.length === 1) {
    copySource(sources[0]!, out, copier);
    out.total = sum(out.values);
  } else {
    const copies = sources.map((s, i) => copier.copy(i, s.row, s.place));
    out.total = mergeSources(copies, out, series === "reads" || series === "read_bytes");
  }
  return out;
}

/**
 * A row only one node has: its cells, moved to the merged columns. A cell that counted nothing
 * (absent, or 0) carries identity 0/0 like every zero cell of a merge.
 */
function copySource({ row, place }: Source, out: MergedRow, copier: RowCopier): void {
  copier.copyTo(row, place, out);
  const { values, groups, terms } = out;
  for (let j = 0; j < values.length; j++) {
    if (values[j] !== 0) continue;
    groups[j] = 0;
    terms[j] = 0;
  }
}

/** The sum of `values`, in a local: adding into a field stored a boxed number per cell. */
function sum(values: Float64Array): number {
  let total = 0;
  for (let j = 0; j < values.length; j++) total += values[j]!;
  return total;
}

const NO_FLAGS = new Uint8Array(0);

/** Zeros standing in for the missing third node of a two-node row (a 0 cell counts nothing). */
let zeros = new Float64Array(0);

function zeroCells(width: number): Float64Array {
  if (zeros.length < width) zeros = new Float64Array(width);
  return zeros;
}

/** Merges the cells of `sources` into `out`; returns the row total. */
function mergeSources(sources: SourceCells[], out: MergedRow, additive: boolean): number {
  // Two or three nodes (a replicated group's fan-out, or a row one node lacks) without conflict
  // flags: one loop with every contribution in locals; a two-node row gets a third of zeros.
  if (sources.length <= 3 && sources.every((s) => s.conflicts === null)) {
    const z = zeroCells(out.values.length);
    // Fields in the order RowCopier writes them: one hidden class for mergeThree to see.
    const zero: SourceCells = { values: z, groups: z, terms: z, conflicts: null };
    return mergeThree(sources[0]!, sources[1]!, sources[2] ?? zero, out, additive);
  }
  mergeMany(sources, out, additive);
  return sum(out.values);
}

/**
 * Three contributions per cell, as CellMerger would merge them. For writes the cell is the max
 * (conflicting when two non-zero values differ) unless every non-zero contribution carries an
 * identity and there are several identities (then each identity's max is summed: CellMerger,
 * under 1 % of the cells of a real fan-out); for reads, the sum. The identity is that of the
 * non-zero contribution with the highest term (then the larger value, then the earlier node),
 * 0/0 when none is non-zero.
 *
 * The common cell, whose non-zero contributions share one identity, is settled without a branch
 * on the values: when the nodes' counts differ at random, branches on them (a ternary max,
 * Math.max) are mispredicted about half the time, and that cost more than the rest of the loop.
 */
function mergeThree(s0: SourceCells, s1: SourceCells, s2: SourceCells, out: MergedRow, additive: boolean): number {
  const { values: v0s, groups: g0s, terms: t0s } = s0;
  const { values: v1s, groups: g1s, terms: t1s } = s1;
  const { values: v2s, groups: g2s, terms: t2s } = s2;
  const { values: outV, groups: outG, terms: outT, conflicts: outC } = out;
  let total = 0; // the row total, summed here rather than in another pass over the row
  for (let j = 0; j < outV.length; j++) {
    const v0 = v0s[j]!;
    const v1 = v1s[j]!;
    const v2 = v2s[j]!;
    const g0 = g0s[j]!;
    const g1 = g1s[j]!;
    const g2 = g2s[j]!;
    const t0 = t0s[j]!;
    const t1 = t1s[j]!;
    const t2 = t2s[j]!;
    const max = maxOfCounts(v0, v1, v2);
    // The first non-zero contribution's identity (these branches follow the zero cells, which
    // are rare and clustered), and whether every non-zero one carries it (bitwise: no branches).
    const g = v0 !== 0 ? g0 : v1 !== 0 ? g1 : g2;
    const t = v0 !== 0 ? t0 : v1 !== 0 ? t1 : t2;
    const one =
      (Number(v0 === 0) | (Number(g0 === g) & Number(t0 === t))) &
      (Number(v1 === 0) | (Number(g1 === g) & Number(t1 === t))) &
      (Number(v2 === 0) | (Number(g2 === g) & Number(t2 === t)));
    if (one === 0) {
      mixedCell(v0, g0, t0, v1, g1, t1, v2, g2, t2, max, out, j, additive);
      total += outV[j]!;
      continue;
    }
    // `0 +` turns a sum of -0 counts into 0, as the other paths give.
    const value = additive ? 0 + v0 + v1 + v2 : max;
    outV[j] = value;
    outG[j] = max === 0 ? 0 : g;
    outT[j] = max === 0 ? 0 : t;
    outC[j] = additive ? 0 : differsFrom(max, v0, v1, v2);
    total += value;
  }
  return total;
}

const EXACT = 2 ** 52;

/**
 * The largest of three counts (non-negative integers) without a branch on them: max(a, b) is
 * (a + b + |a - b|) / 2, exact while the result is below 2^52 (Math.abs is a mask, no branch);
 * larger counts, never seen in practice, take Math.max.
 */
function maxOfCounts(a: number, b: number, c: number): number {
  const ab = (a + b + Math.abs(a - b)) * 0.5;
  const m = (ab + c + Math.abs(ab - c)) * 0.5;
  return m < EXACT ? m : Math.max(a, b, c);
}

/** 1 when a non-zero one of `v0`, `v1`, `v2` differs from `max` (their max), else 0; no branches. */
function differsFrom(max: number, v0: number, v1: number, v2: number): number {
  return (
    (Number(v0 !== 0) & Number(v0 !== max)) |
    (Number(v1 !== 0) & Number(v1 !== max)) |
    (Number(v2 !== 0) & Number(v2 !== max))
  );
}

const threeCells = new CellMerger(3);

/**
 * Cell `j` of `out` when its non-zero contributions carry more than one identity: the identity
 * of the best one; for writes, the per-identity sum when every one carries an identity.
 */
function mixedCell(
  v0: number,
  g0: number,
  t0: number,
  v1: number,
  g1: number,
  t1: number,
  v2: number,
  g2: number,
  t2: number,
  max: number,
  out: MergedRow,
  j: number,
  additive: boolean,
): void {
  if (
    !additive &&
    ((g0 !== 0 && t0 !== 0) || v0 === 0) &&
    ((g1 !== 0 && t1 !== 0) || v1 === 0) &&
    ((g2 !== 0 && t2 !== 0) || v2 === 0)
  ) {
    // The per-identity sum: CellMerger, the rule itself (rare enough for its general loops).
    const cell = threeCells;
    cell.reset();
    cell.add(v0, g0, t0, false);
    cell.add(v1, g1, t1, false);
    cell.add(v2, g2, t2, false);
    cell.resolve(false);
    out.values[j] = cell.value;
    out.groups[j] = cell.group;
    out.terms[j] = cell.term;
    out.conflicts[j] = cell.conflict ? 1 : 0;
    return;
  }
  // The best contribution's identity, as CellMerger picks it, written out: these cells (reads
  // across a term change, writes where a node without identity meets one with) are not rare in a
  // fan-out, and a CellMerger per cell made merge-3 1.079× slower (alternating A/B).
  let bv = v0;
  let bg = g0;
  let bt = t0;
  if (v1 !== 0 && (bv === 0 || t1 > bt || (t1 === bt && v1 > bv))) {
    bv = v1;
    bg = g1;
    bt = t1;
  }
  if (v2 !== 0 && (bv === 0 || t2 > bt || (t2 === bt && v2 > bv))) {
    bg = g2;
    bt = t2;
  }
  out.values[j] = additive ? 0 + v0 + v1 + v2 : max;
  out.groups[j] = bg;
  out.terms[j] = bt;
  out.conflicts[j] = additive ? 0 : differsFrom(max, v0, v1, v2);
}

/** Any number of nodes, with or without conflict flags. */
function mergeMany(sources: SourceCells[], out: MergedRow, additive: boolean): void {
  const k = sources.length;
  const values = sources.map((s) => s.values);
  const groups = sources.map((s) => s.groups);
  const terms = sources.map((s) => s.terms);
  const flagged = sources.map((s) => s.conflicts !== null);
  const conflicts = sources.map((s) => s.conflicts ?? NO_FLAGS);
  const cell = new CellMerger(k);
  // The output arrays in locals: the loop stores four cells per column.
  const { values: outV, groups: outG, terms: outT, conflicts: outC } = out;
  for (let j = 0; j < outV.length; j++) {
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
      if (flagged[s] && conflicts[s]![j] === 1) conflictIn = true;
      const v = values[s]![j]!;
      if (v === 0) continue;
      const g = groups[s]![j]!;
      const t = terms[s]![j]!;
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
        cell.add(values[s]![j]!, groups[s]![j]!, terms[s]![j]!, flagged[s]! && conflicts[s]![j] === 1);
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
