// History on disk: a directory of `.kvz` segment logs (docs/format.md, kind 0) that every flushed
// column is appended to, read back at startup.
// (Past 400 lines: append, recovery, rewrite and retention share the directory's bookkeeping and
// the one crash-safety argument below; split apart, each part would need all of it.)
//
// Layout of `dir`: `keyviz.lock` (the owner's pid), `seg-<n>.kvzlog` segments appended in order,
// and at most one live `base-<n>.kvzlog`: a complete rewrite of the history that supersedes every
// segment numbered below n. A rewrite (when columns aged into tiers, to recover from a failed
// write, or at close after split/merge re-homing) is written to a `.tmp` file, fsynced and renamed
// into place, then the superseded segments are deleted — a crash at any point leaves the old or
// the new state.
//
// A split or merge does not rewrite the log while running: rewriting is O(history) (0.8 s for
// 1 000 routes × 1 440 columns, 3 s for 10 000 routes) and would stall the flush that does it.
// Columns on disk from before the split keep their rows as they were flushed — valid history
// with the old routes, totals identical — until the next rewrite (tiers, failure, or close())
// stores the re-homed version. After a crash, only the row layout of those columns differs.
// Each segment declares the metadata its columns use, so any segment reads on its own.
//
// Failures while running (disk full, read-only, I/O errors) never throw into the sampler: the
// history keeps everything in memory, the failure is counted and logged, and a later flush
// retries with a full rewrite: 1 s after the first failure, then twice as long after each
// failure in a row, at most 5 min (a full disk is not hammered with a rewrite of the whole
// history every step). close() tries once more whatever the wait.

import type { RowMeta } from "../types.js";
import type { Logger } from "../logger.js";
import { logSafely } from "../logger.js";
import type { ColumnData } from "./column-codec.js";
import { DirLock, LOCK_FILE, LockHeldError } from "./dir-lock.js";
import { HistoryFormatError } from "./format-error.js";
import type { History, StoredColumn } from "./history.js";
import { getU32 } from "./bytes-io.js";
import { BLOCK_CRC_BYTES, BLOCK_HEAD_BYTES, FileKind, HEADER_BYTES } from "./kvz-format.js";
import { readHistory } from "./kvz-reader.js";
import { KvzWriter } from "./kvz-writer.js";
import { unlinkQuietly, type StorageFs } from "./storage-fs.js";
import { copyColumnData, toColumnData } from "./stored-column.js";

export interface StorageStats {
  dir: string;
  segments: number;
  bytes: number;
  /** Columns read back at startup. */
  recoveredColumns: number;
  /**
   * A torn or corrupt tail cut off at startup: where and why. With several segments cut, the
   * first (the oldest history lost); `tailsCut` counts them all.
   */
  cutTail: { file: string; offset: number; reason: string } | null;
  /** Segments cut at startup (the logger warns for each). */
  tailsCut: number;
  /** Failed writes since startup; while the latest failed, `lastError` says why. */
  failures: number;
  lastError: string | null;
}

/** One recovered column: meta ids index `RecoveredHistory.metas`. */
export interface RecoveredHistory {
  metas: RowMeta[];
  columns: ColumnData[];
}

/** Resolved storage options (see storage.ts). */
export interface SegmentLogOptions {
  dir: string;
  fsync: "column" | "interval" | "never";
  maxBytes: number;
}

export const MIN_SEGMENT_BYTES = 64 * 1024;
const FSYNC_INTERVAL_MS = 1000;
/** Wait before retrying after the first failed write; doubled for each further one in a row. */
const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 5 * 60_000;
const SEGMENT = /^(seg|base)-(\d{10})\.kvzlog$/;

interface Segment {
  seq: number;
  name: string;
  bytes: number;
  /** Latest column time in it (−∞ when none). */
  lastAtMs: number;
}

