// Columns summed while a file is read, for a replay opened at a coarser step than it was
// recorded at (`openHistory(bytes, { stepMs })`): a day at 1 s of 1 024 routes is 88 M cells,
// 2.1 GB once stored, while the viewer draws it at 30 s.
//
// A run is consecutive columns in one aligned step `(k·stepMs − stepMs, k·stepMs]` with the same
// rows and the same terms; it is kept as one column (the last member's time, the first member's
// window start) with each row's counts summed. Columns whose rows or terms change stay apart, so
// a term change inside a step still shows as 0/0 when the matrix re-aggregates. The matrix at any
// multiple of `stepMs` is then exactly the one of the full file (see rebucket.ts: it sums the
// same runs at query time).
import { stepEnd } from "../matrix/rebucket.js";
import type { ColumnData } from "./column-codec.js";

/** A run being summed: a private copy, since the reader's column data is reused. */
interface Run extends ColumnData {
  values: Float64Array[];
  terms: Float64Array;
  stepEnd: number;
}

export class StepRuns {
  private run: Run | null = null;

  constructor(
    private readonly stepMs: number,
    private readonly emit: (column: ColumnData) => void,
  ) {}

  /** Adds a column as read (valid only during the call). */
  add(c: ColumnData): void {
    const end = stepEnd(c.atMs, this.stepMs);
    const run = this.run;
    if (run !== null && run.stepEnd === end && sameRows(run, c)) {
      for (let f = 0; f < run.values.length; f++) {
        const sum = run.values[f]!;
        const add = c.values[f]!;
        for (let i = 0; i < c.n; i++) sum[i] = sum[i]! + add[i]!;
      }
      run.atMs = c.atMs;
      return;
    }
    this.end();
    this.run = {
      windowStartMs: c.windowStartMs,
      atMs: c.atMs,
      n: c.n,
      metaIds: c.metaIds.slice(0, c.n),
      values: c.values.map((v) => Float64Array.from(v.subarray(0, c.n))),
      terms: Float64Array.from(c.terms.subarray(0, c.n)),
      stepEnd: end,
    };
  }

  /** Emits the run being summed, if any (call after the last column). */
  end(): void {
    if (this.run !== null) this.emit(this.run);
    this.run = null;
  }
}

function sameRows(run: Run, c: ColumnData): boolean {
  if (run.n !== c.n) return false;
  for (let i = 0; i < c.n; i++) if (run.metaIds[i] !== c.metaIds[i] || run.terms[i] !== c.terms[i]) return false;
  return true;
}
