// The worker side of a shared sampler: `attachSampler(handle)` returns an observer with the
// sampler's `observe` / `observeKey` signatures that counts into this worker's own stripe of
// the shared memory. Only this thread writes its stripe, so the hot path is plain typed-array
// loads and increments, no atomics (an `Atomics.load` cost ~5 ns, more than the whole observe).
// The thread tells the owner which index epoch it has seen only between tasks (a timer), when no
// observe can be running: see docs/design.md, "Shared sampler".

import { isOp, sampleLen } from "../samples.js";
import {
  ATTACHED,
  CELL_WORDS,
  H_EPOCH,
  H_HOT_MAX_KEY,
  H_HOT_RATE,
  H_HOT_SEED,
  RELEASED,
  RESERVED,
  W_EPOCH,
  W_INVALID,
  W_STATE,
  WORKER_WORDS,
  stripeWord,
  readHandle,
  type Layout,
} from "./layout.js";
import { rangeViews, subBucketOf, type RangeViews } from "./sub-buckets.js";
import { GeometricGaps } from "../../hotkeys/sampling.js";
import { RingWriter } from "./hot-key-ring.js";
import { ringOf } from "./worker-hot-keys.js";

export type { WorkerHandle } from "./layout.js";

/** How often an idle worker tells the owner it holds no stale index entry (its event loop is free). */
const IDLE_PUBLISH_MS = 50;
const EMPTY = new Int32Array(0);

/**
 * Adds one sample at word `at` (count), `at + 2` and `at + 4` (its bytes: whole when at most
 * 64 KiB, else low 16 bits and the rest). Int32Array stores wrap modulo 2^32, which is what the
 * owner's delta arithmetic expects.
 */
function countInto(s: Int32Array, at: number, bytes: number): void {
  s[at]!++;
  if (bytes > 0xffff) {
    s[at + 2]! += bytes & 0xffff;
    s[at + 4]! += bytes >>> 16;
  } else s[at + 2]! += bytes;
}

/**
 * Attaches this thread (a `worker_threads` Worker or a Web Worker) to the shared sampler that
 * made `handle` (`sampler.workerHandle()`, posted here). One handle, one thread.
 */
export function attachSampler(handle: unknown): SharedObserver {
  const { handle: h, layout } = readHandle(handle);
  return new SharedObserver(h.memory.buffer, layout, h.stripe, h.ticket, h.labels);
}

export class SharedObserver {
  private readonly words: Int32Array;
  private readonly at: number;
  /** This worker's counters: cell c at [6c, 6c + 6) (reads, writes, byte totals; layout.ts). */
  private stripe: Int32Array;
  /** Route id → 1 + the slot's first stripe word, per label (index 0 = unlabelled; 0 = none). */
  private index: Int32Array[];
  private idx0: Int32Array;
  private readonly kOf: Int32Array;
  private readonly slotStride: number;
  private readonly missAt: number;
  private readonly ranges: RangeViews;
  private readonly labelIndex = new Map<string, number>();
  /** The last epoch published to the owner. */
  private seen: number;
  private timer: ReturnType<typeof setInterval> | null = null;
  private detached = false;
  /** Hot keys on: this thread samples its writes (the owner's rule) into its ring for the owner. */
  private readonly hot: { gaps: GeometricGaps; until: number; ring: RingWriter; maxKeyLen: number } | null;