export class SegmentLog {
  private segments: Segment[] = [];
  private fd = -1;
  private writer: KvzWriter | null = null;
  /** File meta id of each history meta object written to the current segment. */
  private written = new Map<RowMeta, number>();
  private seq = 0;
  private lastSyncMs = -Infinity;
  private needsRewrite = false;
  /** Failed writes in a row, and when a rewrite may be tried again (see the top of this file). */
  private failStreak = 0;
  private retryAtMs = -Infinity;
  /** Stored columns were re-homed since the last rewrite (close() writes them out). */
  private rehomed = false;
  private closed = false;
  /** The lock named another process: nothing is written any more (lostLock). */
  private lockLost = false;
  /** Recovery met history written at another step and said so (warnStep). */
  private stepWarned = false;
  private readonly statsState: StorageStats;
  private readonly segmentBytes: number;

  private constructor(
    private readonly fs: StorageFs,
    private readonly opts: SegmentLogOptions,
    private readonly stepMs: number,
    private readonly logger: Logger,
    private readonly now: () => number,
    private readonly lock: DirLock,
  ) {
    this.segmentBytes = Math.max(MIN_SEGMENT_BYTES, Math.floor(opts.maxBytes / 8));
    this.statsState = {
      dir: opts.dir,
      segments: 0,
      bytes: 0,
      recoveredColumns: 0,
      cutTail: null,
      tailsCut: 0,
      failures: 0,
      lastError: null,
    };
  }

  /**
   * Locks `dir`, reads its history back and opens a fresh segment for appending. Throws (and
   * holds nothing) when the directory is locked by a live process or cannot be written.
   */
  static open(
    fs: StorageFs,
    opts: SegmentLogOptions,
    stepMs: number,
    logger: Logger,
    now: () => number,
  ): { log: SegmentLog; recovered: RecoveredHistory } {
    try {
      fs.mkdirp(opts.dir);
    } catch (err) {
      throw startupError(opts.dir, "cannot be created", err);
    }
    let lock: DirLock;
    try {
      lock = DirLock.acquire(fs, opts.dir);
    } catch (err) {
      if (err instanceof LockHeldError) throw err;
      throw startupError(opts.dir, "is not writable", err);
    }
    const log = new SegmentLog(fs, opts, stepMs, logger, now, lock);
    try {
      const recovered = log.recover();
      log.startSegment();
      return { log, recovered };
    } catch (err) {
      log.closeFd();
      lock.release();
      if (err instanceof HistoryFormatError) throw err;
      throw startupError(opts.dir, "cannot be written", err);
    }
  }

  stats(): StorageStats {
    return {
      ...this.statsState,
      cutTail: this.statsState.cutTail && { ...this.statsState.cutTail },
      segments: this.segments.length,
      bytes: this.totalBytes(),
    };
  }

  /** Appends a just-flushed column (the history's newest). Never throws. */
  append(history: History, col: StoredColumn): void {
    if (this.closed || this.lostLock()) return;
    if (this.needsRewrite) {
      if (this.now() >= this.retryAtMs) this.rewrite(history);
      return;
    }
    try {
      if (this.fd < 0 || this.current().bytes >= this.segmentBytes) this.startSegment();
      this.writeBlocks(this.columnBlocks(history, col), col.atMs);
      this.syncIfDue(false);
      this.retire(history);
      if (this.agedIntoTiers(history)) this.needsRewrite = true;
      this.succeeded();
    } catch (err) {
      this.failed("append", err);
    }
  }

  /**
   * The stored columns changed (split/merge re-homing). Nothing is written now (see the top of
   * this file): the next rewrite, at the latest close(), stores the re-homed columns.
   */
  noteRehomed(): void {
    this.rehomed = true;
  }

  /**
   * Before close(): rewrites the log if columns were re-homed since the last rewrite, or a failed
   * write is still waiting for its retry (a last try, whatever the wait). Never throws.
   */
  rewriteIfBehind(history: History): void {
    if ((this.rehomed || this.needsRewrite) && !this.closed) this.rewrite(history);
  }

