// Per-(route, label) hot keys of written keys (SPEC §7). The sampler calls `offer` for every
// write while hot keys are on, `publish` at every flush and `release` when a route is removed.
//
// Hot path: `offer` decrements a countdown and returns; 1 write in R (geometric gaps, see
// sampling.ts) takes the slow path, which looks up the (route, label) state, applies the length
// check, and copies the key bytes into a bounded queue (a preallocated byte arena). Nothing
// allocates per sample except the first sample of a new (route, label); a sketch copies a key
// only when the key enters it. The length check runs after sampling, so `skipped_long_keys` is
// in the same unit as `sampled_n` and `dropped_samples` (samples): every sample taken is exactly
// one of sketched, dropped or skipped.
//
// The queue is drained into the sketches at every publish and, when it gets half full, in a
// microtask, so sketch updates never run inside `offer`. A sample is dropped only when a
// synchronous burst fills the queue before that microtask runs.

import { resolveHotKeyTrackerOptions, type HotKeyTrackerOptions } from "./options.js";
import { DEFAULT_TOP, clampTop, compareHotKeys, type HotKey, type HotKeysResponse } from "./response.js";
import { GeometricGaps } from "./sampling.js";
import { LabelState } from "./label-state.js";
import { INLINE_KEY_BYTES, SketchPool } from "./sketch-pool.js";
import { FNV_OFFSET, FNV_PRIME } from "./space-saving.js";
import { keyInRange } from "../keys/bytes.js";
import type { Key } from "../types.js";
import { encodeKey, rfc3339 } from "../wire/wire.js";
import { checkInteger } from "../validate.js";

/** Bounds of one sub-bucket of the route, as the sampler computes them (SPEC §3.1). */
export interface SubBucketBounds {
  /** Sub-bucket index, echoed as `sub_bucket` in the response. */
  index: number;
  /** Inclusive lower bound; `null` or empty = lowest key. */
  start: Key;
  /** Exclusive upper bound; `null` or empty = unbounded. */
  end: Key;
}

export interface HotKeysQuery {
  /** Source label; `""` (default) is the unlabeled slot. */
  label?: string;
  /** Keys to return: default 20, clamped to 1024 and then to `perRoute`. */
  top?: number;
  /** Keep only keys inside these bounds. */
  subBucket?: SubBucketBounds;
}

/**
 * Queue arena bytes per queued sample (plus one maximal key): the queue is full when either
 * `queueSize` samples or this many key bytes are waiting.
 */
const ARENA_BYTES_PER_SAMPLE = 64;
/** Route ids below this find their unlabelled state in a dense array (one load, no Map probe). */
const DENSE_ROUTE_IDS = 1 << 16;

export class HotKeyTracker {
  readonly perRoute: number;
  readonly sampleRate: number;
  readonly maxKeyLen: number;
  readonly queueSize: number;

  private readonly gaps: GeometricGaps;
  private untilSample: number;
  /** Sketches of keys ≤ INLINE_KEY_BYTES and their sample ring, in Wasm (sketch-pool.ts). */
  private readonly pool: SketchPool;
  private readonly routes = new Map<number, Map<string, LabelState>>();
  /** The unlabelled state of route ids below DENSE_ROUTE_IDS (the same objects as in `routes`). */
  private unlabelled: (LabelState | undefined)[] = [];
  /**
   * Per dense route id, 1 + the pool sketch of its unlabelled state (0: none): a sample of such a
   * route goes to the ring without touching the state object (a cache miss per sample otherwise).
   */
  private poolSketchOf = new Int32Array(0);
  /** Keys up to this length go to the pool (longer: skipped, or the JS sketch). */
  private readonly poolKeyLimit: number;
  private readonly queuedStates: (LabelState | undefined)[];
  private readonly queuedOffsets: Int32Array;
  private readonly queuedLengths: Int32Array;
  /** FNV-1a of each queued key, computed while the key is copied (it is in cache then). */
  private readonly queuedHashes: Int32Array;
  private readonly arena: Uint8Array;
  /** The arena 4 bytes at a time: keys start 4-aligned, so sketches compare them by words. */
  private readonly arenaWords: Int32Array;
  private arenaUsed = 0;
  private queued = 0;
  private droppedTotal = 0;
  private drainScheduled = false;
  private readonly drainTask = (): void => {
    this.drainScheduled = false;
    this.drain();
  };

