// Tiers: older history at coarser resolution (docs/history.md "Tiers"). The base tier is the
// history's ring (`stepMs` × `historyColumns`); each further tier keeps `columns` columns of
// `stepMs` (a multiple of the step below). A column that ages out of a tier waits, as it is, in
// the next tier's `incoming` list until a column of a later interval of that tier's step arrives;
// then the waiting columns are merged into one (tier-merge.ts) and appended to that tier. So every
// column stays readable at all times, merging costs one pass per coarse step, and memory is
// bounded by Σ (columns + step ratio) columns. Columns ageing out of the last tier are dropped.

import type { RowMeta } from "../types.js";
import type { StoredColumn } from "./history.js";
import { mergeColumns } from "./tier-merge.js";

export interface TierSpec {
  /** Width of this tier's columns (ms): a multiple of the step of the tier below. */
  stepMs: number;
  /** Columns this tier keeps. */
  columns: number;
}

/** A column with the number of recorded rewrites (split/merge re-homing) it has had. */
export interface TierEntry {
  col: StoredColumn;
  applied: number;
}

interface Level {
  spec: TierSpec;
  /** Merged columns, oldest first. */
  cols: TierEntry[];
  /** Columns aged out of the tier below, waiting to be merged (one interval of `spec.stepMs`). */
  incoming: TierEntry[];
  incomingKey: number;
}

/** What a tier chain needs from its history. */
export interface TierHost {
  /** The entry's column with every recorded rewrite applied (updates the entry). */
  current(e: TierEntry): StoredColumn;
  /** Number of rewrites recorded so far (a merged column is born having had them all). */
  rewritesTotal(): number;
  meta(id: number): RowMeta;
}

export class TierChain {
  private readonly levels: Level[];
  /** Called with every merged column and its tier (1 = the first tier above the base). */
  onMerged: ((tier: number, col: StoredColumn) => void) | null = null;

  constructor(
    specs: readonly TierSpec[],
    private readonly host: TierHost,
  ) {
    this.levels = specs.map((spec) => ({ spec, cols: [], incoming: [], incomingKey: NaN }));
  }

  get specs(): TierSpec[] {
    return this.levels.map((l) => ({ ...l.spec }));
  }

  /** Columns held in every tier (merged and waiting). */
  get length(): number {
    let n = 0;
    for (const l of this.levels) n += l.cols.length + l.incoming.length;
    return n;
  }

  /** A column that left tier `from` (0 = the base ring) enters the next tier. */
  age(e: TierEntry, from = 0): void {
    const level = this.levels[from];
    if (level === undefined) return; // past the last tier: dropped
    const key = Math.ceil(e.col.atMs / level.spec.stepMs);
    if (level.incoming.length > 0 && key !== level.incomingKey) this.mergeIncoming(from);
    level.incomingKey = key;
    level.incoming.push(e);
  }

  /** Every entry, oldest first: the last tier's columns and waiting ones, then the tier below. */
  entries(): TierEntry[] {
    const out: TierEntry[] = [];
    for (let t = this.levels.length - 1; t >= 0; t--) out.push(...this.levels[t]!.cols, ...this.levels[t]!.incoming);
    return out;
  }

  /** Tier of each entry of `entries()` (1 = first tier above the base), same order. */
  tierOfEntries(): number[] {
    const out: number[] = [];
    for (let t = this.levels.length - 1; t >= 0; t--) {
      for (let k = 0; k < this.levels[t]!.cols.length; k++) out.push(t + 1);
      for (let k = 0; k < this.levels[t]!.incoming.length; k++) out.push(t);
    }
    return out;
  }

  private mergeIncoming(t: number): void {
    const level = this.levels[t]!;
    const merged = mergeColumns(
      level.incoming.map((e) => this.host.current(e)),
      (id) => this.host.meta(id),
    );
    level.incoming = [];
    this.onMerged?.(t + 1, merged);
    level.cols.push({ col: merged, applied: this.host.rewritesTotal() });
    if (level.cols.length > level.spec.columns) this.age(level.cols.shift()!, t + 1);
  }
}
