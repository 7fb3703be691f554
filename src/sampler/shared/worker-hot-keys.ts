// Hot keys of writes observed in workers (shared mode with `hotKeys` on): the owner's side. It
// publishes the tracker's sampling parameters in the shared header and, at every harvest, drains
// each worker's sample ring (hot-key-ring.ts) into the owner's HotKeyTracker, so worker writes
// show in `sampler.hotKeys()` as the owner's own do. A sample of a route no longer registered is
// dropped, as the tracker forgets queued samples of a removed route; `removeRoute` harvests first,
// so a sample taken before the removal never counts for a route registered later under its id.
import type { HotKeyTracker } from "../../hotkeys/tracker.js";
import { drainRing, type RingSink } from "./hot-key-ring.js";
import { H_HOT_MAX_KEY, H_HOT_RATE, H_HOT_SEED, type Layout } from "./layout.js";

export class WorkerHotKeys implements RingSink {
  private readonly scratch: Uint8Array;
  private sinceDrain = 0;
  /** Whether a route id is registered now (set by SharedCounting once its registry exists). */
  registered: (routeId: number) => boolean = () => false;

  constructor(
    private readonly tracker: HotKeyTracker,
    private readonly words: Int32Array,
    private readonly layout: Layout,
    private readonly labels: readonly string[],
  ) {
    this.scratch = new Uint8Array(tracker.maxKeyLen + 4);
    Atomics.store(words, H_HOT_MAX_KEY, tracker.maxKeyLen);
    Atomics.store(words, H_HOT_SEED, 0x5eed);
    Atomics.store(words, H_HOT_RATE, tracker.sampleRate);
  }

  /** Drains the rings of `stripes` (every stripe ever handed out: a released worker's samples count). */
  drain(stripes: readonly number[]): void {
    const { layout, words } = this;
    for (const s of stripes) {
      const at = layout.rings + s * layout.ringWords;
      drainRing(words.subarray(at, at + layout.ringWords), this.scratch, this);
    }
  }

  sample(routeId: number, li: number, key: Uint8Array): void {
    if (!this.registered(routeId)) return;
    this.tracker.offerSampled(routeId, this.labelOf(li), key);
    // The tracker's queue drains in a microtask, which a harvest loop never yields to.
    if (++this.sinceDrain * 2 >= this.tracker.queueSize) {
      this.tracker.drain();
      this.sinceDrain = 0;
    }
  }

  skipped(routeId: number, li: number): void {
    if (this.registered(routeId)) this.tracker.addLost(routeId, this.labelOf(li), 0, 1);
  }

  dropped(routeId: number, li: number, count: number): void {
    if (this.registered(routeId)) this.tracker.addLost(routeId, this.labelOf(li), count, 0);
  }

  private labelOf(li: number): string {
    return li === 0 ? "" : (this.labels[li - 1] ?? "");
  }
}

/** The ring of `stripe` as a view (worker side). */
export function ringOf(buffer: ArrayBufferLike, layout: Layout, stripe: number): Int32Array {
  return new Int32Array(buffer, (layout.rings + stripe * layout.ringWords) * 4, layout.ringWords);
}
