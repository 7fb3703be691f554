// History storage as a sampler option: `createSampler({ storage: { dir, fsync, maxBytes } })`.
// Resolves the option, opens the segment log (segment-log.ts) and fills the sampler's fresh
// history with what the directory held. Node only at run time: the file system is reached
// lazily (storage-fs.ts), so in a browser `storage` is a clear TypeError and nothing else changes.

import { virtualBucketId } from "../wire/bucket-id.js";
import type { Logger } from "../logger.js";
import type { History } from "./history.js";
import { MIN_SEGMENT_BYTES, SegmentLog, type RecoveredHistory } from "./segment-log.js";
import { nodeStorageFs, type StorageFs } from "./storage-fs.js";
import { fromColumnData } from "./stored-column.js";

export type FsyncMode = "column" | "interval" | "never";

export interface StorageOptions {
  /** Directory of the segment log (created if missing). */
  dir: string;
  /** "column" (default): every flush is durable when flush() returns; "interval": at most one fsync a second; "never": the OS decides. */
  fsync?: FsyncMode;
  /** Bound on the segment files' total size (default 256 MiB); the oldest segments go first. */
  maxBytes?: number;
  /** The file layer (default: node:fs). For tests and unusual platforms. */
  fs?: StorageFs;
}

export const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;

export function resolveStorage(v: unknown): Required<StorageOptions> {
  if (typeof v !== "object" || v === null) throw new TypeError("storage must be an object with a dir");
  const o = v as StorageOptions;
  if (typeof o.dir !== "string" || o.dir === "") throw new TypeError("storage.dir must be a non-empty string");
  const fsync = o.fsync ?? "column";
  if (fsync !== "column" && fsync !== "interval" && fsync !== "never") {
    throw new RangeError(`storage.fsync must be "column", "interval" or "never", got ${String(fsync)}`);
  }
  const maxBytes = o.maxBytes ?? DEFAULT_MAX_BYTES;
  if (typeof maxBytes !== "number") throw new TypeError(`storage.maxBytes must be a number, got ${typeof maxBytes}`);
  if (!Number.isSafeInteger(maxBytes) || maxBytes < MIN_SEGMENT_BYTES) {
    throw new RangeError(
      `storage.maxBytes must be an integer from ${MIN_SEGMENT_BYTES} to 2^53 − 1, got ${String(maxBytes)}`,
    );
  }
  const fs = o.fs ?? nodeStorageFs();
  return { dir: o.dir, fsync, maxBytes, fs };
}

/**
 * Opens `options.storage` for a sampler whose history is `history` (fresh): the recovered columns
 * are in it afterwards. Returns the log, and how many virtual bucket ids the recovered rows used
 * (new virtual buckets must not reuse an id that still names recovered rows).
 */
export function openStorage(
  options: unknown,
  history: History,
  ctx: { stepMs: number; logger: Logger; now: () => number },
): { log: SegmentLog; virtualIdsUsed: number } {
  const o = resolveStorage(options);
  const { log, recovered } = SegmentLog.open(o.fs, o, ctx.stepMs, ctx.logger, ctx.now);
  restoreHistory(history, recovered);
  return { log, virtualIdsUsed: virtualIdsUsed(recovered) };
}

/**
 * Fills a fresh history with recovered columns (the newest `capacity` stay in its ring; with
 * tiers, older ones age into the tiers as they did when they were flushed).
 */
export function restoreHistory(history: History, recovered: RecoveredHistory): void {
  if (history.metaCount !== 0 || history.length !== 0) throw new Error("restoreHistory needs an empty history");
  for (const m of recovered.metas) history.addMeta(m);
  const keep = history.tiers === null ? recovered.columns.slice(-history.capacity) : recovered.columns;
  for (const c of keep) history.append(fromColumnData(c));
}

/** 1 + the highest `n` of a recovered `virtual:<2^64 − 1 − n>` bucket id (0 when none). */
function virtualIdsUsed(recovered: RecoveredHistory): number {
  let used = 0;
  const max = (1n << 64n) - 1n;
  for (const m of recovered.metas) {
    if (!m.bucketId.startsWith("virtual:")) continue;
    let n: bigint;
    try {
      n = max - BigInt(m.bucketId.slice("virtual:".length));
    } catch {
      continue;
    }
    if (n >= 0n && n < 1n << 40n && virtualBucketId(Number(n)) === m.bucketId) used = Math.max(used, Number(n) + 1);
  }
  return used;
}
