// createSampler: counts requests per route on the hot path and flushes them into one history
// column per step (SPEC §3). This class is the facade: it validates arguments, owns the hot path
// and the timer, and delegates the rest, one module per concern: counters (Wasm counters, the only
// file that knows their layout), route-index (hot-path lookup), slots, holders and registry (slot
// holders, one state each), lifecycle (register/remove), virtual-buckets, rehome and replace-routes
// (re-homing), row-metas, flush, reading (queries), persistence (storage on disk, export files),
// stats; components.ts builds and wires them, flush-listeners.ts runs `onFlush` subscribers.

import type { ExportRange } from "../history/export.js";
import type { HotKeyTracker } from "../hotkeys/tracker.js";
import type { HotKeysResponse } from "../hotkeys/response.js";
import { compareBytes } from "../keys/bytes.js";
import type { Column, HotKeysRequest, Key } from "../types.js";
import { checkFiniteNumber, checkId, checkKey, copyKey } from "../validate.js";
import type { Matrix } from "../wire/wire.js";
import { toWireMatrix, type MatrixTable } from "../matrix/table.js";
import { buildComponents, type SamplerComponents } from "./components.js";
import type { Counters } from "./counters.js";
import { FlushListeners } from "./flush-listeners.js";
import { resolveOptions, type ResolvedSamplerOptions, type SamplerOptions } from "./options.js";
import { readHotKeys } from "./hot-keys-reading.js";
import { historyMatrixTable, type MatrixRequest } from "../matrix/history-matrix.js";
import type { HolderRegistry } from "./registry.js";
import { ReadPools, type ReadPool } from "./read-pools.js";
import { replaceRoutes, type NewRoute } from "./replace-routes.js";
import type { RouteIndex } from "./route-index.js";
import { isOp, sampleLen } from "./samples.js";
import { registerShared, SharedCounting, type WorkerHandle, type WorkerMisses } from "./shared/owner.js";
import { collectStats, type SamplerStats } from "./stats.js";
import type { SubBucketIndex } from "./sub-bucket-index.js";
import { AlignedTimer } from "./timer.js";

export type { HotKeysOptions, SamplerOptions } from "./options.js";
export type { NewRoute } from "./replace-routes.js";
export type { ReadPool } from "./read-pools.js";
export type { MatrixRequest } from "../matrix/history-matrix.js";
export type { SamplerStats } from "./stats.js";
export type { SharedSamplerOptions, WorkerHandle, WorkerMisses } from "./shared/owner.js";

export function createSampler(options?: SamplerOptions): Sampler {
  return new Sampler(options);
}

export class Sampler {
  readonly stepMs: number;
  readonly historyColumns: number;
  readonly labels: readonly string[];

  private readonly opts: ResolvedSamplerOptions;
  /** Everything but the hot path's own fields, built in components.ts. */
  private readonly parts: SamplerComponents;
  // The hot path's fields, copied out of `parts` so `observe` reads one property each. The ones
  // assigned in the constructor are `declare`d (created by that one assignment, never `undefined`
  // first): observeKey K = 1 4.82 → 4.58 ns, hot keys on 9.1 → 8.1 ns (alternating 2×).
  private readonly labelIndex = new Map<string, number>();
  declare private readonly counters: Counters;
  declare private readonly count: Counters["count"];
  // `counters.view` and `counters.stride`, read by `observe` itself (see there). `declare`d: no
  // class-field definition, so they are created by their first (and only) assignment with
  // their final kinds. As defined fields (`undefined` first) observe measured 1.70–1.84× floor.
  declare private readonly values: Float64Array;
  declare private readonly slotStride: number;
  declare private readonly index: RouteIndex;
  /** `counters.subBucketIndex`, read by `observeKey` itself. */
  declare private readonly subBuckets: SubBucketIndex;
  /**
   * `index.slotOf`, refreshed when it grows: the first load of every observe. `declare`d like
   * `values` (observe 1.47× → 1.41× floor, observeKey K = 1 4.84 → 4.70 ns, alternating 3×).
   */
  declare private slotOf: Int32Array;
  /** `index.subBucketsOf`, refreshed with `slotOf`: observeKey's K = 1 test, one load less. */
  declare private subBucketsOf: Uint16Array;
  declare private readonly registry: HolderRegistry;
  declare private readonly hotKeyTracker: HotKeyTracker | null;
  private readonly listeners: FlushListeners;
  private readonly readPools = new ReadPools();
  private readonly timer: AlignedTimer;
  private closed = false;
  private misses = 0;
  private invalidSamples = 0;
  private flushes = 0;
  private lastFlushDurationMs = 0;

