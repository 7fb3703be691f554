// The row budget re-applied after the fan-out merge (the reference skips it): the least active
// adjacent merged rows folded into aggregate rows, then the start-key order.
import { compareEnd } from "../keys/bytes.js";
import { encodeKey, type RowHead } from "../wire/wire.js";
import { mergedBucketId, planRowGroups, routeIdOf, sortRows, unionRoutes, type MemberRoutes } from "./row-budget.js";
import type { CellSlab, RowCells } from "./cell-slab.js";
import type { MergedRow } from "./merge-rows.js";
import type { Steps } from "../steps.js";

/** An output row: its head and its row in the cell slab. */
export interface OutRow {
  start: Uint8Array | null;
  head: RowHead;
  cellRow: number;
}

/**
 * The budget over the merged rows (in start order). A group of one keeps its row; a merged group
 * is folded into the next free slab row after the `used` merged rows.
 */
export function* applyBudget(rows: MergedRow[], budget: number, slab: CellSlab, used: number): Steps<OutRow[]> {
  const starts = planRowGroups(
    Float64Array.from(rows, (r) => r.total),
    budget,
  );
  const out: OutRow[] = [];
  let free = used;
  for (let g = 0; g + 1 < starts.length; g++) {
    const members = rows.slice(starts[g], starts[g + 1]);
    if (members.length === 1) {
      out.push({ start: members[0]!.start, head: members[0]!.head, cellRow: members[0]!.cellRow });
      continue;
    }
    out.push({ start: members[0]!.start, head: foldRows(members, slab.row(free)), cellRow: free });
    free++;
    yield; // a folded group is the costly step: a pause point for sliced merges
  }
  return sortRows(
    out,
    (r) => r.start,
    (r) => r.head.bucket_id,
  );
}

/**
 * A merged row of the budget: sums per column, conflicts OR-ed, identity as in the pivot (per
 * column, over the members in order: the first non-zero member's identity, or 0/0 once two
 * non-zero members differ; likewise among the zero-valued ones while no member is non-zero).
 */
function foldRows(members: MergedRow[], { values, groups, terms, conflicts }: RowCells): RowHead {
  values.fill(0);
  conflicts.fill(0);
  // Member by member, each row read front to back (a column at a time jumped between up to
  // dozens of rows per column, which defeated the prefetcher); `level` keeps each column's state.
  const level = levels(values.length);
  for (const m of members) foldMember(m, values, groups, terms, conflicts, level);
  let end = members[0]!.end;
  for (const m of members) if (compareEnd(m.end, end) > 0) end = m.end;
  const routes = unionRoutes(members.map(memberRoutesOf));
  return {
    bucket_id: mergedBucketId(members[0]!.head.bucket_id, members[members.length - 1]!.head.bucket_id),
    start: members[0]!.head.start,
    end: encodeKey(end),
    aggregate: true,
    route_ids: routes.ids,
    route_ids_truncated: routes.truncated,
    route_count: routes.count,
  };
}

let levelScratch = new Uint8Array(0);

/**
 * `width` per-column fold levels, zeroed (0: no member yet, 1: only zero-valued members so far,
 * 2: some non-zero), in scratch reused across folds.
 */
function levels(width: number): Uint8Array {
  if (levelScratch.length < width) levelScratch = new Uint8Array(width);
  const level = levelScratch.subarray(0, width);
  level.fill(0);
  return level;
}

/** Adds member `m` into the folded row's cells (see foldRows). */
function foldMember(
  m: MergedRow,
  values: Float64Array,
  groups: Float64Array,
  terms: Float64Array,
  conflicts: Uint8Array,
  level: Uint8Array,
): void {
  const { values: mv, groups: mg, terms: mt, conflicts: mc } = m;
  for (let j = 0; j < values.length; j++) {
    const v = mv[j]!;
    values[j]! += v;
    conflicts[j]! |= mc[j]!;
    const lvl = v !== 0 ? 2 : 1;
    if (lvl > level[j]!) {
      level[j] = lvl;
      groups[j] = mg[j]!;
      terms[j] = mt[j]!;
    } else if (lvl === level[j] && (groups[j] !== mg[j] || terms[j] !== mt[j])) {
      groups[j] = 0;
      terms[j] = 0;
    }
  }
}

function memberRoutesOf(m: MergedRow): MemberRoutes {
  const { route_ids, route_count, bucket_id } = m.head;
  if (route_ids !== undefined) return { ids: route_ids, total: route_count };
  const id = routeIdOf(bucket_id);
  return { ids: id === undefined ? [] : [id], total: Math.max(route_count, 1) };
}