  constructor(options: HotKeyTrackerOptions = {}) {
    const resolved = resolveHotKeyTrackerOptions(options);
    this.perRoute = resolved.perRoute;
    this.sampleRate = resolved.sampleRate;
    this.maxKeyLen = resolved.maxKeyLen;
    this.queueSize = resolved.queueSize;
    this.gaps = new GeometricGaps(resolved.sampleRate, resolved.seed);
    this.untilSample = this.gaps.next();
    this.pool = new SketchPool(this.perRoute, this.queueSize);
    this.poolKeyLimit = Math.min(this.maxKeyLen, INLINE_KEY_BYTES);
    this.queuedStates = new Array<LabelState | undefined>(this.queueSize).fill(undefined);
    this.queuedOffsets = new Int32Array(this.queueSize);
    this.queuedLengths = new Int32Array(this.queueSize);
    this.queuedHashes = new Int32Array(this.queueSize);
    this.arena = new Uint8Array(this.queueSize * ARENA_BYTES_PER_SAMPLE + this.maxKeyLen);
    this.arenaWords = new Int32Array(this.arena.buffer, 0, this.arena.length >> 2);
  }

  /** Hot path: one write of `key` on (routeId, label). Never throws; allocates only when sampling. */
  offer(routeId: number, label: string, key: Uint8Array): void {
    if (--this.untilSample > 0) return;
    this.takeSample(routeId, label, key);
  }

  /** Folds every queued sample into its sketch. Called by `publish`; safe to call any time. */
  drain(): void {
    this.pool.drain();
    const states = this.queuedStates;
    const arena = this.arena;
    for (let i = 0; i < this.queued; i++) {
      const state = states[i]!;
      states[i] = undefined;
      if (state.released) continue;
      state.add(arena, this.arenaWords, this.queuedOffsets[i]!, this.queuedLengths[i]!, this.queuedHashes[i]!);
    }
    this.queued = 0;
    this.arenaUsed = 0;
  }

  /** Publishes every (route, label) sketch as an immutable snapshot stamped `nowMs`, then resets it. */
  publish(nowMs: number): void {
    if (typeof nowMs !== "number" || !Number.isFinite(nowMs))
      throw new TypeError(`nowMs must be a finite number, got ${String(nowMs)}`);
    this.drain();
    for (const [routeId, labels] of this.routes) {
      for (const [label, state] of labels) {
        state.publish(nowMs, this.pool);
        this.droppedTotal += state.snapshot!.dropped; // summed here, off the hot path
        this.mirror(routeId, label, state); // a sketch without samples went back to the pool
      }
    }
  }

  /**
   * Bytes this tracker holds: the sketch pool's Wasm memory (reserved whole), the sample queue,
   * and every (route, label)'s JS sketch and published key copies. Walks the states: for stats,
   * not the hot path.
   */
  get memoryBytes(): number {
    let states = 0;
    for (const labels of this.routes.values()) for (const state of labels.values()) states += state.bytes;
    return (
      this.pool.memoryBytes +
      this.arena.byteLength +
      this.queuedOffsets.byteLength +
      this.queuedLengths.byteLength +
      this.queuedHashes.byteLength +
      states
    );
  }

  /** Samples dropped because the queue was full, since creation (as of the last publish or release). */
  get droppedSamples(): number {
    return this.droppedTotal;
  }

  /** Forgets a removed route: its sketches, snapshots and any samples still queued for it. */
  release(routeId: number): void {
    const labels = this.routes.get(routeId);
    if (labels === undefined) return;
    this.pool.drain(); // the ring may name this route's pool sketches, which go back to the pool
    for (const [label, state] of labels) {
      state.release(this.pool);
      this.droppedTotal += state.dropped;
      this.mirror(routeId, label, state);
    }
    this.routes.delete(routeId);
    if (isDenseId(routeId) && routeId < this.unlabelled.length) this.unlabelled[routeId] = undefined;
  }

