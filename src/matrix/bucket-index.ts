// The row structure of a matrix build: the present metas grouped into buckets (by bucket id, the
// newest meta wins), the buckets in (start, bucket id) order, and the heads of the rows the budget
// makes of them. At 10 000 routes this costs ~8 ms a build (a string-keyed grouping, a key sort,
// base64 of every key, route unions) yet changes only when routes do, so it is kept per metadata
// table (a history hands every view the same `metas` array) and reused while the table holds the
// same meta objects, the same ones are present and each bucket's newest meta is the same. The last
// budget plan is kept too, for builds whose bucket totals have not changed.
import { compareEnd } from "../keys/bytes.js";
import type { RowMeta } from "../types.js";
import { encodeKey, MAX_MEMBER_ROUTE_IDS, type RowHead } from "../wire/wire.js";
import { NO_ROW } from "./kernels.js";
import { mergedBucketId, sortRows, unionRoutes } from "./row-budget.js";

/** A bucket of the matrix before the budget: its newest meta and every meta id it spans. */
export interface Bucket {
  meta: RowMeta;
  metaIds: number[];
}

// Heads kept per index; past this many (plans that keep shifting) the cache starts over.
const MAX_CACHED_HEADS = 8192;

const indexes = new WeakMap<readonly RowMeta[], BucketIndex>();

/** The buckets of `metas` present per `last` (0 = absent): reused when still valid, else rebuilt. */
export function bucketIndex(metas: readonly RowMeta[], last: Uint32Array): BucketIndex {
  const known = indexes.get(metas);
  if (known !== undefined && known.matches(metas, last)) return known;
  const index = new BucketIndex(metas, last);
  indexes.set(metas, index);
  return index;
}

export class BucketIndex {
  /** Buckets in (start, bucket id) order. */
  readonly list: Bucket[];
  /** Group id of every meta (`+ 0`: -0 → 0, as the kernels compare identities bitwise). */
  readonly groupOfMeta: Float64Array;
  /** Index in `list` of every meta's bucket; -1 when absent. */
  private readonly bucketOf: Int32Array;
  /** Index of each bucket's newest meta. */
  private readonly newest: Int32Array;
  /** The meta objects this was built from (the table may change in place). */
  private readonly metas: readonly RowMeta[];
  /** Heads by row (first bucket × (list.length + 1) + end bucket). */
  private readonly heads = new Map<number, RowHead>();
  private lastPlan: { planner: Planner; budget: number; totals: Float64Array; starts: Uint32Array } | undefined;

  constructor(metas: readonly RowMeta[], last: Uint32Array) {
    this.metas = metas.slice();
    const byId = new Map<string, Bucket & { last: number; newest: number }>();
    for (let m = 0; m < metas.length; m++) {
      if (last[m] === 0) continue;
      const meta = metas[m]!;
      const bucket = byId.get(meta.bucketId);
      if (bucket === undefined) {
        byId.set(meta.bucketId, { meta, metaIds: [m], last: last[m]!, newest: m });
        continue;
      }
      bucket.metaIds.push(m);
      if (last[m]! >= bucket.last) {
        bucket.last = last[m]!;
        bucket.meta = meta;
        bucket.newest = m;
      }
    }
    const sorted = sortRows(
      [...byId.values()],
      (b) => b.meta.start,
      (b) => b.meta.bucketId,
    );
    this.list = sorted.map((b) => ({ meta: b.meta, metaIds: b.metaIds }));
    this.newest = Int32Array.from(sorted, (b) => b.newest);
    this.bucketOf = new Int32Array(metas.length).fill(-1);
    this.list.forEach((b, i) => {
      for (const m of b.metaIds) this.bucketOf[m] = i;
    });
    this.groupOfMeta = Float64Array.from(metas, (m) => (m === undefined ? 0 : m.groupId + 0));
  }

  /** Whether this index is what `new BucketIndex(metas, last)` would build. */
  matches(metas: readonly RowMeta[], last: Uint32Array): boolean {
    const { bucketOf } = this;
    if (metas.length !== this.metas.length || last.length < metas.length) return false;
    for (let m = 0; m < metas.length; m++) {
      if (metas[m] !== this.metas[m] || (last[m] === 0) !== (bucketOf[m] === -1)) return false;
    }
    for (let b = 0; b < this.list.length; b++) {
      const ids = this.list[b]!.metaIds;
      if (ids.length > 1 && newestOf(ids, last) !== this.newest[b]) return false;
    }
    return true;
  }