  constructor(options?: SamplerOptions) {
    const o = (this.opts = resolveOptions(options));
    this.stepMs = o.stepMs;
    this.historyColumns = o.historyColumns;
    this.labels = Object.freeze(o.labels.slice());
    o.labels.forEach((l, i) => this.labelIndex.set(l, i + 1));
    const parts = (this.parts = buildComponents(o, options));
    this.counters = parts.counters;
    this.count = parts.counters.count;
    this.values = parts.counters.view;
    this.slotStride = parts.counters.stride;
    this.subBuckets = parts.counters.subBucketIndex;
    this.index = parts.index;
    this.slotOf = parts.index.slotOf;
    this.subBucketsOf = parts.index.subBucketsOf;
    parts.index.onGrow = () => {
      this.slotOf = parts.index.slotOf;
      this.subBucketsOf = parts.index.subBucketsOf;
    };
    this.registry = parts.registry;
    this.hotKeyTracker = parts.hotKeyTracker;
    this.listeners = new FlushListeners(o.logger);
    this.timer = new AlignedTimer(o.stepMs, o.now, () => this.flush(), o.logger);
    if (parts.shared !== null) registerShared(this, parts.shared); // for a Coordinator over it
  }

  /** Counts one request of `routeId` (sub-bucket 0 on a K > 1 route). Never throws. */
  observe(routeId: number, op: 0 | 1, keyLen: number, valueLen = 0): void {
    const slot = (typeof routeId === "number" ? this.slotOf[routeId] : -1) ?? -1;
    const k = typeof keyLen === "number" ? keyLen | 0 : -1;
    const v = typeof valueLen === "number" ? valueLen | 0 : -1;
    // Valid input (a dense registered id, op 0 or 1, both lengths integers in [0, 2^31)) passes
    // one sign test and the op tests; `k === keyLen` and the typeofs fold away for int32
    // arguments. Anything else takes the out-of-line path (sparse ids, misses, bad ops, the
    // sampleLen rule). The op test is written out: `isOp(op)` here measured 3.5 ns per observe,
    // this form 3.1 (bench harness, same run), as fast as no op test at all.
    if ((slot | k | v) >= 0 && k === keyLen && v === valueLen && typeof op === "number" && op >>> 0 === op && op < 2) {
      // The two adds written here rather than through `count`: 1.57–1.59× → 1.46–1.47× floor (bench
      // harness, alternating 3×): one load chain (this → view) instead of the closure's.
      const at = slot * this.slotStride + op;
      const values = this.values;
      values[at]!++;
      values[at + 2]! += k + v;
    } else this.observeSlow(routeId, op, keyLen, valueLen);
  }

  /** Out of line, so `observe` stays small enough to inline into its callers. */
  private observeSlow(routeId: number, op: unknown, keyLen: number, valueLen: number): void {
    const slot = this.unlabelledSlot(routeId);
    if (slot < 0) this.misses++;
    else if (!isOp(op)) this.invalidSamples++;
    else this.count(slot, op, sampleLen(keyLen) + sampleLen(valueLen));
  }

