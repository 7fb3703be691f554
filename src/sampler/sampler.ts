// createSampler: counts requests per route on the hot path and flushes them into one history
// column per step (SPEC §3). Counters live in the sampler's Wasm instance (counters.ts); this
// file owns validation and the route lifecycle: registration, folding into virtual buckets,
// removal with a grace window, labels, leader terms and the flush.

import { routeBucketId, virtualBucketId } from "../wire/bucket-id.js";
import { Counters } from "./counters.js";
import { ColumnBuilder, History, type RowValues } from "../history/history.js";
import { rewriteColumn } from "../history/rewrite.js";
import { overlapShares, splitValues, type PendingCell, type TargetCell } from "./apportion-cells.js";
import { compareBytes, compareEnd, compareStart } from "../keys/bytes.js";
import { HotKeyTracker } from "../hotkeys/tracker.js";
import type { HotKeysResponse } from "../hotkeys/response.js";
import { buildMatrixTable } from "../matrix/build.js";
import { toWireMatrix, type MatrixTable } from "../matrix/table.js";
import { rangeContains, rangesOverlap } from "../keys/ranges.js";
import { resolveOptions, slotCapacity, type ResolvedOptions, type SamplerOptions } from "./options.js";
import { subBucketBounds, subrangeLayout } from "../keys/subrange.js";
import { SERIES, type Column, type Key, type RowMeta, type Series } from "../types.js";
import { MAX_ROWS, SERIES_MESSAGE, type Matrix } from "../wire/wire.js";
import {
  insertByStart,
  newRoute,
  sameRange,
  unitOrderId,
  virtualRange,
  type RouteUnit,
  type Unit,
  type VirtualBucket,
} from "./units.js";
import { checkFiniteNumber, checkId, checkKey } from "../validate.js";

export type { HotKeysOptions, SamplerOptions } from "./options.js";

/** What `matrix()` reads: one series over `[fromMs, toMs)` with a row budget. */
export interface MatrixRequest {
  series?: Series;
  fromMs?: number;
  toMs?: number;
  rows?: number;
}

/** Route ids below this index dense typed arrays on the hot path; larger ids use a Map. */
const DENSE_LIMIT = 1 << 20;
/** Metadata records kept before the first compaction (then twice what survived). */
const META_COMPACT_MIN = 1 << 16;

export interface SamplerStats {
  /** Observations of unknown or removed routes. */
  misses: number;
  /** Observations with an op other than 0/1 or a key that is not a Uint8Array. */
  invalidSamples: number;
  /** Live routes with their own slot. */
  trackedRoutes: number;
  /** Live virtual buckets. */
  virtualBuckets: number;
  /** Columns in history. */
  columns: number;
  /** Counter memory plus stored history. */
  memoryBytes: number;
}

export function createSampler(options?: SamplerOptions): Sampler {
  return new Sampler(options);
}

export class Sampler {
  readonly stepMs: number;
  readonly historyColumns: number;
  readonly labels: readonly string[];

  private readonly opts: ResolvedOptions;
  private readonly counters: Counters;
  /** The counters' Float64Array view (cached here: one load less per observe; memory never grows). */
  private readonly values: Float64Array;
  private readonly history: History;
  private readonly maxK: number;
  /** Counter stride of one slot in the Float64Array view (maxK cells × 4 counters). */
  private readonly slotStride: number;
  private readonly labelIndex = new Map<string, number>();

  // Hot-path lookup by route id: the slot to count into (own or virtual) and the route's
  // sub-bucket count; -1 = not registered. `labelSlotOf[i]` is the slot of label i + 1.
  private slotOf = new Int32Array(0).fill(-1);
  private kOf = new Uint16Array(0);
  private labelSlotOf: Int32Array[] = [];
  /** Live route ids too large for the dense arrays (looked up in `routes`). */
  private readonly sparseIds = new Set<number>();

  /** Live routes by id (own slot or folded). */
  private readonly routes = new Map<number, RouteUnit>();
  /** Live slot holders (routes with own slots and virtual buckets), by start key. */
  private readonly live: Unit[] = [];
  /** Removed holders whose slots still drain during the grace window. */
  private graced: Unit[] = [];
  private readonly gracedById = new Map<number, RouteUnit>();

  private readonly freeSlots: number[] = [];
  private readonly slotOwner: (Unit | undefined)[];
  private readonly slotLabel: Int32Array;
  /** Smoothed requests per flush of each slot (half-life one flush), as of flush `slotSeen`. */
  private readonly slotActivity: Float64Array;
  private readonly slotSeen: Uint32Array;
  private flushSeq = 0;
  /** Virtual buckets whose row meta must be rebuilt at the next flush. */
  private readonly dirtyVirtuals = new Set<VirtualBucket>();
  private termsDirty = true;
  /** Row meta id of each cell's current bucket; -1 until the cell first drains. */
  private readonly cellMeta: Int32Array;

  private orderLen = 0;
  private slotTermScratch: Float64Array | null = null;
  /** Metadata count that triggers dropping records of buckets gone from history. */
  private compactMetasAt = META_COMPACT_MIN;
  private orderDirty = true;
  private builder: ColumnBuilder;

  private readonly groupTerms = new Map<number, number>();
  private readonly listeners = new Set<(column: Column) => void>();
  private lastFlushMs: number;
  private misses = 0;
  private invalidSamples = 0;
  private virtualCount = 0;
  private timer: ReturnType<typeof setInterval> | null = null;
  private readonly hotKeyTracker: HotKeyTracker | null;

