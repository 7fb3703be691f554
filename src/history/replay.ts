// openHistory: a `.kvz` export opened as a read-only history that answers the same questions as
// a live sampler — matrix() through the same builder (Wasm pivot and row budget) over the same
// History storage, snapshot(), and the column/route lists a timeline needs. Browser-safe.

import { historyMatrix, type MatrixRequest } from "../matrix/history-matrix.js";
import type { Column, Key, RowMeta } from "../types.js";
import type { Matrix } from "../wire/wire.js";
import { compareEnd, compareStart } from "../keys/bytes.js";
import { History, type StoredColumn } from "./history.js";
import type { ColumnData } from "./column-codec.js";
import { readFileInfo, readHistory } from "./kvz-reader.js";
import { StepRuns } from "./step-runs.js";
import { checkStepMs } from "../matrix/rebucket.js";
import { fromColumnData } from "./stored-column.js";

/** A route (or virtual bucket) as the recording saw it, for a timeline. */
export interface ReplayRoute {
  /** `route:<id>` or `virtual:<id>` (labels and sub-buckets folded into their route). */
  bucketId: string;
  /** The route id; null for a virtual bucket. */
  routeId: number | null;
  /** Lowest start and highest end over the route's rows. */
  start: Key;
  end: Key;
  /** Group of its latest row. */
  groupId: number;
  /** `atMs` of the first and last column it has a row in. */
  firstMs: number;
  lastMs: number;
}

/** What `Replay.matrix` reads (the same request as `Sampler.matrix`). */
export type ReplayMatrixRequest = MatrixRequest;

export interface Replay {
  /** Base step of the sampler that recorded the file. */
  readonly stepMs: number;
  /**
   * The step its columns are kept at: `stepMs`, or the coarser `openHistory(bytes, { stepMs })`
   * asked for. Then `columns` and `snapshot()` are the summed runs (step-runs.ts), a time window
   * selects whole runs, and `matrix()` answers at multiples of it only (finer: at it).
   */
  readonly levelMs: number;
  readonly columns: readonly { atMs: number; windowStartMs: number }[];
  readonly routes: readonly ReplayRoute[];
  /** Window start of the first column and time of the last (0 and 0 for an empty recording). */
  readonly fromMs: number;
  readonly toMs: number;
  matrix(q?: ReplayMatrixRequest): Matrix;
  snapshot(fromMs?: number, toMs?: number): Column[];
}

export interface OpenHistoryOptions {
  /**
   * Keep the recording summed into aligned steps of this many ms as it is read (step-runs.ts):
   * `matrix()` then answers at multiples of it, exactly as the full file would, with a fraction
   * of the memory. Absent, or not above the recorded step: every column as recorded.
   */
  stepMs?: number;
}

/** Opens an export file; throws HistoryFormatError for anything but a complete, valid file. */
export function openHistory(bytes: Uint8Array, options: OpenHistoryOptions = {}): Replay {
  if (typeof options !== "object" || options === null) throw new TypeError("options must be an object");
  const wanted = options.stepMs === undefined ? 0 : checkStepMs(options.stepMs);
  const recordedMs = readFileInfo(bytes, "export").stepMs;
  const levelMs = Math.max(wanted, recordedMs);
  const stored: StoredColumn[] = [];
  const keep = (c: ColumnData) => stored.push(fromColumnData(c));
  const runs = levelMs > recordedMs ? new StepRuns(levelMs, keep) : null;
  const read = readHistory(bytes, { mode: "export", onColumn: runs === null ? keep : (c) => runs.add(c) });
  runs?.end();
  const history = new History(Math.max(1, stored.length));
  for (const m of read.metas) history.addMeta(m);
  for (const c of stored) history.append(c);
  return new HistoryReplay(history, read.info.stepMs, levelMs, read.metas);
}

class HistoryReplay implements Replay {
  readonly columns: readonly { atMs: number; windowStartMs: number }[];
  readonly routes: readonly ReplayRoute[];
  readonly fromMs: number;
  readonly toMs: number;

