// Reading the sampler's hot keys: argument checks and delegation for hotKeys(). The tracker does
// the work; this file decides what a query means. (matrix() is src/matrix/history-matrix.ts, the
// same code a replay answers with.)

import type { HotKeysResponse } from "../hotkeys/response.js";
import type { HotKeyTracker } from "../hotkeys/tracker.js";
import type { HotKeysRequest } from "../types.js";
import { checkId } from "../validate.js";
import { QueryError } from "../errors.js";
import { checkHotKeysLabel, SUB_BUCKET_OUT_OF_RANGE } from "../hotkeys/query-rules.js";
import type { HolderRegistry } from "./registry.js";

/**
 * The latest published hot keys of a route (SPEC §7 wire object), or `null` when there is no
 * snapshot (hot keys off — see `hotKeysEnabled` —, unknown route, nothing published yet). A label
 * the sampler is not configured with, or a sub-bucket the route does not have, is a QueryError
 * with the HTTP endpoint's 400 `invalid_query` message (checked in the reference's order: the
 * label first, then the snapshot, then the sub-bucket).
 */
export function readHotKeys(
  tracker: HotKeyTracker | null,
  registry: HolderRegistry,
  labels: readonly string[],
  routeId: number,
  opts: HotKeysRequest,
): HotKeysResponse | null {
  checkId("routeId", routeId);
  const index = opts.subBucket === undefined ? undefined : checkId("subBucket", opts.subBucket);
  if (tracker === null) return null;
  checkHotKeysLabel(labels, opts.label);
  const whole = tracker.query(routeId, { label: opts.label, top: opts.top });
  if (whole === null || index === undefined) return whole;
  const r = registry.route(routeId);
  const b =
    r === undefined ? undefined : (r.bounds?.[index] ?? (index === 0 ? { start: r.start, end: r.end } : undefined));
  if (b === undefined) throw new QueryError(SUB_BUCKET_OUT_OF_RANGE);
  return tracker.query(routeId, { label: opts.label, top: opts.top, subBucket: { index, start: b.start, end: b.end } });
}
