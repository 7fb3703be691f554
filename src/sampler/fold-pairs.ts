// The cheapest fold when the route budget is full. A route registered past the budget either
// joins a neighbour (that row grows by one route) or takes the slot freed by folding two
// adjacent rows anywhere on the key axis. SPEC §3 asks folds to prefer the least active routes;
// folding only next to the new route put every route registered in key order past the budget
// into ONE bucket (a Coordinator over 100 000 routes drew 90 % of its key space as one row).
// So a fold costs the activity of what it puts in one row, then the number of routes in it;
// the cheapest adjacent pair competes with the new route's neighbour, which wins a tie (a fold
// there moves nothing else).
//
// Pairs sit in a lazy min-heap: an entry is checked when it reaches the top (both holders still
// live, still adjacent, the same cost) and dropped or re-queued if not, so a stale entry can
// cost a little time but never a wrong fold. The heap is rebuilt (O(n)) when activities moved
// (a flush) or holders changed other than through the folds reported to `touched`; a run of
// registrations past the budget then costs O(log n) a fold here.

import type { Holder } from "./holders.js";
import type { HolderRegistry } from "./registry.js";
import type { SlotPool } from "./slots.js";

/** What a fold puts into one row: smoothed requests per flush, then routes. */
export interface FoldCost {
  activity: number;
  routes: number;
}

/** Two adjacent live holders (left before right in key order) and the cost of folding them. */
export interface FoldPair extends FoldCost {
  left: Holder;
  right: Holder;
}

/** Routes holder `h` counts for. */
export function routesIn(h: Holder): number {
  return h.kind === "route" ? 1 : h.members.length;
}

/** True when folding `a` puts less in one row than folding `b`. */
export function cheaper(a: FoldCost, b: FoldCost): boolean {
  return a.activity < b.activity || (a.activity === b.activity && a.routes < b.routes);
}

export class FoldPairs {
  private readonly heap: FoldPair[] = [];
  /** Registry live version and flush count the heap was last complete for (−1: never). */
  private syncedVersion = -1;
  private syncedFlushes = -1;

  constructor(
    private readonly registry: HolderRegistry,
    private readonly slots: SlotPool,
  ) {}

  /**
   * The cheapest pair of adjacent live holders, or undefined when there is none. The pair
   * `skipLeft`–`skipRight` is passed over: a new route about to sit between them would lie
   * inside their fold.
   */
  cheapest(skipLeft: Holder | undefined, skipRight: Holder | undefined): FoldPair | undefined {
    if (this.syncedVersion !== this.registry.liveVersion || this.syncedFlushes !== this.slots.flushes) this.rebuild();
    const heap = this.heap;
    while (heap.length > 0) {
      const top = heap[0]!;
      const skip = top.left === skipLeft && top.right === skipRight;
      if (skip || !this.adjacent(top.left, top.right)) {
        this.pop();
        continue;
      }
      const now = this.pairOf(top.left, top.right);
      if (now.activity === top.activity && now.routes === top.routes) return top;
      this.pop();
      this.push(now);
    }
    return undefined;
  }

  /**
   * Holder `changed` was just made by a fold or given slots, and nothing else changed since
   * `cheapest` (or the previous `touched`): its pairs with both neighbours are queued and the
   * heap is complete again.
   */
  touched(changed: Holder): void {
    const live = this.registry.live;
    const at = this.registry.position(changed.start, changed);
    if (changed.state === "live" && live[at] === changed) {
      if (at > 0) this.push(this.pairOf(live[at - 1]!, changed));
      if (at + 1 < live.length) this.push(this.pairOf(changed, live[at + 1]!));
    }
    this.syncedVersion = this.registry.liveVersion;
    this.syncedFlushes = this.slots.flushes;
  }

  private pairOf(left: Holder, right: Holder): FoldPair {
    const activity = this.registry.activity(left) + this.registry.activity(right);
    return { left, right, activity, routes: routesIn(left) + routesIn(right) };
  }

  private adjacent(left: Holder, right: Holder): boolean {
    if (left.state !== "live" || right.state !== "live") return false;
    const at = this.registry.position(left.start, left);
    const live = this.registry.live;
    return live[at] === left && live[at + 1] === right;
  }

  /** Every adjacent pair of live holders, heap-ordered (Floyd: O(n)). */
  private rebuild(): void {
    const live = this.registry.live;
    const heap = this.heap;
    heap.length = 0;
    let activity = live.length > 0 ? this.registry.activity(live[0]!) : 0;
    for (let i = 0; i + 1 < live.length; i++) {
      const left = live[i]!;
      const right = live[i + 1]!;
      const next = this.registry.activity(right);
      heap.push({ left, right, activity: activity + next, routes: routesIn(left) + routesIn(right) });
      activity = next;
    }
    for (let i = (heap.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
    this.syncedVersion = this.registry.liveVersion;
    this.syncedFlushes = this.slots.flushes;
  }

  private push(pair: FoldPair): void {
    const heap = this.heap;
    let at = heap.length;
    heap.push(pair);
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (!cheaper(pair, heap[parent]!)) break;
      heap[at] = heap[parent]!;
      at = parent;
    }
    heap[at] = pair;
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    heap[0] = last;
    this.siftDown(0);
  }

  private siftDown(from: number): void {
    const heap = this.heap;
    const pair = heap[from]!;
    let at = from;
    for (;;) {
      let child = 2 * at + 1;
      if (child >= heap.length) break;
      if (child + 1 < heap.length && cheaper(heap[child + 1]!, heap[child]!)) child++;
      if (!cheaper(heap[child]!, pair)) break;
      heap[at] = heap[child]!;
      at = child;
    }
    heap[at] = pair;
  }
}
