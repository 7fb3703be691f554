// Reading the sampler: argument checks and delegation for matrix() and hotKeys(). The history
// and the hot-key tracker do the work; this file decides what a query means.

import type { History } from "../history/history.js";
import type { HotKeysResponse } from "../hotkeys/response.js";
import type { HotKeyTracker } from "../hotkeys/tracker.js";
import { buildMatrixTable } from "../matrix/build.js";
import type { MatrixTable } from "../matrix/table.js";
import { SERIES, type HotKeysRequest, type Series } from "../types.js";
import { checkFiniteNumber, checkId } from "../validate.js";
import { MAX_ROWS, SERIES_MESSAGE } from "../wire/wire.js";
import { QueryError } from "../errors.js";
import { checkHotKeysLabel, SUB_BUCKET_OUT_OF_RANGE } from "../hotkeys/query-rules.js";
import type { HolderRegistry } from "./registry.js";

/** What `matrix()` reads: one series over `[fromMs, toMs)` with a row budget. */
export interface MatrixRequest {
  series?: Series;
  fromMs?: number;
  toMs?: number;
  rows?: number;
}

/** The heatmap matrix (SPEC §5) of one series, with the merged row budget, cells in typed arrays. */
export function readMatrixTable(history: History, q: MatrixRequest, nowMs: number): MatrixTable {
  const series = q.series ?? "writes";
  if (!(SERIES as readonly string[]).includes(series)) throw new RangeError(SERIES_MESSAGE);
  const fromMs = q.fromMs === undefined || q.fromMs === 0 ? undefined : checkFiniteNumber("fromMs", q.fromMs);
  const toMs = q.toMs === undefined || q.toMs === 0 ? undefined : checkFiniteNumber("toMs", q.toMs);
  const rows = q.rows === undefined ? MAX_ROWS : q.rows;
  return buildMatrixTable(history.seriesView(series, fromMs, toMs), { rows, fromMs, toMs, nowMs });
}

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