  constructor(options?: SamplerOptions) {
    const o = resolveOptions(options);
    this.opts = o;
    this.stepMs = o.stepMs;
    this.historyColumns = o.historyColumns;
    this.labels = Object.freeze(o.labels.slice());
    o.labels.forEach((l, i) => this.labelIndex.set(l, i + 1));
    this.maxK = o.keyBucketsPerRoute;
    this.slotStride = this.maxK * 4;
    const slots = slotCapacity(o.maxTrackedRoutes, o.labels.length);
    this.counters = new Counters(slots, this.maxK);
    this.values = this.counters.values;
    this.history = new History(o.historyColumns);
    this.slotOwner = new Array(slots);
    this.slotLabel = new Int32Array(slots);
    this.slotActivity = new Float64Array(slots);
    this.slotSeen = new Uint32Array(slots);
    this.cellMeta = new Int32Array(slots * this.maxK).fill(-1);
    for (let s = slots - 1; s >= 0; s--) this.freeSlots.push(s);
    this.builder = new ColumnBuilder();
    this.lastFlushMs = o.now();
    const hk = options?.hotKeys;
    if (hk !== undefined && (typeof hk !== "object" || hk === null)) throw new TypeError("hotKeys must be an object");
    const { enabled, ...trackerOptions } = hk ?? {};
    this.hotKeyTracker = enabled === true ? new HotKeyTracker(trackerOptions) : null;
  }

  // ---- hot path -------------------------------------------------------------------------

  /** Counts one request of `routeId` (sub-bucket 0 on a K > 1 route). Never throws. */
  observe(routeId: number, op: 0 | 1, keyLen: number, valueLen = 0): void {
    let slot = typeof routeId === "number" ? this.slotOf[routeId] : -1;
    if (slot === undefined) slot = this.sparseIds.size === 0 ? -1 : this.sparseSlot(routeId, 0);
    // Every test here is predictable for valid input; the op picks the counter by index rather
    // than by branch, since a random read/write mix would mispredict a branch per call.
    if (slot < 0 || !isOp(op)) {
      this.countRejected(slot, op);
      return;
    }
    const c = this.values;
    const at = slot * this.slotStride + op;
    c[at]++;
    c[at + 2] += sampleLen(keyLen) + sampleLen(valueLen);
  }

  private countRejected(slot: number, op: unknown): void {
    if (slot < 0) this.misses++;
    else if (!isOp(op)) this.invalidSamples++;
  }

  /** Counts one request of `key` into its sub-bucket (and label slot). Never throws. */
  observeKey(routeId: number, op: 0 | 1, key: Uint8Array, valueLen = 0, label = ""): void {
    if (typeof routeId !== "number" || !(key instanceof Uint8Array) || !isOp(op)) {
      this.invalidSamples++;
      return;
    }
    const li = label === "" ? 0 : (this.labelIndex.get(label) ?? 0);
    let rangeSlot = this.slotOf[routeId];
    let countSlot = rangeSlot;
    let k = this.kOf[routeId];
    if (rangeSlot === undefined) {
      const r = this.routes.get(routeId);
      rangeSlot = countSlot = r === undefined ? -1 : r.vb !== null ? r.vb.slot : r.slots[0];
      if (r !== undefined && r.vb === null && li > 0) countSlot = r.slots[li];
      k = r === undefined ? 1 : r.k;
    } else if (li > 0 && rangeSlot >= 0) {
      countSlot = this.labelSlotOf[li - 1][routeId];
    }
    if (countSlot < 0) {
      this.misses++;
      return;
    }
    const bytes = key.length + sampleLen(valueLen);
    if (k > 1) {
      this.counters.observeKey(rangeSlot, countSlot, op, key, bytes);
    } else {
      const c = this.values;
      const at = countSlot * this.slotStride + op;
      c[at]++;
      c[at + 2] += bytes;
    }
    if (this.hotKeyTracker !== null && op === 1) this.hotKeyTracker.offer(routeId, li === 0 ? "" : label, key);
  }

  private sparseSlot(routeId: number, labelIdx: number): number {
    const r = this.routes.get(routeId);
    if (r === undefined) return -1;
    return r.vb !== null ? r.vb.slot : r.slots[labelIdx];
  }

  // ---- route lifecycle ------------------------------------------------------------------

  /**
   * Registers a route `[start, end)`. Idempotent. Returns true when the route has its own slot,
   * false when it was folded into a virtual bucket (budget full, or its range lies inside one).
   */
  registerRoute(routeId: number, start: Key = null, end: Key = null, groupId = 0): boolean {
    checkId("routeId", routeId);
    const s = checkKey("start", start, this.counters.maxRouteKeyBytes);
    const e = checkKey("end", end, this.counters.maxRouteKeyBytes);
    checkId("groupId", groupId);
    if (s !== null && e !== null && compareBytes(s, e) >= 0) {
      throw new RangeError(`route ${routeId}: start must sort below end`);
    }
    const existing = this.routes.get(routeId);
    if (existing !== undefined) {
      if (!sameRange(existing, s, e)) {
        throw new RangeError(`route ${routeId} is already registered with another range; remove it first`);
      }
      return existing.vb === null;
    }
    const graced = this.gracedById.get(routeId);
    if (graced !== undefined && sameRange(graced, s, e) && this.canRevive(graced)) {
      this.revive(graced);
      this.rehomeGraced(this.graced.filter((g) => this.hasPendingOverlap(g, graced)));
      return true;
    }
    return this.addRoute(newRoute(routeId, s, e, groupId));
  }

  /** Stops counting `routeId`; counts observed before still flush (grace window: max(5 s, 2 × step)). */
  removeRoute(routeId: number): void {
    checkId("routeId", routeId);
    const r = this.routes.get(routeId);
    if (r === undefined) return;
    this.routes.delete(routeId);
    this.setDense(routeId, -1, 0, []);
    this.hotKeyTracker?.release(routeId);
    const now = this.opts.now();
    if (r.vb !== null) {
      this.leaveVirtual(r.vb, r, now);
      return;
    }
    r.removedAtMs = now;
    this.live.splice(this.live.indexOf(r), 1);
    this.graced.push(r);
    this.gracedById.set(routeId, r);
  }