  /** Counts one request of `key` into its sub-bucket (and label slot). Never throws. */
  observeKey(routeId: number, op: 0 | 1, key: Uint8Array, valueLen?: number, label?: string): void {
    // The unlabelled request of a route in the dense index here; labels, ids beyond the index
    // and misses out of line. V8 inlines a function into a caller only while all it inlines
    // stays under 920 bytes of bytecode (the function's own optimized code counted), and this
    // body with SubBucketIndex.subBucket must, so that neither is left a call in the caller's
    // loop (see subBucket and test/sampler/inline-budget.test.ts). Hence no parameter
    // defaults either (30 bytes of argument copies): an omitted valueLen clamps to 0 below.
    // observeKey-k16: 0.88× the call into subBucket (alternating A/B, 9 pairs). isOp written
    // out (its test, `op` a number equal to its low bit): the call and isOp's own body cost the
    // budget ~11 bytes more, and the inlined call a check of the callee.
    if (typeof routeId !== "number" || !(key instanceof Uint8Array) || typeof op !== "number" || op !== (op & 1)) {
      this.invalidSamples++;
      return;
    }
    const slot = this.slotOf[routeId];
    if (slot === undefined || slot < 0 || label) return this.observeKeySlow(routeId, op, key, valueLen, label);
    // key.length + sampleLen(valueLen), the clamp written out (as in observe): 5.2 → 4.9 ns at K = 1.
    const vl = typeof valueLen === "number" ? valueLen | 0 : -1;
    const bytes = key.length + (vl === valueLen && vl >= 0 ? vl : 0);
    // The cell's two adds written here, as in observe (Counters.observeKey cost 79 bytes of the
    // budget above, and the call to `count` for K = 1 another 18); 4 is the counters per cell
    // (counters.ts, FIELDS): sub-bucket b of a slot is its b-th cell.
    let at = slot * this.slotStride + op;
    if (this.subBucketsOf[routeId]! > 1) at += this.subBuckets.subBucket(slot, key) * 4;
    const v = this.values;
    v[at]!++;
    v[at + 2]! += bytes;
    // Not `if (op === 1) this.hotKeyTracker?.offer(…)`: 1 byte less, observeKey-hot-r16 1.4 %
    // slower (in-process A/B).
    if (this.hotKeyTracker !== null && op === 1) this.hotKeyTracker.offer(routeId, "", key);
  }

  /**
   * For a caller that counts its own unlabelled reads per route and hands them over in bulk (the
   * Coordinator, src/routing/read-tally.ts): `drain` is called before the sampler reads or moves
   * its counters (flush, route changes, stats) and must add everything tallied through the pool.
   * null when routes may have sub-buckets (`keyBucketsPerRoute` > 1): a read's cell then depends
   * on its key. Close the pool when done.
   */
  readPool(drain: () => void): ReadPool | null {
    if (typeof drain !== "function") throw new TypeError("drain must be a function");
    if (this.opts.keyBucketsPerRoute > 1) return null;
    return this.readPools.add(drain, (routeId, count, bytes) =>
      this.addReads(checkId("routeId", routeId), checkId("count", count), checkId("bytes", bytes)),
    );
  }

  /** `count` reads of `routeId` (one sub-bucket) totalling `bytes`: what observeKey would count. */
  private addReads(routeId: number, count: number, bytes: number): void {
    const slot = this.unlabelledSlot(routeId);
    if (slot < 0) this.misses += count;
    else this.counters.add(this.counters.cell(slot, 0), [count, 0, bytes, 0]);
  }

  /** The slot of `routeId`'s unlabelled counts (its virtual bucket's when folded); -1 when unknown. */
  private unlabelledSlot(routeId: unknown): number {
    const slot = typeof routeId === "number" ? this.slotOf[routeId] : -1;
    if (slot !== undefined) return slot;
    return this.index.sparseIds.size === 0 ? -1 : this.sparseSlot(routeId as number, 0);
  }

  /** observeKey with a label, or for a route id beyond the dense index (validated there). */
  private observeKeySlow(routeId: number, op: 0 | 1, key: Uint8Array, valueLen?: number, label?: string): void {
    const li = !label ? 0 : (this.labelIndex.get(label) ?? 0);
    const ix = this.index;
    let rangeSlot = this.slotOf[routeId];
    let countSlot: number;
    let k: number;
    if (rangeSlot === undefined) {
      rangeSlot = this.sparseSlot(routeId, 0);
      countSlot = this.sparseSlot(routeId, li);
      k = this.registry.route(routeId)?.subBucketCount ?? 1;
    } else {
      countSlot = li > 0 && rangeSlot >= 0 ? ix.labelSlotOf[li - 1]![routeId]! : rangeSlot;
      k = ix.subBucketsOf[routeId]!;
    }
    if (countSlot < 0) {
      this.misses++;
      return;
    }
    const bytes = key.length + sampleLen(valueLen ?? 0);
    if (k > 1) this.counters.observeKey(rangeSlot, countSlot, op, key, bytes);
    else this.count(countSlot, op, bytes);
    if (this.hotKeyTracker !== null && op === 1) this.hotKeyTracker.offer(routeId, li === 0 ? "" : label!, key);
  }