  /** Replaces the whole log by the current history (new base segment). Never throws. */
  rewrite(history: History): void {
    if (this.closed || this.lostLock()) return;
    this.closeFd();
    const seq = ++this.seq;
    const name = segmentName("base", seq);
    const tmp = this.path(`${name}.tmp`);
    try {
      const fd = this.fs.openAppend(tmp);
      this.fd = fd;
      this.fs.truncate(fd, 0);
      this.beginFile({ seq, name, bytes: 0, lastAtMs: -Infinity });
      for (const col of history.columns()) this.writeBlocks(this.columnBlocks(history, col), col.atMs);
      this.fs.fsync(fd);
      this.fs.rename(tmp, this.path(name));
      this.fs.syncDir(this.opts.dir);
      const superseded = this.segments.filter((s) => s.seq < seq);
      this.segments = this.segments.filter((s) => s.seq >= seq);
      for (const s of superseded) this.fs.unlink(this.path(s.name));
      this.fs.syncDir(this.opts.dir);
      this.lastSyncMs = this.now();
      this.needsRewrite = false;
      this.rehomed = false;
      this.succeeded();
    } catch (err) {
      this.failed("rewrite", err);
      // The unfinished file is not part of the log: forget it (recovery would delete it too).
      this.segments = this.segments.filter((s) => s.seq !== seq);
      unlinkQuietly(this.fs, tmp); // if it stays, recovery removes `.tmp` files
    }
  }

  /** Syncs and closes the current segment and releases the directory. */
  close(): void {
    if (this.closed) return;
    try {
      if (this.fd >= 0 && this.opts.fsync !== "never") this.fs.fsync(this.fd);
    } catch (err) {
      this.failed("final sync", err, false);
    }
    this.closeFd();
    this.closed = true;
    try {
      this.lock.release();
    } catch (err) {
      logSafely(this.logger, "warn", "keyviz storage: could not remove the lock file", {
        dir: this.opts.dir,
        error: String(err),
      });
    }
  }

  // ---- writing ------------------------------------------------------------------------------

  private current(): Segment {
    return this.segments[this.segments.length - 1]!;
  }

  private path(name: string): string {
    return this.fs.join(this.opts.dir, name);
  }

  private startSegment(): void {
    this.closeFd();
    const seq = ++this.seq;
    const name = segmentName("seg", seq);
    this.fd = this.fs.openAppend(this.path(name), true);
    this.beginFile({ seq, name, bytes: 0, lastAtMs: -Infinity });
    if (this.opts.fsync !== "never") this.fs.syncDir(this.opts.dir);
  }

  /** Writes header and INFO of a new segment file (already open as `this.fd`). */
  private beginFile(seg: Segment): void {
    this.segments.push(seg);
    this.writer = new KvzWriter();
    this.written = new Map();
    this.lastEpoch = -1;
    const w = this.writer;
    this.writeBlocks(
      [w.header(), w.info({ kind: FileKind.Log, stepMs: this.stepMs, writtenMs: Math.max(0, Math.floor(this.now())) })],
      -Infinity,
    );
  }

  /** The DICT (for metadata new to this segment) and COLUMN blocks of one column. */
  private columnBlocks(history: History, col: StoredColumn): Uint8Array[] {
    const w = this.writer!;
    const ids = this.fileIds(history, col);
    const fresh = this.fresh;
    this.fresh = [];
    const blocks = fresh.length > 0 ? [w.metas(fresh)] : [];
    blocks.push(w.column(toColumnData(col, ids)));
    return blocks;
  }

  /** Metas to declare before the column being written. */
  private fresh: RowMeta[] = [];
  /** The previous column's history ids (and their metadata epoch) and file ids. */
  private lastHistoryIds = new Uint32Array(0);
  private lastFileIds = new Uint32Array(0);
  private lastEpoch = -1;

