// Export: the columns of a history window as a `.kvz` export file (docs/format.md), produced as
// a sequence of chunks (header, INFO, one DICT, one block per column, trailer) so the HTTP
// endpoint can stream them. Meta ids are renumbered densely in their original order, so a
// replay resolves ties between metas of one bucket exactly as the live history does.

import type { RowMeta } from "../types.js";
import { metaIdAt, type History, type StoredColumn } from "./history.js";
import { FileKind } from "./kvz-format.js";
import { KvzWriter } from "./kvz-writer.js";
import { toColumnData } from "./stored-column.js";

export interface ExportRange {
  /** Keep columns with `atMs ≥ fromMs`; absent or 0 = unbounded. */
  fromMs?: number;
  /** Keep columns with `atMs < toMs`; absent or 0 = unbounded. */
  toMs?: number;
}

/** Checks an export window: each bound absent, or a finite number (0 = unbounded). */
export function exportWindow(range: ExportRange = {}): { fromMs?: number; toMs?: number } {
  if (typeof range !== "object" || range === null) throw new TypeError("exportHistory options must be an object");
  const bound = (name: "fromMs" | "toMs") => {
    const v = range[name];
    if (v === undefined || v === 0) return undefined;
    if (typeof v !== "number" || !Number.isFinite(v)) throw new TypeError(`${name} must be a finite number (unix ms)`);
    return v;
  };
  return { fromMs: bound("fromMs"), toMs: bound("toMs") };
}

/** The chunks of an export file of `history`'s columns in `range`. */
export function* exportChunks(
  history: History,
  stepMs: number,
  range: ExportRange,
  nowMs: number,
): Generator<Uint8Array> {
  const { fromMs, toMs } = exportWindow(range);
  const columns = history.columns(fromMs, toMs);
  const used = usedMetaIds(columns, history.metaCount);
  const fileId = new Int32Array(history.metaCount);
  const metas: RowMeta[] = [];
  for (const id of used) {
    fileId[id] = metas.length;
    metas.push(history.meta(id));
  }
  const w = new KvzWriter();
  yield w.header();
  yield w.info({ kind: FileKind.Export, stepMs, writtenMs: Math.max(0, Math.floor(nowMs)) });
  yield w.metas(metas);
  // When every meta is used, file ids are the history's own: no per-cell mapping.
  const identity = used.length === history.metaCount;
  for (const col of columns) {
    let ids = col.data.subarray(0, col.n);
    if (!identity) {
      ids = new Uint32Array(col.n);
      for (let i = 0; i < col.n; i++) ids[i] = fileId[metaIdAt(col, i)]!;
    }
    yield w.column(toColumnData(col, ids));
  }
  yield w.trailer();
}

/** All chunks joined: the export file. */
export function exportBytes(history: History, stepMs: number, range: ExportRange, nowMs: number): Uint8Array {
  const chunks = [...exportChunks(history, stepMs, range, nowMs)];
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function usedMetaIds(columns: readonly StoredColumn[], metaCount: number): number[] {
  const seen = new Uint8Array(metaCount);
  for (const col of columns) for (let i = 0; i < col.n; i++) seen[col.data[i]!] = 1;
  const out: number[] = [];
  for (let id = 0; id < metaCount; id++) if (seen[id] === 1) out.push(id);
  return out;
}
