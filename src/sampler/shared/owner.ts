// The owner's side of a shared sampler (`createSampler({ shared: true })`): the shared memory,
// worker handles, and the harvest that turns every worker stripe's monotonic counters into
// deltas added to the owner's own (Wasm) counters. See docs/design.md, "Shared sampler", for
// the memory-ordering argument.

import { checkId } from "../../validate.js";
import type { Key } from "../../types.js";
import type { HolderRegistry } from "../registry.js";
import { Rehoming } from "../rehome.js";
import type { WorkerGrace } from "./grace.js";
import type { ResolvedSharedOptions } from "./options.js";
import { IndexMirror, MirroredRouteIndex } from "./index-mirror.js";
import {
  ATTACHED,
  CELL_WORDS,
  computeLayout,
  createSharedMemory,
  FREE,
  RELEASED,
  RESERVED,
  W_EPOCH,
  W_INVALID,
  W_STATE,
  WORKER_WORDS,
  stripeState,
  stripeTicket,
  stripeWord,
  TICKET_LIMIT,
  type Layout,
  type WorkerHandle,
} from "./layout.js";
import type { HotKeyTracker } from "../../hotkeys/tracker.js";
import { DEFAULT_RING_WORDS } from "./hot-key-ring.js";
import { WorkerHotKeys } from "./worker-hot-keys.js";
import { ForwardingCounters, GatedRegistry, GatedSlotPool, type SlotGate } from "./owner-parts.js";
import { rangeViews } from "./sub-buckets.js";

export type { WorkerHandle } from "./layout.js";
export { registerShared, sharedCountingOf, type WorkerGrace } from "./grace.js";
export { resolveShared, type ResolvedSharedOptions, type SharedSamplerOptions } from "./options.js";

/** The key range and label a cell of a released, unsettled slot counted (where late counts go). */
interface StrandedCell {
  cell: number;
  li: number;
  start: Key;
  end: Key;
}

/** What workers sent to routes that were not registered, summed over every worker. */
export interface WorkerMisses {
  reads: number;
  writes: number;
  readBytes: number;
  writeBytes: number;
}

/** Harvests run at least this often while workers exist (bounds the counters' wrap: design.md). */
const HARVEST_INTERVAL_MS = 250;

export class SharedCounting implements SlotGate, WorkerGrace {
  readonly memory: WebAssembly.Memory;
  readonly layout: Layout;
  readonly counters: ForwardingCounters;
  readonly slots: GatedSlotPool;
  readonly mirror: IndexMirror;
  readonly index: MirroredRouteIndex;
  readonly misses: WorkerMisses = { reads: 0, writes: 0, readBytes: 0, writeBytes: 0 };
  private readonly words: Int32Array;
  /** Last value harvested of every stripe word. */
  private readonly last: Int32Array;
  /** Smallest epoch published by a live worker at the last harvest; null = no live worker. */
  private seen: number | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private closed = false;
  private readonly values = [0, 0, 0, 0];
  private registry: HolderRegistry | null = null;
  private rehoming: Rehoming | null = null;
  /**
   * Cells whose counts moved elsewhere (folding) or whose slot was released before it settled:
   * the range and label they counted for, where their late counts are re-homed.
   */
  private readonly stranded = new Map<number, StrandedCell>();
  /** Late counts harvested this round for stranded cells. */
  private late: { c: StrandedCell; values: number[] }[] = [];

  /** Hot keys of workers' writes (when the sampler tracks hot keys). */
  private readonly hotKeys: WorkerHotKeys | null;

  constructor(
    opts: ResolvedSharedOptions,
    slotCount: number,
    maxK: number,
    private readonly labels: readonly string[],
    hotKeyTracker: HotKeyTracker | null = null,
  ) {
    this.layout = computeLayout({
      maxWorkers: opts.maxWorkers,
      slots: slotCount,
      maxK,
      labels: labels.length,
      idLimit: opts.idLimit,
      ringWords: hotKeyTracker === null ? 0 : DEFAULT_RING_WORDS,
    });
    this.memory = createSharedMemory(this.layout);
    const buffer = this.memory.buffer;
    this.words = new Int32Array(buffer);
    this.hotKeys = hotKeyTracker === null ? null : new WorkerHotKeys(hotKeyTracker, this.words, this.layout, labels);
    this.last = new Int32Array(this.layout.maxWorkers * this.layout.stripeWords);
    this.counters = new ForwardingCounters(slotCount, maxK, rangeViews(buffer, this.layout));
    this.slots = new GatedSlotPool(slotCount);
    this.slots.gate = this;
    this.counters.gate = this;
    this.mirror = new IndexMirror(buffer, this.layout);
    this.index = new MirroredRouteIndex(labels.length, this.mirror);
  }