  /** The latest published hot keys of (routeId, label), or `null` when none was published. */
  query(routeId: number, query: HotKeysQuery = {}): HotKeysResponse | null {
    validateRouteId(routeId);
    const label = query.label ?? "";
    if (typeof label !== "string") throw new TypeError(`label must be a string, got ${String(label)}`);
    const top = Math.min(clampTop(query.top ?? DEFAULT_TOP), this.perRoute);
    const bounds = query.subBucket === undefined ? undefined : validBounds(query.subBucket);

    const snapshot = this.routes.get(routeId)?.get(label)?.snapshot ?? null;
    if (snapshot === null) return null;

    const keys: HotKey[] = [];
    for (let i = 0; i < snapshot.keys.length; i++) {
      const key = snapshot.keys[i]!;
      if (bounds !== undefined && !keyInRange(key, bounds.start, bounds.end)) continue;
      keys.push({ key_b64: encodeKey(key) ?? "", count: snapshot.counts[i]! * this.sampleRate });
    }
    keys.sort(compareHotKeys);
    if (keys.length > top) keys.length = top;

    // Wire field order of SPEC §7; `label` and `sub_bucket` only when asked for.
    return {
      route_id: routeId,
      ...(label !== "" ? { label } : {}),
      ...(query.subBucket !== undefined ? { sub_bucket: query.subBucket.index } : {}),
      series: "writes",
      keys,
      approximate: true,
      sample_rate: this.sampleRate,
      sampled_n: snapshot.sampledN,
      dropped_samples: snapshot.dropped,
      skipped_long_keys: snapshot.skipped,
      degraded: snapshot.dropped > 0 || snapshot.skipped > 0,
      // An unsigned integer on the wire, as in the reference: floor(R × N / m).
      error_bound: Math.floor((this.sampleRate * snapshot.sampledN) / this.perRoute),
      snapshot_at: rfc3339(snapshot.atMs),
    };
  }

  /**
   * A write of `key` sampled elsewhere by the same rule (a worker of a shared sampler, with its
   * own countdown): queued like `offer`'s samples. Never throws.
   */
  offerSampled(routeId: number, label: string, key: Uint8Array): void {
    this.queueSample(routeId, label, key);
  }

  /** Samples of (routeId, label) taken elsewhere that were dropped, or skipped as too long. */
  addLost(routeId: number, label: string, dropped: number, skipped: number): void {
    const state = this.stateOf(routeId, label);
    state.dropped += dropped;
    state.skipped += skipped;
  }

  private takeSample(routeId: number, label: string, key: Uint8Array): void {
    this.untilSample = this.gaps.next();
    this.queueSample(routeId, label, key);
  }

  private queueSample(routeId: number, label: string, key: Uint8Array): void {
    try {
      if (label === "" && routeId < this.poolSketchOf.length) {
        const sketch = this.poolSketchOf[routeId]! - 1; // NaN for an id that is not an index
        if (sketch >= 0 && key.length <= this.poolKeyLimit && this.pool.push(sketch, key)) {
          if (!this.drainScheduled && this.pool.queued * 2 >= this.queueSize) this.scheduleDrain();
          return;
        }
      }
      this.queueSlow(routeId, label, key);
    } catch {
      // The hot path must never throw; a malformed call loses only its own sample.
    }
  }

  /** `queueSample` through the (route, label) state. */
  private queueSlow(routeId: number, label: string, key: Uint8Array): void {
    const state = this.stateOf(routeId, label);
    if (key.length > this.maxKeyLen) {
      state.skipped++;
      return;
    }
    if (!state.js) {
      if (key.length <= INLINE_KEY_BYTES && (state.wasm >= 0 || this.attach(routeId, label, state))) {
        if (!this.pool.push(state.wasm, key)) state.dropped++;
        else if (!this.drainScheduled && this.pool.queued * 2 >= this.queueSize) this.scheduleDrain();
        return;
      }
      if (state.wasm >= 0) this.pool.drain(); // its queued samples first, in order
      state.moveToJs(this.pool);
      this.mirror(routeId, label, state);
    }
    const offset = this.arenaUsed;
    if (this.queued === this.queueSize || offset + key.length > this.arena.length) {
      state.dropped++;
      return;
    }
    // Copy and hash in one pass: cheaper than TypedArray#set for short keys, and the sketch
    // then never reads the bytes again unless the hash matches.
    const arena = this.arena;
    const len = key.length;
    let h = FNV_OFFSET;
    for (let i = 0; i < len; i++) {
      const b = key[i]!;
      arena[offset + i] = b;
      h = Math.imul(h ^ b, FNV_PRIME);
    }
    this.arenaUsed = (offset + len + 3) & ~3; // the next key starts 4-aligned (see arenaWords)
    this.queuedStates[this.queued] = state;
    this.queuedOffsets[this.queued] = offset;
    this.queuedLengths[this.queued] = len;
    this.queuedHashes[this.queued] = h;
    this.queued++;
    if (!this.drainScheduled && this.queued * 2 >= this.queueSize) this.scheduleDrain();
  }