  /** Stamps rows of `groupId` flushed from now on with `term`. */
  setLeaderTerm(groupId: number, term: number): void {
    checkId("groupId", groupId);
    checkId("term", term);
    if (groupId === 0) throw new RangeError("groupId 0 means 'no group' and is never stamped");
    this.groupTerms.set(groupId, term);
    this.termsDirty = true;
  }

  private addRoute(r: RouteUnit): boolean {
    const hits = this.overlapping(r.start, r.end);
    const routeHit = hits.find((u) => u.kind === "route") as RouteUnit | undefined;
    if (routeHit !== undefined) {
      throw new RangeError(`route ${r.routeId} overlaps live route ${routeHit.routeId}`);
    }
    this.routes.set(r.routeId, r);
    // Inside a virtual bucket's range: join it (absorbing whatever else the route overlaps).
    if (hits.length > 0) {
      this.joinVirtual(hits[0] as VirtualBucket, r);
      return false;
    }
    // Over pending counts of a removed holder that the route cannot take exactly: count both in
    // one bucket spanning them, so no count lands outside its row and rows never overlap.
    const conflict = this.graced.find((g) => this.hasPendingOverlap(g, r) && !this.fitsExactly(g, r));
    if (conflict !== undefined) {
      this.joinVirtual(this.virtualize(conflict), r);
      return false;
    }
    const labelSlots = this.opts.labels.length + 1;
    if (this.freeSlots.length < labelSlots) this.reclaimIdleSlots(labelSlots);
    if (this.live.length >= this.opts.maxTrackedRoutes || this.freeSlots.length < labelSlots) {
      this.foldWithNeighbour(r);
      return false;
    }
    this.giveSlots(r);
    this.live.splice(this.livePosition(r.start, r.routeId), 0, r);
    // Pending counts of removed holders under this range fit its sub-buckets exactly: take them
    // now, so they can never be counted twice or drain as an overlapping row.
    this.rehomeGraced(this.graced.filter((g) => this.hasPendingOverlap(g, r)));
    return true;
  }

  /** Allocates a route's slots (one per label plus the unlabelled one) and points lookups at them. */
  private giveSlots(r: RouteUnit): void {
    const labelSlots = this.opts.labels.length + 1;
    r.vb = null;
    r.slots = [];
    for (let li = 0; li < labelSlots; li++) {
      const slot = this.freeSlots.pop()!;
      r.slots.push(slot);
      this.slotOwner[slot] = r;
      this.slotLabel[slot] = li;
    }
    this.setRange(r);
    this.setDense(r.routeId, r.slots[0], r.k, r.slots.slice(1));
    this.orderDirty = true;
    this.termsDirty = true;
  }

  /** True when removed holder `g` still has counts in a cell overlapping `r`. */
  private hasPendingOverlap(g: Unit, r: RouteUnit): boolean {
    return this.unitCells(g).some((c) => this.cellBusy(c.cell) && rangesOverlap(c.start, c.end, r.start, r.end));
  }

  /** True when every busy cell of `g` overlapping `r` lies inside a single sub-bucket of `r`. */
  private fitsExactly(g: Unit, r: RouteUnit): boolean {
    const layout = this.maxK > 1 ? subrangeLayout(r.start, r.end, this.maxK) : null;
    const pieces = layout !== null && layout.k > 1 ? subBucketBounds(r.start, r.end, layout) : [{ start: r.start, end: r.end }];
    return this.unitCells(g).every(
      (c) =>
        !this.cellBusy(c.cell) ||
        !rangesOverlap(c.start, c.end, r.start, r.end) ||
        pieces.some((p) => rangeContains(p.start, p.end, c.start, c.end)),
    );
  }

  /** Every cell a holder owns, with its key range (labelled cells share their sub-bucket's range). */
  private unitCells(u: Unit): { cell: number; start: Key; end: Key }[] {
    if (u.kind === "virtual") return [{ cell: u.slot * this.maxK, start: u.start, end: u.end }];
    const out: { cell: number; start: Key; end: Key }[] = [];
    for (const slot of u.slots) {
      for (let sub = 0; sub < u.k; sub++) {
        const b = u.bounds?.[sub] ?? u;
        out.push({ cell: slot * this.maxK + sub, start: b.start, end: b.end });
      }
    }
    return out;
  }

  private cellBusy(cell: number): boolean {
    const v = this.counters.values;
    const at = cell * 4;
    return v[at] + v[at + 1] + v[at + 2] + v[at + 3] > 0;
  }

  /** Gives a route's slots its key range (Wasm) and computes its sub-bucket bounds. */
  private setRange(r: RouteUnit): void {
    if (this.maxK === 1) return;
    const k = this.counters.setRange(r.slots[0], r.start, r.end, this.maxK);
    r.k = k;
    r.bounds = k > 1 ? subBucketBounds(r.start, r.end, subrangeLayout(r.start, r.end, this.maxK)) : null;
  }

  /**
   * A removed route comes back into its old slots only when nothing live overlaps it and every
   * other removed holder's pending counts under its range fit its sub-buckets exactly.
   */
  private canRevive(r: RouteUnit): boolean {
    if (this.overlapping(r.start, r.end).length > 0) return false;
    return this.graced.every((g) => g === r || !this.hasPendingOverlap(g, r) || this.fitsExactly(g, r));
  }

  private revive(r: RouteUnit): void {
    this.graced.splice(this.graced.indexOf(r), 1);
    this.gracedById.delete(r.routeId);
    r.removedAtMs = NaN;
    this.routes.set(r.routeId, r);
    this.live.splice(this.livePosition(r.start, r.routeId), 0, r);
    this.setDense(r.routeId, r.slots[0], r.k, r.slots.slice(1));
  }

