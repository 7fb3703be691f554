// The coordinator's per-route-index state on its read path: each route's group, and the
// unlabelled reads counted for the route since they were last handed to the sampler.
//
// Why reads are tallied here rather than passed to `observeKey` one by one: `observeKey` finds a
// route's counters through route id → slot → counter cell, and in the coordinator's async read
// path (promises, the group's own lookups) those loads miss cache, since about 0.5 MB is allocated
// between two reads of one route among 1 024. That cost a lease read 1.08–1.10× with the sampler on
// (docs/benchmarks.md, round eleven). Here a route's counts sit beside its group pointer, in the
// cache line the read loads anyway to find the group. The sampler takes the tally in bulk
// (`ReadPool.add`) before it reads or moves its counters (sampler.ts, `readPool`). So whatever
// the sampler reports is what `observeKey` per read would have made it report.

import type { ReadPool } from "../sampler/read-pools.js";

export class ReadTally<G> {
  /** Route index i: `[3i]` its group, `[3i + 1]` reads, `[3i + 2]` their key bytes. */
  private readonly cells: (G | number)[];
  /** Whether any read was tallied since the last drain. */
  private pending = false;

  constructor(
    groups: readonly G[],
    private readonly routeIds: readonly number[],
  ) {
    const cells: (G | number)[] = [];
    for (const group of groups) cells.push(group, 0, 0);
    this.cells = cells;
  }

  /** The group of the route at index `i`. */
  group(i: number): G {
    return this.cells[3 * i] as G;
  }

  /**
   * One read of `bytes` key bytes at route index `i`. The counts stay exact as they grow: past
   * 2^31 (2 GB of keys read from one route between two drains) V8 keeps them as heap numbers,
   * which costs an allocation per read of that route until the next drain, never a wrong count.
   */
  count(i: number, bytes: number): void {
    const cells = this.cells;
    const at = 3 * i;
    (cells[at + 1] as number)++;
    (cells[at + 2] as number) += bytes;
    this.pending = true;
  }

  /** Hands every tallied read to `pool` and starts over. */
  drainInto(pool: ReadPool): void {
    if (!this.pending) return;
    this.pending = false;
    const cells = this.cells;
    for (let i = 0; i < this.routeIds.length; i++) {
      const at = 3 * i;
      const reads = cells[at + 1] as number;
      if (reads === 0) continue;
      const bytes = cells[at + 2] as number;
      cells[at + 1] = 0;
      cells[at + 2] = 0;
      pool.add(this.routeIds[i]!, reads, bytes);
    }
  }
}
