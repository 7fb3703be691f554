// Wire types of the matrix API (SPEC §5): what a node sends and what a merge returns.
// Browser-safe: types and constants only.
import type { Series } from "../types.js";

/** Largest row budget a matrix request may ask for; also the default. */
export const MAX_ROWS = 1024;
/**
 * Columns a node's matrix can hold: 100 000 history columns plus up to 8 tiers of 100 000
 * (`MAX_HISTORY_COLUMNS`, `MAX_TIER_COLUMNS`, `MAX_TIERS`). A peer's answer with more is
 * malformed. This bounds a broken peer to what a real node could send, not the merge's memory:
 * every merged row is as wide as the union of the nodes' columns (10^6 bare timestamps, a 7 MB
 * body, made a 1.2 GB response from 200 rows; 900 000 still can).
 */
export const MAX_MATRIX_COLUMNS = 900_000;
/** Member route ids listed on an aggregate row; the true count is `route_count`. */
export const MAX_MEMBER_ROUTE_IDS = 256;

/** One row of the heatmap: a key range and its values per column. */
export interface MatrixRow {
  /** `route:<id>[:<label>][#<sub>]`, `virtual:<id>` or (row budget) `merged:<first>..<last>`. */
  bucket_id: string;
  /** Source label; omitted when empty. */
  label?: string;
  /** Standard base64 with padding; `null` = lowest key. */
  start: string | null;
  /** Standard base64 with padding; `null` = unbounded. */
  end: string | null;
  aggregate: boolean;
  /** Member route ids, ascending, capped at 256; aggregate rows only. */
  route_ids?: number[];
  /** Present (and true) only when `route_ids` does not list every member. */
  route_ids_truncated?: true;
  /** True number of member routes (≥ 1). */
  route_count: number;
  /** Parallel to `column_unix_ms`; a quiet cell is 0. */
  values: number[];
  /** OR of `conflicts`; present only when some cell conflicted. */
  conflict?: true;
  /** Parallel to `values`; present only when some cell conflicted. */
  conflicts?: boolean[];
  /** Parallel to `values`: replication group per cell (0 = none/unknown). */
  raft_group_ids: number[];
  /** Parallel to `values`: leader term per cell (0 = not tracked). */
  leader_terms: number[];
}

/** Per-node outcome of a fan-out request; self first, then peers in configured order. */
export interface FanoutStatus {
  nodes: { node: string; ok: boolean; error?: string }[];
  responded: number;
  expected: number;
}

/** The matrix response body. */
export interface Matrix {
  column_unix_ms: number[];
  rows: MatrixRow[];
  series: Series;
  /** RFC 3339, UTC. */
  generated_at: string;
  fanout?: FanoutStatus;
}

/**
 * A row as another node may send it: older nodes omit `raft_group_ids`/`leader_terms` or send
 * them shorter than `values`; a missing cell means identity unknown (0), SPEC §5.1.
 */
export type IncomingRow = Omit<MatrixRow, "raft_group_ids" | "leader_terms" | "route_ids_truncated" | "conflict"> & {
  raft_group_ids?: number[];
  leader_terms?: number[];
  route_ids_truncated?: boolean;
  conflict?: boolean;
};

/** A matrix as another node may send it (see `IncomingRow`); every `Matrix` is one. */
export interface IncomingMatrix {
  column_unix_ms: number[];
  rows: IncomingRow[];
  series: Series;
  generated_at: string;
}

/** A parsed matrix query. `fromMs`/`toMs` are absent when unbounded (omitted or 0). */
export interface MatrixQuery {
  series: Series;
  fromMs?: number;
  toMs?: number;
  /** Row budget, always in [1, MAX_ROWS]. */
  rows: number;
}
