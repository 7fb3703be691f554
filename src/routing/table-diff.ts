// The route changes between two versions of a route table, as runs of routes replaced by others
// over the same keys: what a coordinator tells its sampler when the table was changed without it
// (a direct `table.split` or `merge`), so the sampler re-homes counts and history as it does for
// the coordinator's own split/merge (replaceRoutes) instead of meeting overlapping routes.
import { compareEnd, compareStart } from "../keys/bytes.js";
import type { RouteSpec } from "./route-table.js";

/** Routes `oldIds` (contiguous in key order) are now covered by `newRoutes`. */
export interface Replacement {
  oldIds: number[];
  newRoutes: RouteSpec[];
}

/** Both lists tile the whole key space in start order (what `RouteTable.routes()` returns). */
export function tableReplacements(before: readonly RouteSpec[], after: readonly RouteSpec[]): Replacement[] {
  const out: Replacement[] = [];
  let i = 0;
  let j = 0;
  while (i < before.length && j < after.length) {
    if (sameRoute(before[i]!, after[j]!)) {
      i++;
      j++;
      continue;
    }
    // A run that differs: take routes from whichever side ends first until both end together.
    const run: Replacement = { oldIds: [before[i]!.routeId], newRoutes: [after[j]!] };
    let oldEnd = before[i++]!.end;
    let newEnd = after[j++]!.end;
    while (compareEnd(oldEnd, newEnd) !== 0) {
      if (compareEnd(oldEnd, newEnd) < 0) {
        run.oldIds.push(before[i]!.routeId);
        oldEnd = before[i++]!.end;
      } else {
        run.newRoutes.push(after[j]!);
        newEnd = after[j++]!.end;
      }
    }
    out.push(run);
  }
  return out;
}

function sameRoute(a: RouteSpec, b: RouteSpec): boolean {
  return (
    a.routeId === b.routeId &&
    a.groupId === b.groupId &&
    compareStart(a.start, b.start) === 0 &&
    compareEnd(a.end, b.end) === 0
  );
}
