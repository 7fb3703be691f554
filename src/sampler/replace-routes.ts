// Split/merge continuity: the key range of some routes is now covered by others. The new routes
// are registered, and the old routes' pending counts and their rows in every stored column are
// re-homed onto the new ones in proportion to key-space overlap, so totals never change (rows of
// routes removed by hand over the same keys go too, onto whatever live routes now cover them).

import { compareBytes, compareEnd, compareStart } from "../keys/bytes.js";
import { rangeContains, rangesOverlap } from "../keys/ranges.js";
import type { History, RowValues } from "../history/history.js";
import { rewriteColumn } from "../history/rewrite.js";
import type { Key, RowMeta } from "../types.js";
import { checkId, checkKey, copyKey } from "../validate.js";
import { overlapShares, splitValues } from "./apportion-cells.js";
import { newRoute, slotsOf, type Holder, type RouteHolder } from "./holders.js";
import type { RouteLifecycle } from "./lifecycle.js";
import type { Rehoming } from "./rehome.js";
import type { HolderRegistry } from "./registry.js";
import type { RowMetas } from "./row-metas.js";

/** A route replacing others: its id, range and replication group. */
export interface NewRoute {
  routeId: number;
  start: Key;
  end: Key;
  groupId?: number;
}

export interface ReplaceContext {
  registry: HolderRegistry;
  lifecycle: RouteLifecycle;
  rehoming: Rehoming;
  metas: RowMetas;
  history: History;
  /** Label index of a label name (0 = unlabelled). */
  labelIndex: (label: string) => number;
  labelCount: number;
  maxRouteKeyBytes: number;
  nowMs: number;
}

/** See `Sampler.replaceRoutes`. */
export function replaceRoutes(ctx: ReplaceContext, oldIds: number[], newRoutes: NewRoute[]): void {
  const { rehoming, history } = ctx;
  const { olds, fresh } = checkReplacement(ctx, oldIds, newRoutes);
  const span = { start: olds[0]!.start, end: olds[olds.length - 1]!.end };
  const oldMetasBelow = history.metaCount;
  const pending = olds.flatMap((r) => (r.vb === null ? rehoming.takePending(r) : []));
  for (const r of olds) ctx.lifecycle.remove(r.routeId, ctx.nowMs);
  for (const r of fresh) ctx.lifecycle.add(r);
  rehoming.distribute(pending, fresh);
  const { isOld, heirs } = rowsToRehome(ctx, span, new Set(oldIds), oldMetasBelow);
  const targetRank = new Map<number, number>();
  const targetsByLabel = Array.from({ length: ctx.labelCount + 1 }, (_, li) => rehoming.targetCells(heirs, li));
  for (const list of targetsByLabel) {
    for (const t of list) {
      t.metaId = ctx.metas.idOf(t.cell);
      targetRank.set(t.metaId, t.rank);
    }
  }
  history.rewrite((col) =>
    rewriteColumn(
      col,
      isOld,
      (metaId, values) => {
        const m = history.meta(metaId);
        const targets = targetsByLabel[ctx.labelIndex(m.label)]!.filter((t) =>
          rangesOverlap(t.start, t.end, m.start, m.end),
        );
        const shares = splitValues(values, overlapShares(m.start, m.end, targets));
        return targets.map((t, i) => ({
          metaId: t.metaId,
          values: [...shares[i]!, history.meta(t.metaId).groupId === m.groupId ? values[4] : 0] as RowValues,
        }));
      },
      (metaId) => targetRank.get(metaId) ?? 0,
    ),
  );
}

/**
 * Which stored rows move, and the live holders they go to. Every stored row of a route that no
 * longer counts those keys (the old routes, even where a new route reuses the id, and routes
 * removed by hand before: remove + register) moves when it lies over the keys the move touches,
 * or it would overlap the rows placed in a rewritten column. That range starts as the span and
 * grows to a fixed point: a moving row may reach past the span (a route split by hand, then one
 * piece replaced), its values then go to every live holder over its keys, new or not, and those
 * holders' rows reach further. Rows of live routes within their own range stay, and so do the
 * current rows of live holders; virtual buckets' other rows and a folded route's own rows move.
 */
function rowsToRehome(
  ctx: ReplaceContext,
  span: Range,
  oldIds: ReadonlySet<number>,
  metasBelow: number,
): { isOld: (metaId: number) => boolean; heirs: Holder[] } {
  const { history, registry } = ctx;
  // Live buckets' current rows never move: skipped without reading their meta objects. At 100 000
  // routes a scan reading every meta took ~9 ms a call; with the mask ~1.8 ms once warm (0.2 ms
  // before rows of removed routes were looked for at all).
  const current = new Uint8Array(metasBelow);
  ctx.metas.markCurrent(current, registry.graced.flatMap(slotsOf));
  const movable = (metaId: number, m: RowMeta): boolean => {
    if (current[metaId] === 1) return false;
    // A virtual bucket's row that is not its current one (the bucket is gone, or has another
    // range now) counts keys that today's holders count: it moves, or a route's row placed in
    // its column would overlap it.
    if (m.routeId === null || m.aggregate) return true;
    if (oldIds.has(m.routeId)) return true; // a new route may take an old id: its rows still move
    const r = registry.route(m.routeId);
    // A route folded since into a virtual bucket counts into the bucket's row, which may be placed.
    return r === undefined || r.vb !== null || !rangeContains(r.start, r.end, m.start, m.end);
  };
  let hull = span;
  let heirs: Holder[];
  let candidates: number[]; // movable rows over the hull; the last pass's are over the final one
  for (;;) {
    let wider = hull;
    candidates = [];
    for (let id = 0; id < metasBelow; id++) {
      if (current[id] === 1) continue;
      const m = history.meta(id);
      if (!rangesOverlap(hull.start, hull.end, m.start, m.end) || !movable(id, m)) continue;
      candidates.push(id);
      wider = union(wider, m);
    }
    heirs = registry.overlapping(wider.start, wider.end);
    for (const h of heirs) wider = union(wider, h);
    if (sameRange(wider, hull)) break;
    hull = wider;
  }
  // Decided now, for every row at once: the rewrite runs lazily, when each column is first read,
  // and by then routes may have been folded, unfolded or registered again under an old id.
  // A row over keys no live holder covers any more (its route was removed by hand and nothing
  // registered there) has nowhere to go and overlaps no new row: it stays.
  const moving = new Uint8Array(metasBelow);
  for (const id of candidates) if (anyOver(heirs, history.meta(id))) moving[id] = 1;
  return { isOld: (metaId) => moving[metaId] === 1, heirs };
}