  /**
   * File meta ids of a column's rows, declaring metas new to this segment in `fresh`. A column
   * with the same rows as the previous one (the common case) reuses its ids without lookups.
   */
  private fileIds(history: History, col: StoredColumn): Uint32Array {
    const n = col.n;
    const hist = col.data.subarray(0, n);
    if (
      this.lastEpoch === history.metaEpoch &&
      this.lastHistoryIds.length === n &&
      sameU32(hist, this.lastHistoryIds)
    ) {
      return this.lastFileIds;
    }
    const w = this.writer!;
    const ids = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      const meta = history.meta(hist[i]!);
      let id = this.written.get(meta);
      if (id === undefined) {
        id = w.metaCount + this.fresh.length;
        this.written.set(meta, id);
        this.fresh.push(meta);
      }
      ids[i] = id;
    }
    this.lastHistoryIds = hist.slice();
    this.lastFileIds = ids;
    this.lastEpoch = history.metaEpoch;
    return ids;
  }

  private writeBlocks(blocks: Uint8Array[], atMs: number): void {
    const total = blocks.reduce((n, b) => n + b.length, 0);
    const one = new Uint8Array(total);
    let at = 0;
    for (const b of blocks) {
      one.set(b, at);
      at += b.length;
    }
    this.fs.write(this.fd, one);
    const seg = this.current();
    seg.bytes += total;
    if (atMs > seg.lastAtMs) seg.lastAtMs = atMs;
  }

  private syncIfDue(force: boolean): void {
    const mode = this.opts.fsync;
    if (mode === "never") return;
    const now = this.now();
    if (force || mode === "column" || now - this.lastSyncMs >= FSYNC_INTERVAL_MS) {
      this.fs.fsync(this.fd);
      this.lastSyncMs = now;
    }
  }

  /** Deletes whole segments the history no longer holds, then the oldest past maxBytes. */
  private retire(history: History): void {
    const oldest = history.oldestAtMs;
    while (this.segments.length > 1) {
      const first = this.segments[0]!;
      if (first.lastAtMs >= oldest && this.totalBytes() <= this.opts.maxBytes) break;
      this.fs.unlink(this.path(first.name));
      this.segments.shift();
    }
  }

  /**
   * With tiers, segments whose columns all left the ring hold data the tiers keep merged: once
   * they are a quarter of the log — or the log nears `maxBytes`, past which the oldest segments
   * would be deleted — the next append rewrites it (tier columns included), so the log stays
   * near the size of what memory holds.
   */
  private agedIntoTiers(history: History): boolean {
    if (history.tiers === null) return false;
    const ringOldest = history.ringOldestAtMs;
    let aged = 0;
    for (const s of this.segments) if (s.lastAtMs < ringOldest) aged += s.bytes;
    const total = this.totalBytes();
    return aged > 0 && (aged * 4 >= total || total * 4 >= this.opts.maxBytes * 3);
  }

  private totalBytes(): number {
    return this.segments.reduce((n, s) => n + s.bytes, 0);
  }

  /**
   * True once the lock names another process (two writers both took over one stale lock, see
   * dir-lock.ts): this one stops writing for good and says so, once, in `lastError` and the log.
   */
  private lostLock(): boolean {
    if (this.lockLost) return true;
    const holder = this.lock.holder();
    if (holder === this.fs.pid) return false;
    this.lockLost = true;
    this.closeFd();
    this.statsState.failures++;
    this.statsState.lastError = `the lock of ${this.opts.dir} now names process ${holder ?? "none"}; this sampler stopped writing there (history is kept in memory)`;
    logSafely(this.logger, "error", "keyviz storage: lost the directory lock to another writer; stopped writing", {
      dir: this.opts.dir,
      holder,
    });
    return true;
  }

  private succeeded(): void {
    this.statsState.lastError = null;
    this.failStreak = 0;
    this.retryAtMs = -Infinity;
  }

  /** `retried` false: the log is closing, nothing will try again (the sync at close()). */
  private failed(what: string, err: unknown, retried = true): void {
    this.statsState.failures++;
    this.statsState.lastError = `${what} failed: ${errorText(err)}`;
    this.needsRewrite = true;
    this.closeFd();
    const waitMs = Math.min(RETRY_FIRST_MS * 2 ** this.failStreak, RETRY_MAX_MS);
    this.failStreak++;
    this.retryAtMs = this.now() + waitMs;
    const next = retried
      ? `history is kept in memory and a flush retries in ${waitMs / 1000} s`
      : "the newest columns may not be on disk";
    logSafely(this.logger, "error", `keyviz storage: ${what} failed; ${next}`, {
      dir: this.opts.dir,
      error: errorText(err),
    });
  }

  private closeFd(): void {
    if (this.fd < 0) return;
    const fd = this.fd;
    this.fd = -1;
    try {
      this.fs.close(fd);
    } catch {
      // Closing a handle whose writes failed can fail again; nothing more to do with it.
    }
  }

  // ---- recovery -------------------------------------------------------------------------------

  private recover(): RecoveredHistory {
    const names = this.fs.list(this.opts.dir);
    // Unfinished rewrites; not another process's lock takeover in flight (keyviz.lock.<pid>.tmp).
    for (const n of names) if (n.endsWith(".tmp") && !n.startsWith(LOCK_FILE)) this.fs.unlink(this.path(n));
    const found = names
      .map((name) => ({ name, m: SEGMENT.exec(name) }))
      .filter((x) => x.m !== null)
      .map((x) => ({ name: x.name, base: x.m![1] === "base", seq: Number(x.m![2]) }))
      .sort((a, b) => a.seq - b.seq);
    const baseSeq = Math.max(0, ...found.filter((f) => f.base).map((f) => f.seq));
    const metas: RowMeta[] = [];
    const metaIds = new Map<string, number>();
    const columns: ColumnData[] = [];
    for (const f of found) {
      this.seq = Math.max(this.seq, f.seq);
      if (f.seq < baseSeq) {
        this.fs.unlink(this.path(f.name)); // superseded by a completed rewrite
        continue;
      }
      const seg = this.readSegment(f.name, f.seq, metas, metaIds, columns);
      if (seg !== null) this.segments.push(seg);
    }
    this.statsState.recoveredColumns = columns.length;
    return { metas, columns };
  }

  /** History written at another step loads as it is (its columns keep their widths); said once. */
  private warnStep(file: string, stepMs: number): void {
    if (this.stepWarned) return;
    this.stepWarned = true;
    logSafely(this.logger, "warn", "keyviz storage: history written at another step; its columns keep their widths", {
      file,
      writtenStepMs: stepMs,
      stepMs: this.stepMs,
    });
  }

  private readSegment(
    name: string,
    seq: number,
    metas: RowMeta[],
    metaIds: Map<string, number>,
    columns: ColumnData[],
  ): Segment | null {
    const bytes = this.fs.read(this.path(name)) ?? new Uint8Array(0);
    const mine: ColumnData[] = [];
    let lastAtMs = -Infinity;
    let validEnd = 0;
    let problem: HistoryFormatError | null;
    let fileMetas: readonly RowMeta[] = [];
    // Column times increase through the whole log, not only within a file: a segment whose
    // columns go back (one written by another process on the same directory, dir-lock.ts) is
    // cut where they do, as a torn tail is.
    const recoveredUpTo = columns.length === 0 ? -Infinity : columns[columns.length - 1]!.atMs;
    let backwards: HistoryFormatError | null = null;
    const onColumn = (c: ColumnData, _metas: readonly RowMeta[], blockAt: number): void => {
      if (backwards !== null) return;
      if (c.atMs > recoveredUpTo) return void mine.push(copyColumnData(c));
      backwards = new HistoryFormatError(
        blockAt,
        `column time ${c.atMs} is not after ${recoveredUpTo}, the last column of the segments before`,
      );
    };
    try {
      const r = readHistory(bytes, { mode: "log", onColumn });
      validEnd = r.validEnd;
      problem = r.tailError;
      fileMetas = r.metas;
      if (r.info.stepMs !== this.stepMs) this.warnStep(name, r.info.stepMs);
    } catch (err) {
      if (!(err instanceof HistoryFormatError)) throw err;
      // The header or INFO is unreadable. Cut short or never filled while it was written: nothing
      // in the file is usable. Complete but refused (a newer format version, a flipped bit, an
      // export file): the history in it may be intact, so startup stops and leaves it alone.
      if (!tornHead(bytes))
        throw new HistoryFormatError(
          err.offset,
          `${err.what} (in ${this.path(name)}, left as it is: move it out of the directory to start without it)`,
        );
      problem = err;
    }
    const cut = backwards as HistoryFormatError | null; // assigned in the callback
    if (cut !== null) {
      problem = cut;
      validEnd = cut.offset;
    }
    if (problem !== null) {
      this.statsState.tailsCut++;
      this.statsState.cutTail ??= { file: name, offset: validEnd, reason: problem.message };
      logSafely(this.logger, "warn", "keyviz storage: cut a torn or corrupt tail off the history log", {
        file: name,
        offset: validEnd,
        reason: problem.message,
      });
      if (validEnd === 0) {
        this.fs.unlink(this.path(name));
        return null;
      }
      const fd = this.fs.openAppend(this.path(name));
      try {
        this.fs.truncate(fd, validEnd);
        this.fs.fsync(fd);
      } finally {
        this.fs.close(fd);
      }
    }
    const global = fileMetas.map((m) => internMeta(m, metas, metaIds));
    for (const c of mine) {
      for (let i = 0; i < c.n; i++) c.metaIds[i] = global[c.metaIds[i]!]!;
      columns.push(c);
      lastAtMs = Math.max(lastAtMs, c.atMs);
    }
    return { seq, name, bytes: validEnd, lastAtMs };
  }
}

