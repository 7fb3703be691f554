// The merged row budget (SPEC §5): instead of dropping the quietest rows, adjacent rows (in
// start-key order) are merged, least combined activity first, until the budget holds. The
// greedy plan runs in the `matrix` Wasm module (heap + linked list, O(n log n)); this file also
// holds the rules for what a merged row is made of, shared by the pivot and the fan-out merge.
import { compareStart } from "../keys/bytes.js";
import { releaseMatrixModule, withMatrixRoom } from "../wasm/matrix.js";
import type { Key } from "../types.js";
import { MAX_MEMBER_ROUTE_IDS } from "../wire/wire.js";

/** Throws unless `rows` is a positive integer. */
export function checkRowBudget(rows: number, name = "rows"): void {
  if (typeof rows !== "number") throw new TypeError(`${name} must be a number, got ${typeof rows}`);
  if (!Number.isInteger(rows) || rows < 1) throw new RangeError(`${name} must be a positive integer, got ${rows}`);
}

/**
 * Plans the budget over rows given in start-key order by their total activity. Returns the
 * first member index of every output row plus a final `totals.length` (so output row `i` is
 * members `starts[i] .. starts[i+1]-1`). Repeatedly merges the adjacent pair with the least
 * combined total; ties go to the leftmost pair. Every output row is a contiguous run of inputs.
 */
export function planRowGroups(totals: Float64Array, budget: number): Uint32Array {
  checkRowBudget(budget, "budget");
  const n = totals.length;
  if (n <= budget) return Uint32Array.from({ length: n + 1 }, (_, i) => i);
  // Inside a matrix build this borrows space above the build's buffers and gives it back.
  try {
    return withMatrixRoom(({ wasm, arena }) => {
      const mark = arena.mark();
      try {
        const totalsPtr = arena.alloc(n * 8);
        const scratchPtr = arena.alloc(wasm.planScratchBytes(n));
        const startsPtr = arena.alloc((n + 1) * 4);
        arena.f64(totalsPtr, n).set(totals);
        const count = wasm.planMerge(n, totalsPtr, budget, scratchPtr, startsPtr);
        return arena.u32(startsPtr, count + 1).slice();
      } finally {
        arena.release(mark);
      }
    });
  } finally {
    releaseMatrixModule(); // a build on the module keeps its own reference to its buffers
  }
}

/** The member routes of one row: ids listed (possibly capped) and the true count. */
export interface MemberRoutes {
  ids: readonly number[];
  total: number;
}

/** Route fields of a merged row. */
export interface RouteUnion {
  /** Ascending, at most MAX_MEMBER_ROUTE_IDS. */
  ids: number[];
  truncated: boolean;
  count: number;
}

/**
 * Union of the members' route ids. The count is exact when every member lists all its routes;
 * a member with an incomplete list (a big virtual bucket) adds its unlisted remainder, since the
 * routes of distinct buckets are disjoint (a route is counted in one slot at a time).
 */
export function unionRoutes(members: Iterable<MemberRoutes>): RouteUnion {
  const seen = new Set<number>();
  let unlisted = 0;
  for (const m of members) {
    for (const id of m.ids) seen.add(id);
    if (m.total > m.ids.length) unlisted += m.total - m.ids.length;
  }
  const all = [...seen].sort((a, b) => a - b);
  const truncated = unlisted > 0 || all.length > MAX_MEMBER_ROUTE_IDS;
  return { ids: all.slice(0, MAX_MEMBER_ROUTE_IDS), truncated, count: Math.max(1, all.length + unlisted) };
}

const MERGED = "merged:";
// Leaf ids start with one of these; a label never contains ':' so "..route:"/"..virtual:" can
// only be the separator of a merged id.
const SEPARATORS = ["..route:", "..virtual:"];

function splitMerged(id: string): [string, string] | undefined {
  if (!id.startsWith(MERGED)) return undefined;
  let at = -1;
  for (const sep of SEPARATORS) {
    const i = id.indexOf(sep, MERGED.length);
    if (i >= 0 && (at < 0 || i < at)) at = i;
  }
  return at < 0 ? undefined : [id.slice(MERGED.length, at), id.slice(at + 2)];
}

/**
 * Bucket id of a merged row: `merged:<first member>..<last member>`, members in start-key order.
 * A member that is itself a merged row contributes its own first/last leaf, so re-budgeting a
 * merged matrix yields flat ids (`merged:route:1..route:9`, never `merged:merged:…`).
 */
export function mergedBucketId(firstMember: string, lastMember: string): string {
  const first = splitMerged(firstMember)?.[0] ?? firstMember;
  const last = splitMerged(lastMember)?.[1] ?? lastMember;
  return `${MERGED}${first}..${last}`;
}

/** Route id of a `route:<id>…` bucket id, or undefined for other ids. */
export function routeIdOf(bucketId: string): number | undefined {
  const m = /^route:([0-9]+)(?:[:#]|$)/.exec(bucketId);
  return m ? Number(m[1]) : undefined;
}

/**
 * The final row order of SPEC §5: start key ascending (null first), ties by bucket id. Applied
 * again after the budget, because a merged row's `merged:` id can sort before a same-start row
 * (labeled slots of one route share its start).
 */
export function sortRows<T>(items: T[], startOf: (item: T) => Key, idOf: (item: T) => string): T[] {
  return items.sort((a, b) => {
    const byStart = compareStart(startOf(a), startOf(b));
    if (byStart !== 0) return byStart;
    const x = idOf(a);
    const y = idOf(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}