  /** Slot of label `labelIdx` of a route id beyond the dense index; -1 when not registered. */
  private sparseSlot(routeId: number, labelIdx: number): number {
    const r = this.registry.route(routeId);
    if (r === undefined) return -1;
    return r.vb !== null ? r.vb.slot : r.slots[labelIdx]!;
  }

  /**
   * Registers a route `[start, end)`. Idempotent. Returns true when the route has its own slot,
   * false when it was folded into a virtual bucket (budget full, or its range lies inside one).
   * Past the budget it may also get the slot freed by folding two quieter adjacent rows
   * elsewhere (true; those routes now share a bucket): whichever fold puts less into one row
   * (fold-pairs.ts). Buckets give their routes their own slots back at a flush once removals
   * leave room.
   * Over a removed route's pending counts (a split or merge by hand) it still gets its own slots;
   * those counts are re-homed by key-space overlap at the next flush (docs/design.md).
   */
  registerRoute(routeId: number, start: Key = null, end: Key = null, groupId = 0): boolean {
    checkId("routeId", routeId);
    const s = copyKey(checkKey("start", start, this.counters.maxRouteKeyBytes));
    const e = copyKey(checkKey("end", end, this.counters.maxRouteKeyBytes));
    checkId("groupId", groupId);
    if (s !== null && e !== null && compareBytes(s, e) >= 0) {
      throw new RangeError(`route ${routeId}: start must sort below end`);
    }
    this.parts.shared?.checkRouteId("routeId", routeId);
    this.readPools.collect(); // registering may fold routes, moving their counts
    try {
      return this.parts.lifecycle.register(routeId, s, e, groupId);
    } finally {
      this.parts.shared?.publish();
    }
  }

  /** Whether `routeId` is registered (counting, on its own or folded into a virtual bucket). */
  hasRoute(routeId: number): boolean {
    return this.registry.route(checkId("routeId", routeId)) !== undefined;
  }

  /** Stops counting `routeId`; counts observed before still flush (grace window: max(5 s, 2 × step)). */
  removeRoute(routeId: number): void {
    checkId("routeId", routeId);
    this.readPools.collect();
    // Workers' hot-key samples name routes by id: taken now, before the tracker forgets the
    // route, so none is left in a ring to count for a route registered later under the same id.
    this.parts.shared?.harvest();
    this.parts.lifecycle.remove(routeId, this.parts.clock.read());
    this.parts.shared?.publish();
  }

  /** Stamps rows of `groupId` flushed from now on with `term`. */
  setLeaderTerm(groupId: number, term: number): void {
    checkId("groupId", groupId);
    checkId("term", term);
    if (groupId === 0) throw new RangeError("groupId 0 means 'no group' and is never stamped");
    this.parts.terms.set(groupId, term);
  }

  /**
   * The key range of `oldIds` is now covered by `newRoutes` (split, merge, any re-partition). New
   * routes are registered; pending counts and stored rows of the old routes are re-homed onto the
   * new ones by key-space overlap (SPEC §3.1 w(), largest-remainder integers; stored columns
   * lazily, history.ts), so every column's totals are unchanged and rows line up on the key axis.
   */
  replaceRoutes(oldIds: number[], newRoutes: NewRoute[]): void {
    // Shared mode: ids workers can find, and workers' pending counts re-homed with the owner's.
    this.parts.shared?.checkNewRoutes(newRoutes);
    this.readPools.collect();
    this.parts.shared?.harvest();
    try {
      const labelIndex = (label: string) => this.labelIndex.get(label) ?? 0;
      const { maxRouteKeyBytes } = this.counters;
      const ctx = { ...this.parts, labelIndex, labelCount: this.labels.length, maxRouteKeyBytes };
      replaceRoutes({ ...ctx, nowMs: this.parts.clock.read() }, oldIds, newRoutes);
      this.parts.persistence.rehomed();
    } finally {
      this.parts.shared?.publish();
    }
  }

  /**
   * Drains every slot into one new column for `(previous flush, now]`; times strictly increase
   * (clock.ts). Throws after `close()`: the column could no longer be stored.
   */
  flush(): void {
    this.checkOpen("flush");
    this.flushColumn();
  }