/**
 * Whether a file whose header or INFO block cannot be read was cut while they were written: it
 * ends inside them, or is zeros from the header or from INFO on (space a crash left unwritten).
 */
function tornHead(bytes: Uint8Array): boolean {
  const info = HEADER_BYTES;
  if (bytes.length < info + BLOCK_HEAD_BYTES) return true;
  const infoEnd = info + BLOCK_HEAD_BYTES + getU32(bytes, info + 1) + BLOCK_CRC_BYTES;
  return bytes.length < infoEnd || bytes.every((b) => b === 0) || bytes.subarray(info).every((b) => b === 0);
}

function sameU32(a: Uint32Array, b: Uint32Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function segmentName(kind: "seg" | "base", seq: number): string {
  return `${kind}-${String(seq).padStart(10, "0")}.kvzlog`;
}

/** One history meta per distinct record, however many segments declared it. */
function internMeta(m: RowMeta, metas: RowMeta[], ids: Map<string, number>): number {
  const key = JSON.stringify([
    m.bucketId,
    m.routeId,
    m.label,
    m.start && [...m.start],
    m.end && [...m.end],
    m.aggregate,
    m.memberRoutes,
    m.memberRoutesTotal,
    m.groupId,
    m.subBucket,
    m.subBucketCount,
  ]);
  let id = ids.get(key);
  if (id === undefined) {
    id = metas.length;
    metas.push(m);
    ids.set(key, id);
  }
  return id;
}

function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: string }).code;
  // Node's own messages already start with the code ("ENOSPC: no space left on device, write").
  return code && !err.message.startsWith(`${code}:`) ? `${code}: ${err.message}` : err.message;
}

function startupError(dir: string, what: string, err: unknown): Error {
  return new Error(`keyviz storage: directory ${dir} ${what} (${errorText(err)})`, { cause: err });
}