  constructor(
    buffer: ArrayBufferLike,
    layout: Layout,
    stripe: number,
    private readonly ticket: number,
    labels: readonly string[],
  ) {
    this.words = new Int32Array(buffer);
    this.at = layout.workers + stripe * WORKER_WORDS;
    const taken = () =>
      new TypeError(
        `attachSampler: the handle of stripe ${stripe} is already attached or released (one handle per worker)`,
      );
    // State and ticket change together: only the reservation of this very handle attaches.
    const reserved = stripeWord(ticket, RESERVED);
    if (Atomics.compareExchange(this.words, this.at + W_STATE, reserved, stripeWord(ticket, ATTACHED)) !== reserved)
      throw taken();
    this.stripe = new Int32Array(buffer, (layout.stripes + stripe * layout.stripeWords) * 4, layout.stripeWords);
    this.index = Array.from(
      { length: layout.labels + 1 },
      (_, li) => new Int32Array(buffer, (layout.index + li * layout.idLimit) * 4, layout.idLimit),
    );
    this.idx0 = this.index[0]!;
    this.kOf = new Int32Array(buffer, layout.kOf * 4, layout.slots);
    this.slotStride = layout.maxK * CELL_WORDS;
    this.missAt = layout.cells * CELL_WORDS;
    this.ranges = rangeViews(buffer, layout);
    this.observe = this.observeWith(this.idx0, this.stripe);
    labels.forEach((l, i) => this.labelIndex.set(l, i + 1));
    const rate = Atomics.load(this.words, H_HOT_RATE);
    if (rate === 0 || layout.ringWords === 0) this.hot = null;
    else {
      // A seed per stripe: workers do not sample in lockstep.
      const gaps = new GeometricGaps(rate, Atomics.load(this.words, H_HOT_SEED) ^ Math.imul(stripe + 1, 0x9e3779b9));
      const ring = new RingWriter(ringOf(buffer, layout, stripe));
      this.hot = { gaps, until: gaps.next(), ring, maxKeyLen: Atomics.load(this.words, H_HOT_MAX_KEY) };
    }
    this.seen = Atomics.load(this.words, H_EPOCH);
    Atomics.store(this.words, this.at + W_EPOCH, this.seen);
    // Between tasks no observe is running on this thread: tell the owner we hold nothing stale.
    this.timer = setInterval(() => this.quiescent(), IDLE_PUBLISH_MS);
    (this.timer as { unref?: () => void }).unref?.();
  }

  /**
   * Counts one request of `routeId` (sub-bucket 0 on a K > 1 route). Never throws. A closure over
   * the views rather than a method, as the owner's `count`: no field loads per call (measured
   * 4.5 → 4.1 ns); `detach()` swaps it for a no-op.
   */
  observe: (routeId: number, op: 0 | 1, keyLen: number, valueLen?: number) => void;

  private observeWith(idx0: Int32Array, stripe: Int32Array): SharedObserver["observe"] {
    return (routeId, op, keyLen, valueLen = 0) => {
      // `| 0`: an id beyond the index (undefined) reads as 0, "not registered": one test for both.
      const e = typeof routeId === "number" ? idx0[routeId]! | 0 : 0;
      const k = typeof keyLen === "number" ? keyLen | 0 : -1;
      const v = typeof valueLen === "number" ? valueLen | 0 : -1;
      // The owner's test (Sampler.observe): a registered id, op 0 or 1 and both lengths integers
      // in [0, 2^15) pass one sign test and the op tests, and their bytes (< 2^16) need no split
      // (countInto). The rest takes the out-of-line path. observe-worker 5.24 → 4.07 ns against
      // sampleLen twice and countInto's test here (docs/benchmarks.md, "Issue 14, round twelve").
      if (
        ((e - 1) | k | v | (0x7fff - k) | (0x7fff - v)) >= 0 &&
        k === keyLen &&
        v === valueLen &&
        typeof op === "number" &&
        op >>> 0 === op &&
        op < 2
      ) {
        const at = e - 1 + op;
        stripe[at]!++;
        stripe[at + 2]! += k + v;
      } else this.observeSlow(e, op, keyLen, valueLen);
    };
  }

  /** Out of line, so `observe` stays small: misses, bad ops, lengths that count as 0. */
  private observeSlow(e: number, op: unknown, keyLen: number, valueLen: number): void {
    if (!isOp(op)) return this.invalid();
    countInto(this.stripe, (e === 0 ? this.missAt : e - 1) + op, sampleLen(keyLen) + sampleLen(valueLen));
  }