  /** Live holders whose range overlaps `[start, end)`. */
  private overlapping(start: Key, end: Key): Unit[] {
    const out: Unit[] = [];
    let i = this.livePosition(start, -1) - 1;
    if (i < 0) i = 0;
    for (; i < this.live.length; i++) {
      const u = this.live[i];
      const us = u.start;
      if (end !== null && us !== null && compareBytes(us, end) >= 0) break;
      if (rangesOverlap(us, u.end, start, end)) out.push(u);
    }
    return out;
  }

  /** Index of the first live holder ordered after (start, id). */
  private livePosition(start: Key, id: number): number {
    let lo = 0;
    let hi = this.live.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const u = this.live[mid];
      const c = compareStart(u.start, start) || unitOrderId(u) - id;
      if (c < 0 || (c === 0 && id < 0)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  // ---- virtual buckets --------------------------------------------------------------------

  /**
   * The budget is full: fold `r` together with its less active neighbour (left on a tie), so a
   * virtual bucket only ever spans adjacent routes and the key axis stays proper.
   */
  private foldWithNeighbour(r: RouteUnit): void {
    const pos = this.livePosition(r.start, r.routeId);
    const left = this.live[pos - 1];
    const right = this.live[pos];
    // No live holder at all (every slot held by removed routes still draining): share a bucket
    // with one of those instead.
    const pick =
      left === undefined ? (right ?? this.graced[0]) : right === undefined ? left : this.activity(right) < this.activity(left) ? right : left;
    this.joinVirtual(this.virtualize(pick), r);
  }

  /**
   * Turns route `n` (live, or removed and still draining) into a virtual bucket of one member
   * (or one departed member), moving its pending counts into the bucket's single cell.
   */
  private virtualize(n: Unit): VirtualBucket {
    if (n.kind === "virtual") {
      if (!Number.isNaN(n.removedAtMs)) this.reviveVirtual(n);
      return n;
    }
    const wasLive = Number.isNaN(n.removedAtMs);
    const slot = n.slots[0];
    const vb: VirtualBucket = {
      kind: "virtual",
      bucketId: virtualBucketId(this.virtualCount++),
      members: wasLive ? [n] : [],
      departed: wasLive ? [] : [n],
      slot,
      start: n.start,
      end: n.end,
      metaDirty: true,
      removedAtMs: NaN,
    };
    this.dirtyVirtuals.add(vb);
    this.moveSlotsInto(n, vb);
    this.slotOwner[slot] = vb;
    this.slotLabel[slot] = 0;
    if (wasLive) {
      n.vb = vb;
      this.live[this.live.indexOf(n)] = vb;
      this.setDense(n.routeId, slot, 1, []);
    } else {
      this.graced.splice(this.graced.indexOf(n), 1);
      if (this.gracedById.get(n.routeId) === n) this.gracedById.delete(n.routeId);
      this.live.splice(this.livePosition(vb.start, unitOrderId(vb)), 0, vb);
    }
    this.orderDirty = true;
    this.termsDirty = true;
    return vb;
  }

  /** Moves every cell of route `n` into `vb`'s cell and frees `n`'s slots (except `vb`'s own). */
  private moveSlotsInto(n: RouteUnit, vb: VirtualBucket): void {
    const target = vb.slot * this.maxK;
    for (const s of n.slots) {
      for (let sub = 0; sub < this.maxK; sub++) {
        const cell = s * this.maxK + sub;
        if (cell !== target) this.counters.moveCell(cell, target);
        this.cellMeta[cell] = -1;
      }
      if (s !== vb.slot) this.releaseSlot(s);
    }
    n.slots = [];
    n.k = 1;
    n.bounds = null;
  }

  private reviveVirtual(vb: VirtualBucket): void {
    this.graced.splice(this.graced.indexOf(vb), 1);
    vb.removedAtMs = NaN;
    this.live.splice(this.livePosition(vb.start, unitOrderId(vb)), 0, vb);
    this.orderDirty = true;
    this.termsDirty = true;
  }

  /** Adds route `r` to `vb`, then absorbs every holder the grown range now overlaps. */
  private joinVirtual(vb: VirtualBucket, r: RouteUnit): void {
    r.vb = vb;
    r.k = 1;
    r.slots = [];
    r.bounds = null;
    insertByStart(vb.members, r);
    this.setDense(r.routeId, vb.slot, 1, []);
    this.growVirtual(vb, r.start, r.end);
    this.absorbOverlaps(vb);
  }

  private growVirtual(vb: VirtualBucket, start: Key, end: Key): void {
    const at = this.live.indexOf(vb);
    if (compareStart(start, vb.start) < 0) vb.start = start;
    if (compareEnd(end, vb.end) > 0) vb.end = end;
    this.markDirty(vb);
    this.orderDirty = true;
    this.termsDirty = true;
    // A grown start can move the bucket in key order.
    if (at >= 0) {
      this.live.splice(at, 1);
      this.live.splice(this.livePosition(vb.start, unitOrderId(vb)), 0, vb);
    }
  }

  /**
   * Folds into `vb` every live holder its range overlaps and every removed holder with pending
   * counts there, until nothing overlaps: a bucket's row must never overlap another row.
   */
  private absorbOverlaps(vb: VirtualBucket): void {
    for (;;) {
      const other =
        this.overlapping(vb.start, vb.end).find((u) => u !== vb) ??
        this.graced.find((g) => g !== vb && this.unitCells(g).some((c) => this.cellBusy(c.cell) && rangesOverlap(c.start, c.end, vb.start, vb.end)));
      if (other === undefined) return;
      this.absorb(vb, other);
    }
  }

  private absorb(vb: VirtualBucket, u: Unit): void {
    const live = Number.isNaN(u.removedAtMs);
    if (live) this.live.splice(this.live.indexOf(u), 1);
    else this.graced.splice(this.graced.indexOf(u), 1);
    if (u.kind === "route") {
      this.moveSlotsInto(u, vb);
      if (live) {
        u.vb = vb;
        insertByStart(vb.members, u);
        this.setDense(u.routeId, vb.slot, 1, []);
      } else {
        vb.departed.push(u);
        if (this.gracedById.get(u.routeId) === u) this.gracedById.delete(u.routeId);
      }
    } else {
      this.counters.moveCell(u.slot * this.maxK, vb.slot * this.maxK);
      this.releaseSlot(u.slot);
      for (const m of u.members) {
        m.vb = vb;
        insertByStart(vb.members, m);
        this.setDense(m.routeId, vb.slot, 1, []);
      }
      vb.departed.push(...u.departed);
    }
    this.growVirtual(vb, u.start, u.end);
  }

  private leaveVirtual(vb: VirtualBucket, r: RouteUnit, now: number): void {
    vb.members.splice(vb.members.indexOf(r), 1);
    vb.departed.push(r);
    this.markDirty(vb);
    if (vb.members.length === 0) {
      vb.removedAtMs = now;
      this.live.splice(this.live.indexOf(vb), 1);
      this.graced.push(vb);
    }
  }

  // ---- slots and dense lookup ---------------------------------------------------------------

  private markDirty(vb: VirtualBucket): void {
    vb.metaDirty = true;
    this.dirtyVirtuals.add(vb);
  }

  /** Smoothed requests per flush of a holder: the decayed sum over its slots. */
  private activity(u: Unit): number {
    let total = 0;
    for (const s of u.kind === "route" ? u.slots : [u.slot]) {
      total += this.slotActivity[s] * 0.5 ** (this.flushSeq - this.slotSeen[s]);
    }
    return total;
  }

  private releaseSlot(slot: number): void {
    this.slotActivity[slot] = 0;
    this.termsDirty = true;
    this.slotOwner[slot] = undefined;
    this.cellMeta.fill(-1, slot * this.maxK, (slot + 1) * this.maxK);
    this.freeSlots.push(slot);
  }

  private setDense(routeId: number, slot: number, k: number, labelSlots: number[]): void {
    if (routeId >= DENSE_LIMIT) {
      if (slot < 0) this.sparseIds.delete(routeId);
      else this.sparseIds.add(routeId);
      return;
    }
    if (routeId >= this.slotOf.length) this.growDense(routeId);
    this.slotOf[routeId] = slot;
    this.kOf[routeId] = k;
    for (let i = 0; i < this.labelSlotOf.length; i++) this.labelSlotOf[i][routeId] = slot < 0 ? -1 : (labelSlots[i] ?? slot);
  }

  private growDense(routeId: number): void {
    let size = Math.max(1024, this.slotOf.length);
    while (size <= routeId) size *= 2;
    size = Math.min(size, DENSE_LIMIT);
    const grow = (old: Int32Array) => {
      const a = new Int32Array(size).fill(-1);
      a.set(old);
      return a;
    };
    this.slotOf = grow(this.slotOf);
    const k = new Uint16Array(size);
    k.set(this.kOf);
    this.kOf = k;
    this.labelSlotOf = this.opts.labels.map((_, i) => grow(this.labelSlotOf[i] ?? new Int32Array(0)));
  }

  // ---- split / merge continuity ----------------------------------------------------------

  /**
   * The key range covered by `oldIds` is now covered by `newRoutes` (a split, a merge, or any
   * re-partition of that range). New routes are registered; pending counts of the old routes
   * and their rows in every stored column are re-homed onto the new routes in proportion to
   * key-space overlap (the SPEC §3.1 w() measure, largest-remainder integers), so every
   * column's totals are unchanged and rows before and after line up on the key axis.
   */
  replaceRoutes(oldIds: number[], newRoutes: { routeId: number; start: Key; end: Key; groupId?: number }[]): void {
    const { olds, fresh } = this.checkReplacement(oldIds, newRoutes);
    const oldSet = new Set(olds.map((r) => r.routeId));
    const span = { start: olds[0].start, end: olds[olds.length - 1].end };
    const oldMetasBelow = this.history.metaCount;
    const pending = olds.flatMap((r) => (r.vb === null ? this.takePending(r) : []));
    for (const r of olds) this.removeRoute(r.routeId);
    for (const r of fresh) this.addRoute(r);
    this.distribute(pending, fresh);
    const isOld = (metaId: number) => {
      if (metaId >= oldMetasBelow) return false;
      const m = this.history.meta(metaId);
      return m.routeId !== null && !m.aggregate && oldSet.has(m.routeId) && rangeContains(span.start, span.end, m.start, m.end);
    };
    const targetRank = new Map<number, number>();
    const targetsByLabel = this.opts.labels.map((_, i) => this.targetCells(fresh, i + 1));
    targetsByLabel.unshift(this.targetCells(fresh, 0));
    for (const list of targetsByLabel) {
      for (const t of list) {
        t.metaId = this.cellMetaId(t.cell);
        targetRank.set(t.metaId, t.rank);
      }
    }
    this.history.rewrite((col) =>
      rewriteColumn(
        col,
        isOld,
        (metaId, values) => {
          const m = this.history.meta(metaId);
          const li = m.label === "" ? 0 : (this.labelIndex.get(m.label) ?? 0);
          const targets = targetsByLabel[li].filter((t) => rangesOverlap(t.start, t.end, m.start, m.end));
          const shares = splitValues(values, overlapShares(m.start, m.end, targets));
          return targets.map((t, i) => ({
            metaId: t.metaId,
            values: [...shares[i], this.history.meta(t.metaId).groupId === m.groupId ? values[4] : 0] as RowValues,
          }));
        },
        (metaId) => targetRank.get(metaId) ?? 0,
      ),
    );
  }

  private checkReplacement(
    oldIds: number[],
    newRoutes: { routeId: number; start: Key; end: Key; groupId?: number }[],
  ): { olds: RouteUnit[]; fresh: RouteUnit[] } {
    if (!Array.isArray(oldIds) || oldIds.length === 0) throw new TypeError("oldIds must be a non-empty array of route ids");
    if (!Array.isArray(newRoutes) || newRoutes.length === 0) throw new TypeError("newRoutes must be a non-empty array");
    const olds = oldIds.map((id, i) => {
      checkId(`oldIds[${i}]`, id);
      const r = this.routes.get(id);
      if (r === undefined) throw new RangeError(`oldIds[${i}]: route ${id} is not registered`);
      return r;
    });
    const fresh = newRoutes.map((n, i) => {
      if (typeof n !== "object" || n === null) throw new TypeError(`newRoutes[${i}] must be an object`);
      const id = checkId(`newRoutes[${i}].routeId`, n.routeId);
      const start = checkKey(`newRoutes[${i}].start`, n.start, this.counters.maxRouteKeyBytes);
      const end = checkKey(`newRoutes[${i}].end`, n.end, this.counters.maxRouteKeyBytes);
      const group = checkId(`newRoutes[${i}].groupId`, n.groupId ?? 0);
      if (this.routes.has(id) && !oldIds.includes(id)) throw new RangeError(`newRoutes[${i}]: route ${id} is already registered`);
      return newRoute(id, start, end, group);
    });
    const byStart = (a: RouteUnit, b: RouteUnit) => compareStart(a.start, b.start);
    olds.sort(byStart);
    fresh.sort(byStart);
    checkTiling("oldIds", olds);
    checkTiling("newRoutes", fresh);
    const same = (a: Key, b: Key) => (a === null || b === null ? a === b : compareBytes(a, b) === 0);
    if (!same(olds[0].start, fresh[0].start) || !same(olds[olds.length - 1].end, fresh[fresh.length - 1].end)) {
      throw new RangeError("newRoutes must cover exactly the range of oldIds");
    }
    return { olds, fresh };
  }

  /** Moves pending counts of removed holders onto the live holders that now cover their keys. */
  private rehomeGraced(units: Unit[]): void {
    for (const u of units) {
      const over = this.overlapping(u.start, u.end);
      const covered = (c: { start: Key; end: Key }) => over.some((o) => rangesOverlap(o.start, o.end, c.start, c.end));
      if (over.length > 0) this.distribute(this.takePending(u, covered), over);
    }
  }

  /** Reads and zeroes the busy cells of `u`: what they counted, per label and key range. */
  private takePending(u: Unit, wanted: (c: { start: Key; end: Key }) => boolean = () => true): PendingCell[] {
    const v = this.counters.values;
    const out: PendingCell[] = [];
    for (const c of this.unitCells(u)) {
      if (!this.cellBusy(c.cell) || !wanted(c)) continue;
      const at = c.cell * 4;
      const li = this.slotLabel[(c.cell / this.maxK) | 0];
      out.push({ li, start: c.start, end: c.end, values: [v[at], v[at + 1], v[at + 2], v[at + 3], 0] });
      v.fill(0, at, at + 4);
    }
    return out;
  }

  /** Adds pending counts to the cells of `units` that overlap them, in proportion to key space. */
  private distribute(pending: PendingCell[], units: Unit[]): void {
    const v = this.counters.values;
    for (const p of pending) {
      const targets = this.targetCells(units, p.li).filter((t) => rangesOverlap(t.start, t.end, p.start, p.end));
      const shares = splitValues(p.values, overlapShares(p.start, p.end, targets));
      targets.forEach((t, i) => {
        for (let f = 0; f < 4; f++) v[t.cell * 4 + f] += shares[i][f];
      });
    }
  }

  /** The cells (with key ranges, in row order) that label `li` of `units` counts into. */
  private targetCells(units: Unit[], li: number): TargetCell[] {
    const out: TargetCell[] = [];
    for (const u of units) {
      const r = u.kind === "route" && u.vb !== null ? u.vb : u;
      if (r.kind === "virtual") {
        if (!out.some((t) => t.cell === r.slot * this.maxK)) {
          out.push({ cell: r.slot * this.maxK, start: r.start, end: r.end, rank: out.length, metaId: -1 });
        }
        continue;
      }
      for (let sub = 0; sub < r.k; sub++) {
        const b = r.bounds?.[sub] ?? r;
        out.push({ cell: r.slots[li] * this.maxK + sub, start: b.start, end: b.end, rank: out.length, metaId: -1 });
      }
    }
    return out;
  }

  private cellMetaId(cell: number): number {
    let id = this.cellMeta[cell];
    if (id < 0) id = this.cellMeta[cell] = this.history.addMeta(this.metaForCell(cell));
    return id;
  }

  // ---- flush ----------------------------------------------------------------------------------

  /** Drains every slot into one new history column for `(previous flush, now]`. */
  flush(): void {
    const at = this.opts.now();
    const windowStartMs = this.lastFlushMs < at ? this.lastFlushMs : at - this.stepMs;
    const departedNow = this.refreshVirtualMetas();
    if (this.orderDirty) this.rebuildOrder();
    const b = this.builder.reset(windowStartMs, at, this.orderLen);
    const slotTerm = this.slotTerms();
    const seq = ++this.flushSeq;
    const { cellMeta, slotActivity, slotSeen, maxK } = this;
    this.counters.drain(this.orderLen, (idx, val, n) => {
      for (let i = 0; i < n; i++) {
        const cell = idx[i];
        const slot = (cell / maxK) | 0;
        const meta = cellMeta[cell] >= 0 ? cellMeta[cell] : this.cellMetaId(cell);
        const v = i * 4;
        b.add(meta, val[v], val[v + 1], val[v + 2], val[v + 3], slotTerm[slot]);
        // Activity decays lazily: a slot is touched only when it drains something.
        if (slotSeen[slot] !== seq) {
          slotActivity[slot] *= 0.5 ** (seq - slotSeen[slot]);
          slotSeen[slot] = seq;
        }
        slotActivity[slot] += 0.5 * (val[v] + val[v + 1]);
      }
    });
    const column = this.history.appendFrom(b);
    if (this.history.metaCount > this.compactMetasAt) this.compactMetas();
    this.lastFlushMs = at;
    for (const vb of departedNow) this.forgetDeparted(vb);
    this.retireGraced(at);
    this.hotKeyTracker?.publish(at);
    if (this.listeners.size > 0) {
      const published: Column = { windowStartMs, atMs: at, rows: this.history.rowsOf(column) };
      for (const listener of this.listeners) {
        try {
          listener(published);
        } catch {
          // A failing listener must not break the flush or the other listeners.
        }
      }
    }
  }

  /** Forgets metadata of buckets that left history and no slot uses any more. */
  private compactMetas(): void {
    const remap = this.history.compactMetas(this.cellMeta);
    const cm = this.cellMeta;
    for (let i = 0; i < cm.length; i++) if (cm[i] >= 0) cm[i] = remap[cm[i]];
    this.compactMetasAt = Math.max(META_COMPACT_MIN, 2 * this.history.metaCount);
  }

  /** Leader term to stamp on each slot's rows this flush (0 for virtual buckets and group 0). */
  private slotTerms(): Float64Array {
    const terms = (this.slotTermScratch ??= new Float64Array(this.slotOwner.length));
    if (!this.termsDirty) return terms;
    this.termsDirty = false;
    const stamp = (u: Unit) => {
      if (u.kind === "virtual") {
        terms[u.slot] = 0;
        return;
      }
      const term = u.groupId === 0 ? 0 : (this.groupTerms.get(u.groupId) ?? 0);
      for (const s of u.slots) terms[s] = term;
    };
    this.live.forEach(stamp);
    this.graced.forEach(stamp);
    return terms;
  }

  /**
   * Virtual buckets whose membership changed get a new row meta (range, members) at this drain.
   * Returns those with departed members: they leave the bucket once this flush has counted them.
   */
  private refreshVirtualMetas(): VirtualBucket[] {
    const departed: VirtualBucket[] = [];
    for (const vb of this.dirtyVirtuals) {
      this.cellMeta[vb.slot * this.maxK] = -1;
      vb.metaDirty = false;
      if (vb.departed.length > 0) departed.push(vb);
    }
    this.dirtyVirtuals.clear();
    return departed;
  }

  /** Cells of every slot holder in row order: start key, then route id, then label. */
  private rebuildOrder(): void {
    const holders = this.live.concat(this.graced);
    holders.sort((a, b) => compareStart(a.start, b.start) || unitOrderId(a) - unitOrderId(b));
    const cells: number[] = [];
    for (const u of holders) {
      if (u.kind === "virtual") {
        cells.push(u.slot * this.maxK);
        continue;
      }
      for (let sub = 0; sub < u.k; sub++) for (const s of u.slots) cells.push(s * this.maxK + sub);
    }
    this.counters.setOrder(cells);
    this.orderLen = cells.length;
    this.orderDirty = false;
  }

  private metaForCell(cell: number): RowMeta {
    const slot = (cell / this.maxK) | 0;
    const sub = cell % this.maxK;
    const owner = this.slotOwner[slot]!;
    if (owner.kind === "virtual") return this.virtualMeta(owner);
    const li = this.slotLabel[slot];
    const label = li === 0 ? "" : this.opts.labels[li - 1];
    const bounds = owner.bounds?.[sub] ?? { start: owner.start, end: owner.end };
    return {
      bucketId: routeBucketId(owner.routeId, label, sub, owner.k),
      routeId: owner.routeId,
      label,
      start: bounds.start,
      end: bounds.end,
      aggregate: false,
      memberRoutes: [owner.routeId],
      memberRoutesTotal: 1,
      groupId: owner.groupId,
      subBucket: sub,
      subBucketCount: owner.k,
    };
  }

  private virtualMeta(vb: VirtualBucket): RowMeta {
    const members = vb.members.concat(vb.departed).sort((a, b) => compareStart(a.start, b.start));
    return {
      bucketId: vb.bucketId,
      routeId: null,
      label: "",
      start: vb.start,
      end: vb.end,
      aggregate: true,
      memberRoutes: members.slice(0, this.opts.maxMemberRoutesPerSlot).map((m) => m.routeId),
      memberRoutesTotal: members.length,
      groupId: 0,
      subBucket: 0,
      subBucketCount: 1,
    };
  }

  /** Departed members were flushed with the bucket; from now on its range is its live members'. */
  private forgetDeparted(vb: VirtualBucket): void {
    vb.departed = [];
    if (vb.members.length > 0) Object.assign(vb, virtualRange(vb));
    this.markDirty(vb);
  }

  /**
   * Slots are short: removed holders with nothing left to drain give theirs back before their
   * grace window ends (a later re-registration simply gets a fresh slot: still one row).
   */
  private reclaimIdleSlots(needed: number): void {
    for (const u of this.graced.slice()) {
      if (this.freeSlots.length >= needed) return;
      if (this.unitCells(u).some((c) => this.cellBusy(c.cell))) continue;
      this.graced.splice(this.graced.indexOf(u), 1);
      this.releaseHolder(u);
    }
  }

  private releaseHolder(u: Unit): void {
    if (u.kind === "route") {
      u.slots.forEach((s) => this.releaseSlot(s));
      if (this.gracedById.get(u.routeId) === u) this.gracedById.delete(u.routeId);
    } else {
      this.releaseSlot(u.slot);
    }
    this.orderDirty = true;
    this.termsDirty = true;
  }

  /** Frees the slots of holders removed at least a grace window ago (just drained). */
  private retireGraced(now: number): void {
    const keep: Unit[] = [];
    for (const u of this.graced) {
      if (now - u.removedAtMs < this.opts.graceMs) {
        keep.push(u);
        continue;
      }
      this.releaseHolder(u);
    }
    this.graced = keep;
  }

  // ---- reading ---------------------------------------------------------------------------------

  /** Deep copies of the columns with `fromMs ≤ atMs < toMs`, oldest first. */
  snapshot(fromMs?: number, toMs?: number): Column[] {
    if (fromMs !== undefined) checkFiniteNumber("fromMs", fromMs);
    if (toMs !== undefined) checkFiniteNumber("toMs", toMs);
    return this.history.snapshot(fromMs, toMs);
  }

  /** The heatmap matrix (SPEC §5 wire object) of one series, with the merged row budget. */
  matrix(q: MatrixRequest = {}): Matrix {
    return toWireMatrix(this.matrixTable(q));
  }

  /**
   * The same matrix with its cells in typed arrays (what the server writes as JSON directly).
   * The cell arrays are reused by the next matrix build: read them before building another.
   */
  matrixTable(q: MatrixRequest = {}): MatrixTable {
    const series = q.series ?? "writes";
    if (!(SERIES as readonly string[]).includes(series)) throw new RangeError(SERIES_MESSAGE);
    const fromMs = q.fromMs === undefined || q.fromMs === 0 ? undefined : checkFiniteNumber("fromMs", q.fromMs);
    const toMs = q.toMs === undefined || q.toMs === 0 ? undefined : checkFiniteNumber("toMs", q.toMs);
    const rows = q.rows === undefined ? MAX_ROWS : q.rows;
    return buildMatrixTable(this.history.seriesView(series, fromMs, toMs), { rows, fromMs, toMs, nowMs: this.opts.now() });
  }

  get hotKeysEnabled(): boolean {
    return this.hotKeyTracker !== null;
  }

  /**
   * The latest published hot keys of a route (SPEC §7 wire object), or `null` when there is no
   * snapshot (hot keys off, unknown route, nothing published yet, or no such sub-bucket).
   */
  hotKeys(routeId: number, opts: { label?: string; subBucket?: number; top?: number } = {}): HotKeysResponse | null {
    checkId("routeId", routeId);
    if (this.hotKeyTracker === null) return null;
    let subBucket: { index: number; start: Key; end: Key } | undefined;
    if (opts.subBucket !== undefined) {
      const index = checkId("subBucket", opts.subBucket);
      const r = this.routes.get(routeId);
      if (r === undefined) return null;
      const b = r.bounds?.[index] ?? (index === 0 ? { start: r.start, end: r.end } : undefined);
      if (b === undefined) return null;
      subBucket = { index, start: b.start, end: b.end };
    }
    return this.hotKeyTracker.query(routeId, { label: opts.label, top: opts.top, subBucket });
  }

  /** Calls `listener` with every flushed column; returns the unsubscribe function. */
  onFlush(listener: (column: Column) => void): () => void {
    if (typeof listener !== "function") throw new TypeError("listener must be a function");
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  stats(): SamplerStats {
    let virtualBuckets = 0;
    for (const u of this.live) if (u.kind === "virtual") virtualBuckets++;
    return {
      misses: this.misses,
      invalidSamples: this.invalidSamples,
      trackedRoutes: this.live.length - virtualBuckets,
      virtualBuckets,
      columns: this.history.length,
      memoryBytes: this.counters.memoryBytes() + this.history.memoryBytes(),
    };
  }

  // ---- timer -------------------------------------------------------------------------------------

  /** Flushes every `stepMs` until `stop()`; the timer never keeps a Node process alive. */
  start(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => this.flush(), this.stepMs);
    (this.timer as { unref?: () => void }).unref?.();
  }

  stop(): void {
    if (this.timer === null) return;
    clearInterval(this.timer);
    this.timer = null;
  }
}

/**
 * A sample length as counted: an integer in [0, 2^31), anything else 0. Branch-free for valid
 * numbers (`k & ~(k >> 31)` zeroes negatives), since lengths vary call to call.
 */
function sampleLen(n: number): number {
  let k = typeof n === "number" ? n | 0 : 0;
  if (k !== n) k = 0;
  return k & ~(k >> 31);
}

/** True for op 0 (read) and 1 (write), with one predictable comparison. */
function isOp(op: unknown): op is 0 | 1 {
  return typeof op === "number" && op === (op & 1);
}


/** Routes sorted by start must be contiguous and non-overlapping. */
function checkTiling(name: string, routes: RouteUnit[]): void {
  for (let i = 1; i < routes.length; i++) {
    const prev = routes[i - 1].end;
    const start = routes[i].start;
    if (prev === null || start === null || compareBytes(prev, start) !== 0) {
      throw new RangeError(`${name}: routes ${routes[i - 1].routeId} and ${routes[i].routeId} are not contiguous`);
    }
  }
  for (const r of routes) {
    if (r.start !== null && r.end !== null && compareBytes(r.start, r.end) >= 0) {
      throw new RangeError(`${name}: route ${r.routeId} has start ≥ end`);
    }
  }
}
