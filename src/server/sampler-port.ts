// The slice of the sampler the server uses. Kept as an interface so tests can serve a small fake
// and the server does not depend on how the sampler is built.
import type { Column, HotKeysRequest } from "../types.js";
import type { Matrix, MatrixQuery } from "../wire/wire.js";
import type { HotKeysResponse } from "../hotkeys/response.js";
import type { MatrixTable } from "../matrix/table.js";

export type { HotKeysRequest };

export interface SamplerPort {
  /** This node's matrix (wire object of SPEC §5); `fromMs`/`toMs` absent = unbounded. */
  matrix(q: MatrixQuery): Matrix;
  /**
   * The same matrix as a MatrixTable (typed cells): when present, the server writes the JSON
   * straight from it and streams it instead of stringifying `matrix()`.
   */
  matrixTable?(q: MatrixQuery): MatrixTable;
  /** Subscribes to flushed columns; returns the unsubscribe function. */
  onFlush(listener: (column: Column) => void): () => void;
  hotKeysEnabled?: boolean;
  /** Configured source labels; the hot-keys endpoint answers 400 for any other label (absent: not checked). */
  readonly labels?: readonly string[];
  /** Column step; the hot-keys time window is checked against `[snapshot_at − stepMs, snapshot_at]`. */
  readonly stepMs?: number;
  /** Wire object of SPEC §7, or `null` when no snapshot exists. */
  hotKeys?(routeId: number, opts: HotKeysRequest): HotKeysResponse | null;
  /** The columns with `fromMs ≤ atMs < toMs` (absent = unbounded) as a `.kvz` export file. */
  exportHistory?(range: { fromMs?: number; toMs?: number }): Uint8Array;
  /** Health figures for `/metrics`; every field optional (see metrics.ts for the names used). */
  stats?(): SamplerHealth;
}

/** The `stats()` fields `/metrics` exposes when present. */
export interface SamplerHealth {
  observations?: number;
  misses?: number;
  invalidSamples?: number;
  droppedSamples?: number;
  flushes?: number;
  lastFlushDurationMs?: number;
  columns?: number;
  trackedRoutes?: number;
  virtualBuckets?: number;
  memoryBytes?: number;
  storageErrors?: number;
}
