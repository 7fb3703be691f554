// What `sampler.stats()` reports (one shape, documented here rather than in the facade).

import type { StorageStats } from "../history/segment-log.js";
import type { SamplerComponents } from "./components.js";

export interface SamplerStats {
  /**
   * Every `observe`/`observeKey` call: the requests counted (summed when a flush drains them,
   * so the ones still pending appear at the next flush), plus misses and invalid samples.
   */
  observations: number;
  /** Observations of unknown or removed routes. */
  misses: number;
  /** Observations with an op other than 0/1 or a key that is not a Uint8Array. */
  invalidSamples: number;
  /**
   * Hot-key samples dropped because the hot-key queue was full (SPEC §7 `dropped_samples`,
   * summed over routes; added up when a flush publishes them). Counting itself never drops a
   * sample: 0 with hot keys off.
   */
  droppedSamples: number;
  /** Flushes (columns appended) since creation. */
  flushes: number;
  /** Wall time of the last flush in milliseconds, `onFlush` listeners excluded (0 before the first). */
  lastFlushDurationMs: number;
  /** Live routes with their own slot. */
  trackedRoutes: number;
  /** Live virtual buckets. */
  virtualBuckets: number;
  /** Columns in history (the base tier's and every coarser tier's). */
  columns: number;
  /**
   * Bytes held: the counters (Wasm, and the sub-bucket index in JS), the hot-keys tracker (its
   * Wasm sketch pool as reserved, its queue, JS sketches and published keys), the stored history,
   * and a shared sampler's shared memory.
   */
  memoryBytes: number;
  /** Flushes whose clock was not after the previous column (back, still, not finite): stepped by 1 ms. */
  clockAnomalies: number;
  /** History storage on disk (`storage` option), or null when off. */
  storage: StorageStats | null;
  /** Failed storage writes since startup; absent without storage (nothing to fail). */
  storageErrors?: number;
}

/** What the facade counts itself (the hot path's rejects, and flush timing). */
export interface FacadeCounts {
  readonly misses: number;
  readonly invalidSamples: number;
  readonly flushes: number;
  readonly lastFlushDurationMs: number;
}

export function collectStats(parts: SamplerComponents, own: FacadeCounts): SamplerStats {
  const virtualBuckets = parts.virtuals.liveCount;
  const misses = own.misses + (parts.shared?.missCount ?? 0);
  const invalidSamples = own.invalidSamples + (parts.shared?.invalidSamples ?? 0);
  return {
    observations: parts.flusher.drainedRequests + misses + invalidSamples,
    misses,
    invalidSamples,
    trackedRoutes: parts.registry.live.length - virtualBuckets,
    virtualBuckets,
    columns: parts.history.length,
    memoryBytes:
      parts.counters.memoryBytes() +
      (parts.hotKeyTracker?.memoryBytes ?? 0) +
      parts.history.memoryBytes() +
      (parts.shared?.memoryBytes ?? 0),
    clockAnomalies: parts.clock.anomalies,
    droppedSamples: parts.hotKeyTracker?.droppedSamples ?? 0,
    flushes: own.flushes,
    lastFlushDurationMs: own.lastFlushDurationMs,
    ...parts.persistence.stats(),
  };
}