  /** The registry, reclaiming removed holders only once their slots are settled. */
  makeRegistry(...args: ConstructorParameters<typeof HolderRegistry>): HolderRegistry {
    const r = new GatedRegistry(...args);
    r.gate = this;
    this.registry = r;
    if (this.hotKeys !== null) this.hotKeys.registered = (id) => r.route(id) !== undefined;
    this.rehoming = new Rehoming(r, this.counters, this.slots);
    return r;
  }

  /** The shared part of a sampler, or a TypeError naming the shared-only `method`. */
  static of(shared: SharedCounting | null, method: string): SharedCounting {
    if (shared === null) throw new TypeError(`${method}() needs a sampler created with shared: true`);
    return shared;
  }

  get missCount(): number {
    return this.misses.reads + this.misses.writes;
  }

  get memoryBytes(): number {
    return this.memory.buffer.byteLength;
  }

  settled(slot: number): boolean {
    return this.mirror.settled(slot, this.seen);
  }

  freed(slot: number): void {
    const k = this.layout.maxK;
    this.counters.forward.fill(-1, slot * k, (slot + 1) * k);
    if (this.stranded.size > 0) for (let c = slot * k; c < (slot + 1) * k; c++) this.stranded.delete(c);
  }

  /**
   * `slot` was released before it settled: its cells remember the range (and label) they counted,
   * so late counts are re-homed onto the live holders covering it, like a removed route's
   * pending counts.
   */
  held(slot: number): void {
    const k = this.layout.maxK;
    for (let c = slot * k; c < (slot + 1) * k; c++) this.strand(c);
  }

  /**
   * `cell`'s counts moved into another (folding into a virtual bucket). Late counts of it could
   * follow them, but that bucket's range may shrink once the route's departure is flushed: they
   * are re-homed by the cell's own range instead (the move target only when nothing covers it).
   */
  strand(cell: number): void {
    if (this.stranded.has(cell) || this.registry === null) return;
    const slot = this.counters.slotOfCell(cell);
    const owner = this.slots.ownerOf(slot);
    const c = owner === undefined ? undefined : this.registry.cells(owner).find((x) => x.cell === cell);
    if (c !== undefined) this.stranded.set(cell, { cell, li: this.slots.labelOf(slot), start: c.start, end: c.end });
  }

  /** Route ids workers can find: below the id limit (a RangeError names it otherwise). */
  checkRouteId(name: string, id: unknown): void {
    if (typeof id === "number" && id >= this.layout.idLimit) {
      throw new RangeError(
        `${name} ${id} is not below routeIdLimit ${this.layout.idLimit} (shared samplers index route ids densely)`,
      );
    }
  }

  /** `checkRouteId` of each new route of a `replaceRoutes` (the rest is checked there). */
  checkNewRoutes(newRoutes: unknown): void {
    if (!Array.isArray(newRoutes)) return;
    newRoutes.forEach((n: { routeId?: unknown } | null, i) => this.checkRouteId(`newRoutes[${i}].routeId`, n?.routeId));
  }