  constructor(
    private readonly history: History,
    readonly stepMs: number,
    readonly levelMs: number,
    metas: readonly RowMeta[],
  ) {
    const cols = history.columns();
    this.columns = Object.freeze(cols.map((c) => Object.freeze({ atMs: c.atMs, windowStartMs: c.windowStartMs })));
    this.fromMs = cols.reduce((min, c) => Math.min(min, c.windowStartMs), cols.length === 0 ? 0 : Infinity);
    this.toMs = cols.length === 0 ? 0 : cols[cols.length - 1]!.atMs;
    this.routes = Object.freeze(routesOf(cols, metas));
  }

  matrix(q: ReplayMatrixRequest = {}): Matrix {
    const opts = { baseStepMs: this.stepMs, nowMs: Date.now() };
    if (this.levelMs === this.stepMs) return historyMatrix(this.history, q, opts);
    if (typeof q !== "object" || q === null) throw new TypeError("matrix request must be an object");
    // Opened summed into steps of levelMs: only its multiples are exact.
    const step = q.stepMs === undefined ? this.levelMs : checkStepMs(q.stepMs);
    if (step > this.levelMs && step % this.levelMs !== 0)
      throw new RangeError(
        `stepMs must be a multiple of ${this.levelMs} (the step this recording was opened at), got ${step}`,
      );
    return historyMatrix(this.history, { ...q, stepMs: Math.max(step, this.levelMs) }, opts);
  }

  snapshot(fromMs?: number, toMs?: number): Column[] {
    for (const [name, v] of [
      ["fromMs", fromMs],
      ["toMs", toMs],
    ] as const) {
      if (v !== undefined && (typeof v !== "number" || !Number.isFinite(v)))
        throw new TypeError(`${name} must be a finite number`);
    }
    return this.history.snapshot(fromMs, toMs);
  }
}

/** One entry per route id (or virtual bucket), with its key extent and first/last column. */
function routesOf(cols: readonly StoredColumn[], metas: readonly RowMeta[]): ReplayRoute[] {
  // First and last column time of each meta (one pass over the cells, arrays only), then per route.
  const first = new Float64Array(metas.length).fill(NaN);
  const last = new Float64Array(metas.length);
  for (const col of cols) {
    for (let i = 0; i < col.n; i++) {
      const id = col.data[i]!;
      if (Number.isNaN(first[id])) first[id] = col.atMs;
      last[id] = col.atMs;
    }
  }
  const byBucket = new Map<string, ReplayRoute & { latest: number }>();
  metas.forEach((m, id) => {
    if (Number.isNaN(first[id])) return;
    const bucketId = m.routeId !== null && !m.aggregate ? `route:${m.routeId}` : m.bucketId;
    const r = byBucket.get(bucketId);
    if (r === undefined) {
      const routeId = m.aggregate ? null : m.routeId;
      byBucket.set(bucketId, {
        bucketId,
        routeId,
        start: m.start,
        end: m.end,
        groupId: m.groupId,
        firstMs: first[id]!,
        lastMs: last[id]!,
        latest: last[id]!,
      });
      return;
    }
    if (compareStart(m.start, r.start) < 0) r.start = m.start;
    if (compareEnd(m.end, r.end) > 0) r.end = m.end;
    r.firstMs = Math.min(r.firstMs, first[id]!);
    r.lastMs = Math.max(r.lastMs, last[id]!);
    if (last[id]! >= r.latest) {
      r.latest = last[id]!;
      r.groupId = m.groupId;
    }
  });
  return [...byBucket.values()]
    .map(({ latest: _, ...r }) => ({ ...r, start: r.start?.slice() ?? null, end: r.end?.slice() ?? null }))
    .sort((a, b) => compareStart(a.start, b.start) || (a.bucketId < b.bucketId ? -1 : a.bucketId > b.bucketId ? 1 : 0));
}
