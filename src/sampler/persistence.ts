// The sampler's history beyond memory: storage on disk (`storage` option, history/storage.ts)
// and export files (history/export.ts). Kept out of the facade (sampler.ts) so it stays a list
// of delegations; everything here is a no-op when storage is off.

import { exportBytes, type ExportRange } from "../history/export.js";
import type { History, StoredColumn } from "../history/history.js";
import type { SegmentLog, StorageStats } from "../history/segment-log.js";
import { openStorage } from "../history/storage.js";
import type { Logger } from "../logger.js";

export class Persistence {
  private readonly log: SegmentLog | null = null;
  /** Synthetic ids that recovered rows still name (new virtual buckets start after them). */
  readonly virtualIdsUsed: number = 0;
  private closed = false;

  /** Opens `storage` (when given) and fills the fresh `history` with what its directory held. */
  constructor(
    storage: unknown,
    private readonly history: History,
    private readonly stepMs: number,
    ctx: { logger: Logger; now: () => number },
  ) {
    if (storage === undefined) return;
    const opened = openStorage(storage, history, { stepMs, ...ctx });
    this.log = opened.log;
    this.virtualIdsUsed = opened.virtualIdsUsed;
  }

  /** Time of the newest recovered column (the clock resumes after it), or -Infinity. */
  get lastAtMs(): number {
    const cols = this.history.columns();
    return cols.length === 0 ? -Infinity : cols[cols.length - 1]!.atMs;
  }

  /** After each flush: the new column goes to the log (failures are counted, never thrown). */
  appended(column: StoredColumn): void {
    this.log?.append(this.history, column);
  }

  /** After a split/merge: stored columns are re-homed lazily; the log stores them at its next rewrite. */
  rehomed(): void {
    this.log?.noteRehomed();
  }

  exportHistory(range: ExportRange, nowMs: number): Uint8Array {
    return exportBytes(this.history, this.stepMs, range, nowMs);
  }

  /** `stats()` fields: `storage` (null when off) and, with storage, `storageErrors`. */
  stats(): { storage: StorageStats | null; storageErrors?: number } {
    if (this.log === null) return { storage: null };
    const storage = this.log.stats();
    return { storage, storageErrors: storage.failures };
  }

  /** Syncs and releases the directory. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.log?.rewriteIfBehind(this.history);
    this.log?.close();
  }
}