  /**
   * Reserves a stripe for one worker: a never-used one first, so that a worker released while it
   * still ran (misuse: its counts after the release are lost) shares its old stripe with a new
   * worker as late as possible.
   */
  workerHandle(): WorkerHandle {
    const { words, layout } = this;
    const stateOf = (s: number) => stripeState(Atomics.load(words, layout.workers + s * WORKER_WORDS + W_STATE));
    let s = 0;
    while (s < layout.maxWorkers && stateOf(s) !== FREE) s++;
    if (s === layout.maxWorkers) {
      s = 0;
      while (s < layout.maxWorkers && stateOf(s) !== RELEASED) s++;
    }
    if (s < layout.maxWorkers) {
      const at = layout.workers + s * WORKER_WORDS;
      const epoch = this.mirror.epoch;
      // Only this thread leaves FREE or RELEASED (workers move RESERVED → ATTACHED → RELEASED).
      const word = Atomics.load(words, at + W_STATE);
      const ticket = (stripeTicket(word) + 1) % TICKET_LIMIT;
      Atomics.store(words, at + W_EPOCH, epoch); // before the state: a worker that attaches sees it
      Atomics.store(words, at + W_STATE, stripeWord(ticket, RESERVED));
      // Conservative until the next harvest: the new worker reads the index as of `epoch` or later.
      if (this.seen === null || ((epoch - this.seen) | 0) < 0) this.seen = epoch;
      this.startTimer();
      return Object.freeze({
        keyviz: "shared-sampler",
        memory: this.memory,
        stripe: s,
        ticket,
        labels: Object.freeze(this.labels.slice()),
      });
    }
    throw new RangeError(
      `all ${layout.maxWorkers} worker stripes are in use (raise shared.maxWorkers, or releaseWorker() a worker that exited)`,
    );
  }

  /**
   * The worker of `handle` has exited (or was terminated): its stripe stops holding back slot
   * reuse, and can serve a new worker. Its counts are kept (harvested as before). Releasing a
   * handle again, or one whose stripe already serves a newer handle, does nothing.
   */
  releaseWorker(handle: unknown): void {
    const h = handle as Partial<WorkerHandle> | null;
    if (typeof h !== "object" || h === null || h.memory !== this.memory)
      throw new TypeError("releaseWorker: handle must come from this sampler's workerHandle()");
    const stripe = checkId("handle.stripe", h.stripe);
    if (stripe >= this.layout.maxWorkers) throw new TypeError("releaseWorker: handle.stripe is out of range");
    const at = this.layout.workers + stripe * WORKER_WORDS + W_STATE;
    for (;;) {
      const word = Atomics.load(this.words, at);
      // A stale handle (the stripe serves a newer one), or released already: nothing to do.
      if (stripeTicket(word) !== h.ticket || stripeState(word) === RELEASED) return;
      // The worker may attach between the load and the exchange: then try again.
      if (Atomics.compareExchange(this.words, at, word, stripeWord(h.ticket, RELEASED)) === word) return;
    }
  }

  /** Announces this operation's index changes to workers. */
  publish(): void {
    this.mirror.publish();
  }

  /** Worker handles reserved or attached (not released). */
  get liveWorkers(): number {
    let n = 0;
    for (let s = 0; s < this.layout.maxWorkers; s++) {
      const state = stripeState(Atomics.load(this.words, this.layout.workers + s * WORKER_WORDS + W_STATE));
      if (state === RESERVED || state === ATTACHED) n++;
    }
    return n;
  }

  /** Invalid samples seen by workers (bad op or key). */
  get invalidSamples(): number {
    let n = 0;
    for (let s = 0; s < this.layout.maxWorkers; s++)
      n += Atomics.load(this.words, this.layout.workers + s * WORKER_WORDS + W_INVALID) >>> 0;
    return n;
  }

  /**
   * Adds every worker count since the last harvest to the owner's counters, then frees the
   * slots that settled. The workers' epochs are read BEFORE their counters: whatever a worker
   * wrote before publishing an epoch is in this harvest, so a slot settled by this snapshot has
   * nothing left to arrive.
   */
  harvest(): void {
    const used: number[] = [];
    const seen = this.minSeenEpoch(used);
    for (const s of used) this.harvestStripe(s);
    this.hotKeys?.drain(used);
    this.rehomeLate();
    this.seen = seen;
    this.slots.settleHeld();
    // Ids a shared route table dropped, once no worker can hold them (announced by the next publish).
    this.mirror.releaseDeferred(seen);
    this.mirror.seal();
  }