  /** Counts one request of `key` into its sub-bucket (and label slot). Never throws. */
  observeKey(routeId: number, op: 0 | 1, key: Uint8Array, valueLen = 0, label = ""): void {
    if (typeof routeId !== "number" || !(key instanceof Uint8Array) || !isOp(op)) {
      this.invalid();
      return;
    }
    const bytes = key.length + sampleLen(valueLen);
    const li = label === "" ? 0 : (this.labelIndex.get(label) ?? 0);
    const range = this.idx0[routeId];
    const slot = li === 0 ? range : this.index[li]![routeId];
    if (range === undefined || range === 0 || slot === undefined || slot === 0) {
      this.reject(op, bytes);
      return;
    }
    const rangeSlot = (range - 1) / this.slotStride;
    const k = this.kOf[rangeSlot]!;
    const sub = k > 1 ? subBucketOf(this.ranges, rangeSlot, k, key) : 0;
    this.count(slot - 1 + sub * CELL_WORDS + op, bytes);
    // Hot keys: writes only, as the owner's observeKey offers them.
    const hot = this.hot;
    if (hot !== null && op === 1 && --hot.until <= 0) {
      hot.until = hot.gaps.next();
      hot.ring.sample(routeId, li, key, hot.maxKeyLen);
    }
  }

  private count(at: number, bytes: number): void {
    countInto(this.stripe, at, bytes);
  }

  /** Out of line: a miss counts into the stripe's miss cell, a bad op as an invalid sample. */
  private reject(op: unknown, bytes: number): void {
    if (!isOp(op)) this.invalid();
    else this.count(this.missAt + op, bytes);
  }

  private invalid(): void {
    if (this.detached) return;
    Atomics.add(this.words, this.at + W_INVALID, 1);
  }

  /**
   * Tells the owner that this thread holds no index entry older than the current epoch. Call it
   * between observes (never from inside one, which JS cannot do anyway) when this thread runs a
   * long synchronous loop; otherwise a timer does it whenever the event loop turns. The loads of
   * the index made after it see at least that epoch's index (the Atomics.load synchronises with
   * the owner's store); the Atomics.store makes every count written before it visible to an
   * owner that reads the epoch. Cheap when nothing changed (one load, one compare).
   */
  quiescent(): void {
    if (this.detached) return;
    if (!this.ownsStripe()) return this.stop(); // released by the owner while running (misuse)
    this.hot?.ring.flushDrops();
    const g = Atomics.load(this.words, H_EPOCH);
    if (g === this.seen) return;
    this.seen = g;
    Atomics.store(this.words, this.at + W_EPOCH, g);
  }

  /**
   * This worker stops counting: its stripe no longer holds back slot reuse and can serve another
   * worker (its counts so far are kept). Later observes are not counted anywhere.
   */
  detach(): void {
    if (this.detached) return;
    this.stop(); // first: once released, the stripe may serve another worker at once
    // Only if the stripe is still this handle's: one exchange of state and ticket together.
    const attached = stripeWord(this.ticket, ATTACHED);
    Atomics.compareExchange(this.words, this.at + W_STATE, attached, stripeWord(this.ticket, RELEASED));
  }

  /** Whether the stripe is still attached to this handle (the owner has not released it). */
  private ownsStripe(): boolean {
    return Atomics.load(this.words, this.at + W_STATE) === stripeWord(this.ticket, ATTACHED);
  }

  /** Counts nothing from now on and never writes the stripe again. */
  private stop(): void {
    this.detached = true;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.observe = () => {};
    this.index = this.index.map(() => EMPTY);
    this.idx0 = EMPTY;
    // The stripe may serve another worker from now on: this thread must never write it again.
    this.stripe = new Int32Array(this.stripe.length);
  }
}