  private scheduleDrain(): void {
    this.drainScheduled = true;
    queueMicrotask(this.drainTask);
  }

  /** Gives `state` an empty pool sketch for this step; false when the pool is full. */
  private attach(routeId: number, label: string, state: LabelState): boolean {
    state.wasm = this.pool.attach();
    this.mirror(routeId, label, state);
    return state.wasm >= 0;
  }

  /** Keeps `poolSketchOf` equal to the pool sketch of `state` (a dense id's unlabelled state). */
  private mirror(routeId: number, label: string, state: LabelState): void {
    if (label !== "" || !isDenseId(routeId)) return;
    if (routeId >= this.poolSketchOf.length) {
      if (state.wasm < 0) return;
      let size = Math.max(64, this.poolSketchOf.length);
      while (size <= routeId) size *= 2;
      const grown = new Int32Array(size);
      grown.set(this.poolSketchOf);
      this.poolSketchOf = grown;
    }
    this.poolSketchOf[routeId] = state.wasm + 1;
  }

  private stateOf(routeId: number, label: string): LabelState {
    const dense = label === "" && isDenseId(routeId);
    if (dense) {
      const known = this.unlabelled[routeId];
      if (known !== undefined) return known;
    }
    let labels = this.routes.get(routeId);
    if (labels === undefined) {
      labels = new Map();
      this.routes.set(routeId, labels);
    }
    let state = labels.get(label);
    if (state === undefined) {
      state = new LabelState(this.perRoute);
      labels.set(label, state);
    }
    if (dense) this.remember(routeId, state);
    return state;
  }

  /** Puts `state` in the dense array, growing it (filled, never holey) to a power of two. */
  private remember(routeId: number, state: LabelState): void {
    if (routeId >= this.unlabelled.length) {
      let size = Math.max(64, this.unlabelled.length);
      while (size <= routeId) size *= 2;
      const grown = new Array<LabelState | undefined>(size).fill(undefined);
      for (let i = 0; i < this.unlabelled.length; i++) grown[i] = this.unlabelled[i];
      this.unlabelled = grown;
    }
    this.unlabelled[routeId] = state;
  }
}

/** Whether `routeId` indexes the dense array of unlabelled states (a small non-negative integer). */
function isDenseId(routeId: number): boolean {
  return (routeId | 0) === routeId && routeId >= 0 && routeId < DENSE_ROUTE_IDS;
}

function validateRouteId(routeId: unknown): void {
  checkInteger("routeId", routeId);
  if (routeId < 0 || !Number.isSafeInteger(routeId))
    throw new RangeError(`routeId must be a non-negative safe integer, got ${routeId}`);
}

function validBounds(subBucket: SubBucketBounds): SubBucketBounds {
  if (subBucket === null || typeof subBucket !== "object") throw new TypeError("subBucket must be an object");
  const { index, start, end } = subBucket;
  checkInteger("subBucket.index", index);
  if (index < 0) throw new RangeError(`subBucket.index must be ≥ 0, got ${index}`);
  if (start !== null && !(start instanceof Uint8Array))
    throw new TypeError("subBucket.start must be a Uint8Array or null");
  if (end !== null && !(end instanceof Uint8Array)) throw new TypeError("subBucket.end must be a Uint8Array or null");
  return subBucket;
}