/** Whether some holder of `holders` (start order, disjoint) overlaps `r`: a binary search. */
function anyOver(holders: readonly Holder[], r: Range): boolean {
  let lo = 0;
  let hi = holders.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    // The first holder whose end lies past r's start is the only candidate.
    if (r.start !== null && compareEnd(holders[mid]!.end, r.start) <= 0) lo = mid + 1;
    else hi = mid;
  }
  const h = holders[lo];
  return h !== undefined && rangesOverlap(h.start, h.end, r.start, r.end);
}

type Range = { start: Key; end: Key };

function union(a: Range, b: Range): Range {
  return {
    start: compareStart(b.start, a.start) < 0 ? b.start : a.start,
    end: compareEnd(b.end, a.end) > 0 ? b.end : a.end,
  };
}

function sameRange(a: Range, b: Range): boolean {
  return compareStart(a.start, b.start) === 0 && compareEnd(a.end, b.end) === 0;
}

function checkReplacement(
  ctx: ReplaceContext,
  oldIds: number[],
  newRoutes: NewRoute[],
): { olds: RouteHolder[]; fresh: RouteHolder[] } {
  if (!Array.isArray(oldIds) || oldIds.length === 0)
    throw new TypeError("oldIds must be a non-empty array of route ids");
  if (!Array.isArray(newRoutes) || newRoutes.length === 0) throw new TypeError("newRoutes must be a non-empty array");
  const olds = oldIds.map((id, i) => {
    checkId(`oldIds[${i}]`, id);
    const r = ctx.registry.route(id);
    if (r === undefined) throw new RangeError(`oldIds[${i}]: route ${id} is not registered`);
    if (oldIds.indexOf(id) !== i) throw new RangeError(`oldIds[${i}]: route ${id} is listed twice`);
    return r;
  });
  // One id, one route: a second piece under the same id could never be removed on its own.
  const newIds = new Set<number>();
  const fresh = newRoutes.map((n, i) => {
    if (typeof n !== "object" || n === null) throw new TypeError(`newRoutes[${i}] must be an object`);
    const id = checkId(`newRoutes[${i}].routeId`, n.routeId);
    if (newIds.has(id)) throw new RangeError(`newRoutes[${i}]: route id ${id} is given twice`);
    newIds.add(id);
    const start = copyKey(checkKey(`newRoutes[${i}].start`, n.start, ctx.maxRouteKeyBytes));
    const end = copyKey(checkKey(`newRoutes[${i}].end`, n.end, ctx.maxRouteKeyBytes));
    const group = checkId(`newRoutes[${i}].groupId`, n.groupId ?? 0);
    if (ctx.registry.route(id) !== undefined && !oldIds.includes(id))
      throw new RangeError(`newRoutes[${i}]: route ${id} is already registered`);
    return newRoute(id, start, end, group);
  });
  const byStart = (a: RouteHolder, b: RouteHolder) => compareStart(a.start, b.start);
  olds.sort(byStart);
  fresh.sort(byStart);
  checkTiling("oldIds", olds);
  checkTiling("newRoutes", fresh);
  const same = (a: Key, b: Key) => (a === null || b === null ? a === b : compareBytes(a, b) === 0);
  if (!same(olds[0]!.start, fresh[0]!.start) || !same(olds[olds.length - 1]!.end, fresh[fresh.length - 1]!.end)) {
    throw new RangeError("newRoutes must cover exactly the range of oldIds");
  }
  return { olds, fresh };
}

/** Routes sorted by start must be contiguous and non-overlapping. */
function checkTiling(name: string, routes: RouteHolder[]): void {
  for (let i = 1; i < routes.length; i++) {
    const prev = routes[i - 1]!.end;
    const start = routes[i]!.start;
    if (prev === null || start === null || compareBytes(prev, start) !== 0) {
      throw new RangeError(`${name}: routes ${routes[i - 1]!.routeId} and ${routes[i]!.routeId} are not contiguous`);
    }
  }
  for (const r of routes) {
    if (r.start !== null && r.end !== null && compareBytes(r.start, r.end) >= 0) {
      throw new RangeError(`${name}: route ${r.routeId} has start ≥ end`);
    }
  }
}
