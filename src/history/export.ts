// Export: the columns of a history window as a `.kvz` export file (docs/format.md), produced as
// a sequence of chunks (header, INFO, one DICT, one block per column, trailer) so the HTTP
// endpoint can stream them. Meta ids are renumbered densely in their original order, so a
// replay resolves ties between metas of one bucket exactly as the live history does.

import type { RowMeta } from "../types.js";
import type { ColumnData } from "./column-codec.js";
import { columnValue, metaIdAt, type History, type StoredColumn } from "./history.js";
import { FileKind } from "./kvz-format.js";
import { KvzWriter } from "./kvz-writer.js";

export interface ExportRange {
  /** Keep columns with `atMs ≥ fromMs`; absent or 0 = unbounded. */
  fromMs?: number;
  /** Keep columns with `atMs < toMs`; absent or 0 = unbounded. */
  toMs?: number;
}

const F_TERM = 5;

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
export function* exportChunks(history: History, stepMs: number, range: ExportRange, nowMs: number): Generator<Uint8Array> {
  const { fromMs, toMs } = exportWindow(range);
  const columns = history.columns(fromMs, toMs);
  const used = usedMetaIds(columns);
  const fileId = new Map<number, number>();
  const metas: RowMeta[] = [];
  for (const id of used) {
    fileId.set(id, metas.length);
    metas.push(history.meta(id));
  }
  const w = new KvzWriter();
  yield w.header();
  yield w.info({ kind: FileKind.Export, stepMs, writtenMs: Math.max(0, Math.floor(nowMs)) });
  yield w.metas(metas);
  const scratch = new ColumnScratchWriter();
  for (const col of columns) yield w.column(scratch.fill(col, fileId));
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

function usedMetaIds(columns: readonly StoredColumn[]): number[] {
  const seen = new Set<number>();
  for (const col of columns) for (let i = 0; i < col.n; i++) seen.add(metaIdAt(col, i));
  return [...seen].sort((a, b) => a - b);
}

/** Converts stored columns to the codec's ColumnData, reusing its arrays across columns. */
class ColumnScratchWriter {
  private metaIds = new Uint32Array(0);
  private values: Float64Array[] = [];
  private terms = new Float64Array(0);

  fill(col: StoredColumn, fileId: Map<number, number>): ColumnData {
    const n = col.n;
    if (this.metaIds.length < n) {
      this.metaIds = new Uint32Array(n);
      this.values = [0, 1, 2, 3].map(() => new Float64Array(n));
      this.terms = new Float64Array(n);
    }
    for (let i = 0; i < n; i++) {
      this.metaIds[i] = fileId.get(metaIdAt(col, i))!;
      for (let f = 0; f < 4; f++) this.values[f][i] = columnValue(col, f + 1, i);
      this.terms[i] = columnValue(col, F_TERM, i);
    }
    return { windowStartMs: col.windowStartMs, atMs: col.atMs, n, metaIds: this.metaIds, values: this.values, terms: this.terms };
  }
}