  private flushColumn(): void {
    const started = performance.now();
    const { windowStartMs, atMs } = this.parts.clock.nextColumn();
    this.readPools.collect();
    this.parts.shared?.harvest();
    this.parts.lifecycle.settlePending();
    const column = this.parts.flusher.flush(windowStartMs, atMs);
    this.parts.persistence.appended(column);
    this.parts.lifecycle.dissolveBuckets(atMs);
    this.registry.reclaimExpired(atMs, this.opts.graceMs);
    this.parts.shared?.publish();
    this.hotKeyTracker?.publish(atMs);
    this.flushes++;
    this.lastFlushDurationMs = performance.now() - started;
    if (this.listeners.size === 0) return;
    this.listeners.notify({ windowStartMs, atMs, rows: this.parts.history.rowsOf(column) });
  }

  /** Calls `listener` with every flushed column; returns the unsubscribe function. */
  onFlush(listener: (column: Column) => void): () => void {
    return this.listeners.add(listener);
  }

  /** Deep copies of the columns with `fromMs ≤ atMs < toMs`, oldest first. */
  snapshot(fromMs?: number, toMs?: number): Column[] {
    if (fromMs !== undefined) checkFiniteNumber("fromMs", fromMs);
    if (toMs !== undefined) checkFiniteNumber("toMs", toMs);
    return this.parts.history.snapshot(fromMs, toMs);
  }

  /** The heatmap matrix (SPEC §5 wire object) of one series, with the merged row budget. */
  matrix(q: MatrixRequest = {}): Matrix {
    return toWireMatrix(this.matrixTable(q));
  }

  /** The same matrix, cells in typed arrays (what the server writes); reused by the next build. */
  matrixTable(q: MatrixRequest = {}): MatrixTable {
    return historyMatrixTable(this.parts.history, q, { baseStepMs: this.stepMs, nowMs: this.parts.clock.read() });
  }

  /** The columns with `fromMs ≤ atMs < toMs` (absent or 0 = unbounded) as a `.kvz` file. */
  exportHistory(range: ExportRange = {}): Uint8Array {
    return this.parts.persistence.exportHistory(range, this.parts.clock.read());
  }

  get hotKeysEnabled(): boolean {
    return this.hotKeyTracker !== null;
  }

  /**
   * The latest published hot keys of a route (SPEC §7 wire object), or `null` when there is none
   * (or hot keys are off: see `hotKeysEnabled`). Throws QueryError (code `invalid_query`, the HTTP
   * endpoint's message) for a label not in `labels` or a `subBucket` the route does not have.
   */
  hotKeys(routeId: number, opts: HotKeysRequest = {}): HotKeysResponse | null {
    if (typeof opts !== "object" || opts === null) throw new TypeError("hot-keys request must be an object");
    return readHotKeys(this.hotKeyTracker, this.registry, this.labels, routeId, opts);
  }

  stats(): SamplerStats {
    this.readPools.collect(); // the misses among tallied reads
    const { misses, invalidSamples, flushes, lastFlushDurationMs } = this;
    return collectStats(this.parts, { misses, invalidSamples, flushes, lastFlushDurationMs });
  }

  /** Shared mode (`shared: true`): a structured-clonable handle for one worker (`attachSampler` there). */
  workerHandle(): WorkerHandle {
    return SharedCounting.of(this.parts.shared, "workerHandle").workerHandle();
  }

  /** Shared mode: the worker of `handle` exited or was terminated (its counts are kept). */
  releaseWorker(handle: WorkerHandle): void {
    SharedCounting.of(this.parts.shared, "releaseWorker").releaseWorker(handle);
  }

  /** Shared mode: what workers sent to unregistered routes (their count is in `stats().misses`). */
  workerMisses(): WorkerMisses {
    return { ...SharedCounting.of(this.parts.shared, "workerMisses").misses };
  }

  /** Flushes at every multiple of `stepMs` of the clock until `stop()`; never keeps Node alive. */
  start(): void {
    this.checkOpen("start");
    this.timer.start();
  }

  stop(): void {
    this.timer.stop();
  }

  /**
   * Stops the timer, flushes, syncs the storage and releases its directory. Idempotent. After it,
   * reads (snapshot, matrix, hotKeys, stats, exportHistory) still answer; flush() and start()
   * throw; observe() stays a no-op that never throws (its counts are not flushed any more).
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stop();
    this.flushColumn();
    this.parts.persistence.close();
    this.parts.shared?.close();
  }

  private checkOpen(method: string): void {
    if (this.closed) throw new Error(`sampler is closed: ${method}() after close() would not be stored`);
  }
}
