// One cell of the fan-out merge (SPEC §5.1): the rule for combining the nodes' contributions to
// a cell. The row merge (merge-rows.ts) resolves most cells in one inline pass and hands only
// the cells that need every contribution at once to CellMerger.

/** A contribution of one node to one cell, or a merged cell. */
export interface CellContribution {
  value: number;
  group: number;
  term: number;
  conflict: boolean;
}

/**
 * One cell of §5.1, allocation-free: `add` each node's contribution, then `resolve`.
 * Reads and read bytes are summed (every node serves its own reads). Writes are counted by the
 * leader of each term, so over the non-zero contributions: when all carry an identity
 * (group ≠ 0, term ≠ 0), equal identities must agree (else max + conflict) and distinct ones are
 * summed; otherwise the max is taken, conflicting when two non-zero values differ. An input cell
 * already flagged conflicting stays conflicting.
 * Identity of the result (not in the SPEC): the non-zero contribution with the highest term (then
 * the larger value, then the earlier node); 0/0 when no contribution is non-zero (a cell where
 * nothing was counted carries no identity, as a cell with no row does, SPEC §5).
 */
export class CellMerger implements CellContribution {
  value = 0;
  group = 0;
  term = 0;
  conflict = false;
  private count = 0;
  private values: Float64Array;
  private groups: Float64Array;
  private terms: Float64Array;
  private anyConflict = false;

  constructor(capacity: number) {
    this.values = new Float64Array(capacity);
    this.groups = new Float64Array(capacity);
    this.terms = new Float64Array(capacity);
  }

  reset(): void {
    this.count = 0;
    this.anyConflict = false;
  }

  add(value: number, group: number, term: number, conflict: boolean): void {
    const i = this.count++;
    this.values[i] = value;
    this.groups[i] = group;
    this.terms[i] = term;
    if (conflict) this.anyConflict = true;
  }

  resolve(additive: boolean): void {
    const { values, groups, terms, count } = this;
    let best = -1;
    let nonZero = 0;
    let identified = true;
    let sum = 0;
    let max = 0;
    let first = 0;
    let differ = false;
    for (let i = 0; i < count; i++) {
      const v = values[i]!;
      if (v === 0) continue;
      if (nonZero === 0) first = v;
      else if (v !== first) differ = true;
      nonZero++;
      sum += v;
      if (v > max) max = v;
      if (groups[i] === 0 || terms[i] === 0) identified = false;
      if (best < 0 || terms[i]! > terms[best]! || (terms[i] === terms[best] && v > values[best]!)) best = i;
    }
    this.group = best < 0 ? 0 : groups[best]!;
    this.term = best < 0 ? 0 : terms[best]!;
    this.conflict = this.anyConflict;
    if (additive || nonZero <= 1) {
      this.value = sum;
    } else if (identified) {
      this.value = this.sumPerIdentity();
    } else {
      this.value = max;
      if (differ) this.conflict = true;
    }
  }

  /** Sum over distinct (group, term) of the max of that identity's values; flags disagreement. */
  private sumPerIdentity(): number {
    const { values, groups, terms, count } = this;
    let total = 0;
    for (let i = 0; i < count; i++) {
      if (values[i] === 0) continue;
      let seenBefore = false;
      for (let k = 0; k < i && !seenBefore; k++) {
        seenBefore = values[k] !== 0 && groups[k] === groups[i] && terms[k] === terms[i];
      }
      if (seenBefore) continue;
      let max = values[i]!;
      for (let k = i + 1; k < count; k++) {
        if (values[k] === 0 || groups[k] !== groups[i] || terms[k] !== terms[i]) continue;
        if (values[k] !== values[i]) this.conflict = true;
        if (values[k]! > max) max = values[k]!;
      }
      total += max;
    }
    return total;
  }
}

/** One cell of §5.1 from a list of contributions (see CellMerger for the rules). */
export function mergeCell(contributions: readonly CellContribution[], additive: boolean): CellContribution {
  const cell = new CellMerger(contributions.length);
  for (const c of contributions) cell.add(c.value, c.group, c.term, c.conflict);
  cell.resolve(additive);
  return { value: cell.value, group: cell.group, term: cell.term, conflict: cell.conflict };
}
