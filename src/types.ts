// Shared value types of the public API. Plain data only: no behaviour lives here.

/** Operation of a sample. */
export const Op = { Read: 0, Write: 1 } as const;
export type Op = (typeof Op)[keyof typeof Op];

/** The four counters of a row, in storage order. */
export const SERIES = ["reads", "writes", "read_bytes", "write_bytes"] as const;
export type Series = (typeof SERIES)[number];

/** A key: `null` means "lowest" for a start and "unbounded" for an end. */
export type Key = Uint8Array | null;

/** What a row is, independent of its counts: stored once per bucket in the history. */
export interface RowMeta {
  /** Wire bucket id: `route:<id>[:<label>][#<sub>]` or `virtual:<id>`. */
  bucketId: string;
  /** The route id; `null` for a virtual bucket (its synthetic id is in `bucketId`). */
  routeId: number | null;
  /** Source label; `""` when unlabeled. */
  label: string;
  /** Inclusive lower bound; `null` = lowest key. */
  start: Key;
  /** Exclusive upper bound; `null` = unbounded. */
  end: Key;
  /** True for virtual buckets (several routes folded into one slot). */
  aggregate: boolean;
  /** Member route ids of a virtual bucket (capped); `[routeId]` for a plain route. */
  memberRoutes: number[];
  /** True member count (≥ 1). */
  memberRoutesTotal: number;
  /** Replication group of the route; 0 for virtual buckets. */
  groupId: number;
  /** Sub-bucket index within the route (0 when the route has one bucket). */
  subBucket: number;
  /** Effective number of sub-buckets of the route. */
  subBucketCount: number;
}

/** One row of a flushed column (what `snapshot()` returns). */
export interface Row extends RowMeta {
  /** Leader term of `groupId` at flush time; 0 when not tracked. */
  leaderTerm: number;
  reads: number;
  writes: number;
  readBytes: number;
  writeBytes: number;
}

/** Which hot keys to read (SPEC §7): a label, a sub-bucket index, and how many. */
export interface HotKeysRequest {
  /** Source label; `""` (default) is the unlabelled slot. */
  label?: string;
  /** Only keys inside this sub-bucket of the route. */
  subBucket?: number;
  /** Keys to return (default 20). */
  top?: number;
}

/** One flushed time column: counters drained for the window `(windowStartMs, atMs]`. */
export interface Column {
  windowStartMs: number;
  atMs: number;
  rows: Row[];
}

/**
 * One series of the column history, columnar: the matrix builder's input. `metaIds[i]` indexes
 * `metas`; `values[i]` is the series value of that row in the column (possibly 0 when the row was
 * non-zero in another series); `terms[i]` its leader term (0 = not tracked). Values are exact:
 * the history hands out its u32 storage as is, or f64 where a value does not fit in 32 bits.
 * The arrays may be views of history storage: read them, never write, and only until the next
 * flush (a full ring recycles the storage of the column it drops).
 */
export interface SeriesView {
  series: Series;
  metas: RowMeta[];
  columns: {
    windowStartMs: number;
    atMs: number;
    metaIds: Uint32Array;
    values: Float64Array | Uint32Array;
    terms: Float64Array | Uint32Array;
  }[];
  /** Optional figures of exactly these columns, kept by the history: the build then skips its first pass. */
  summary?: MetaTotals;
}

/** Per-meta figures of one series over a view's columns (what the matrix build's first pass finds). */
export interface MetaTotals {
  /** Number of columns covered: the figures are ignored unless the build reads exactly these. */
  columnCount: number;
  /** Sum of the series per meta id. */
  totals: Float64Array;
  /** Per meta id, a number that grows with the newest column containing it; 0 = absent. */
  last: Uint32Array;
}
