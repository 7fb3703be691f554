// Reads counted by the caller and handed over in bulk: a Coordinator tallies its unlabelled reads
// per route (src/routing/read-tally.ts explains why) and adds them through a ReadPool. The
// sampler asks every open pool's owner for its tally (`collect`) before anything reads or moves
// the counters (flush, route changes, stats), so the counters hold every read then, as if each
// had gone through observeKey.

/** What the sampler gives a caller to hand tallied reads over (`Sampler.readPool`). */
export interface ReadPool {
  /** `count` unlabelled reads of `routeId` whose keys total `bytes`, as that many `observeKey` calls. */
  add(routeId: number, count: number, bytes: number): void;
  /** Stops the sampler from asking for the tally (hand it over first). */
  close(): void;
}

export class ReadPools {
  /** One entry per open pool (the same drain may be opened twice). */
  private readonly open = new Set<{ drain: () => void }>();

  /** A pool whose owner's `drain` is called by every `collect` until the pool is closed. */
  add(drain: () => void, add: ReadPool["add"]): ReadPool {
    const entry = { drain };
    this.open.add(entry);
    return { add, close: () => void this.open.delete(entry) };
  }

  /** Has every open pool's owner hand its tally over. */
  collect(): void {
    for (const entry of this.open) entry.drain();
  }
}