  /** Each bucket's total: the sum of its metas' totals, in meta order. */
  totals(metaTotals: Float64Array): Float64Array {
    const out = new Float64Array(this.list.length);
    const { bucketOf } = this;
    for (let m = 0; m < bucketOf.length; m++) {
      const b = bucketOf[m]!;
      if (b >= 0) out[b]! += metaTotals[m]!;
    }
    return out;
  }

  /**
   * The budget's plan over these buckets (`planner(totals, budget)`), remembered for the next
   * build: when no column came or went since (a viewer polling between flushes), the totals are
   * the same and the plan is too.
   */
  plan(totals: Float64Array, budget: number, planner: Planner): Uint32Array {
    const last = this.lastPlan;
    if (last !== undefined && last.planner === planner && last.budget === budget && sameValues(last.totals, totals)) {
      return last.starts;
    }
    const starts = planner(totals, budget);
    this.lastPlan = { planner, budget, totals, starts };
    return starts;
  }

  /** Output row of every meta under a plan (`starts`: first bucket of each row, then the end). */
  rowOfMeta(starts: Uint32Array): Uint32Array {
    const rowOfBucket = new Uint32Array(this.list.length);
    for (let r = 0; r + 1 < starts.length; r++) rowOfBucket.fill(r, starts[r], starts[r + 1]);
    const { bucketOf } = this;
    const out = new Uint32Array(bucketOf.length);
    for (let m = 0; m < bucketOf.length; m++) {
      const b = bucketOf[m]!;
      out[m] = b < 0 ? NO_ROW : rowOfBucket[b]!;
    }
    return out;
  }

  /** The head of every row under a plan, in row order. Shared between builds: frozen. */
  rowHeads(starts: Uint32Array): RowHead[] {
    const n = this.list.length + 1;
    if (this.heads.size > MAX_CACHED_HEADS) this.heads.clear();
    const out = new Array<RowHead>(starts.length - 1);
    for (let r = 0; r + 1 < starts.length; r++) {
      const key = starts[r]! * n + starts[r + 1]!;
      let head = this.heads.get(key);
      if (head === undefined) {
        const members = this.list.slice(starts[r], starts[r + 1]);
        head = frozenHead(members.length === 1 ? headOf(members[0]!.meta) : mergedHead(members));
        this.heads.set(key, head);
      }
      out[r] = head;
    }
    return out;
  }
}

/** A row budget planner: planRowGroups or its JS port. */
export type Planner = (totals: Float64Array, budget: number) => Uint32Array;

function sameValues(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The newest of a bucket's metas: the greatest `last`, ties to the later meta. */
function newestOf(ids: readonly number[], last: Uint32Array): number {
  let best = ids[0]!;
  for (const m of ids) if (last[m]! >= last[best]!) best = m;
  return best;
}

function frozenHead(h: RowHead): RowHead {
  if (h.route_ids !== undefined) Object.freeze(h.route_ids);
  return Object.freeze(h);
}

function headOf(meta: RowMeta): RowHead {
  const listed = [...meta.memberRoutes].sort((a, b) => a - b);
  const total = Math.max(1, meta.memberRoutesTotal, listed.length);
  return {
    bucket_id: meta.bucketId,
    label: meta.label,
    start: encodeKey(meta.start),
    end: encodeKey(meta.end),
    aggregate: meta.aggregate,
    route_ids: listed.slice(0, MAX_MEMBER_ROUTE_IDS),
    route_ids_truncated: total > Math.min(listed.length, MAX_MEMBER_ROUTE_IDS),
    route_count: total,
  };
}

/**
 * A row of the budget: `merged:<first>..<last>` bucket ids, start of the first member, end of
 * the last (the greatest end, should members overlap), route ids united and capped.
 */
function mergedHead(members: Bucket[]): RowHead {
  let end = members[0]!.meta.end;
  for (const b of members) if (compareEnd(b.meta.end, end) > 0) end = b.meta.end;
  const routes = unionRoutes(members.map((b) => ({ ids: b.meta.memberRoutes, total: b.meta.memberRoutesTotal })));
  return {
    bucket_id: mergedBucketId(members[0]!.meta.bucketId, members[members.length - 1]!.meta.bucketId),
    start: encodeKey(members[0]!.meta.start),
    end: encodeKey(end),
    aggregate: true,
    route_ids: routes.ids,
    route_ids_truncated: routes.truncated,
    route_count: routes.count,
  };
}