  /**
   * The smallest epoch published by a live (reserved or attached) worker, null when none is
   * live; `used` collects every stripe not free. Atomics.load of each worker's epoch: whatever a
   * worker did before publishing it happens before what the caller does next.
   */
  minSeenEpoch(used?: number[]): number | null {
    const { layout, words } = this;
    let seen: number | null = null;
    for (let s = 0; s < layout.maxWorkers; s++) {
      const at = layout.workers + s * WORKER_WORDS;
      const state = stripeState(Atomics.load(words, at + W_STATE));
      if (state === FREE) continue;
      used?.push(s);
      if (state === RELEASED) continue;
      const e = Atomics.load(words, at + W_EPOCH);
      if (seen === null || ((e - seen) | 0) < 0) seen = e;
    }
    return seen;
  }

  // WorkerGrace: what a route table shared with the workers needs (src/routing/shared-table.ts).

  deferClears(): void {
    this.mirror.deferClears();
  }

  announce(): number {
    const epoch = this.mirror.seal();
    this.mirror.touch();
    this.mirror.publish();
    return epoch;
  }

  passed(epoch: number): boolean {
    const seen = this.minSeenEpoch();
    return seen === null || ((seen - epoch) | 0) >= 0;
  }

  /**
   * Plain loads: integer typed-array reads are tear-free, and they come after the Atomics.load
   * of every worker's epoch (harvest), so they see at least what each worker wrote before it
   * published (an Atomics.load per word cost ~5 ns: 1.3 ms per flush with 4 stripes).
   */
  private harvestStripe(s: number): void {
    const { layout, words, last } = this;
    const base = layout.stripes + s * layout.stripeWords;
    const lastBase = s * layout.stripeWords;
    const v = this.values;
    for (let c = 0; c <= layout.cells; c++) {
      const i = base + c * CELL_WORDS;
      const j = lastBase + c * CELL_WORDS;
      const r = words[i]!;
      const w = words[i + 1]!;
      const rl = words[i + 2]!;
      const wl = words[i + 3]!;
      const rh = words[i + 4]!;
      const wh = words[i + 5]!;
      if (
        r === last[j] &&
        w === last[j + 1] &&
        rl === last[j + 2] &&
        wl === last[j + 3] &&
        rh === last[j + 4] &&
        wh === last[j + 5]
      )
        continue;
      // Wrapping deltas of each word (see the wrap bound in docs/design.md).
      v[0] = (r - last[j]!) >>> 0;
      v[1] = (w - last[j + 1]!) >>> 0;
      v[2] = ((rl - last[j + 2]!) >>> 0) + ((rh - last[j + 4]!) >>> 0) * 65536;
      v[3] = ((wl - last[j + 3]!) >>> 0) + ((wh - last[j + 5]!) >>> 0) * 65536;
      last[j] = r;
      last[j + 1] = w;
      last[j + 2] = rl;
      last[j + 3] = wl;
      last[j + 4] = rh;
      last[j + 5] = wh;
      if (c === layout.cells) this.addMisses(v);
      else this.addLate(c, v);
    }
  }

  private addLate(cell: number, v: readonly number[]): void {
    const c = this.stranded.size === 0 ? undefined : this.stranded.get(cell);
    if (c === undefined) this.counters.add(cell, v);
    else this.late.push({ c, values: v.slice() });
  }

  /** Late counts of stranded cells: onto the live holders over their range, else where they moved. */
  private rehomeLate(): void {
    if (this.late.length === 0) return;
    for (const { c, values } of this.late) {
      const over = this.registry!.overlapping(c.start, c.end);
      if (over.length === 0) this.counters.add(this.counters.target(c.cell), values);
      else
        this.rehoming!.distribute(
          [{ li: c.li, start: c.start, end: c.end, values: [values[0]!, values[1]!, values[2]!, values[3]!, 0] }],
          over,
        );
    }
    this.late = [];
  }

  private addMisses(v: readonly number[]): void {
    this.misses.reads += v[0]!;
    this.misses.writes += v[1]!;
    this.misses.readBytes += v[2]!;
    this.misses.writeBytes += v[3]!;
  }

  /** The sampler is closed: no more periodic harvests (the last flush harvested everything). */
  close(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.closed = true;
  }

  private startTimer(): void {
    if (this.closed) return;
    if (this.timer !== null) return;
    this.timer = setInterval(() => this.harvest(), HARVEST_INTERVAL_MS);
    (this.timer as { unref?: () => void }).unref?.();
  }
}
