// Identity (group id, leader term) per output row while a pivot runs: see RowIdentities.
import type { PivotResult } from "./kernels.js";
import type { RowIdentity } from "./table.js";

/**
 * Identity per output row while the pivot runs. A row keeps one (group, term) as long as every
 * cell so far had it, and nothing is written per cell; the first cell that differs switches the
 * row to per-cell identities, writing the shared one into the row's earlier cells first.
 */
export class RowIdentities {
  readonly group: Float64Array;
  readonly term: Float64Array;
  readonly perCell: Uint8Array;
  private readonly seen: Uint8Array;

  constructor(
    rows: number,
    private readonly width: number,
    private readonly out: PivotResult,
  ) {
    this.group = new Float64Array(rows);
    this.term = new Float64Array(rows);
    this.perCell = new Uint8Array(rows);
    this.seen = new Uint8Array(rows);
  }

  /** Cell (r, c) has identity (g, t): written if the row keeps them per cell, else checked. */
  note(r: number, c: number, g: number, t: number): void {
    const at = r * this.width + c;
    if (this.perCell[r] === 0) {
      if (this.seen[r] === 0) {
        this.seen[r] = 1;
        this.group[r] = g;
        this.term[r] = t;
        return;
      }
      if (this.group[r] === g && this.term[r] === t) return;
      this.perCell[r] = 1;
      this.out.groups.fill(this.group[r]!, at - c, at);
      this.out.terms.fill(this.term[r]!, at - c, at);
    }
    this.out.groups[at] = g;
    this.out.terms[at] = t;
  }

  result(): RowIdentity {
    return { group: this.group, term: this.term, perCell: this.perCell };
  }
}
