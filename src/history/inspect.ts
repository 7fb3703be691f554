// `keyviz inspect file.kvz`: what a history file holds — format version, kind, step, span,
// routes, columns and size per stored cell — from one validating read. Browser-safe.

import { getU16 } from "./bytes-io.js";
import { FileKind } from "./kvz-format.js";
import { readHistory } from "./kvz-reader.js";
import { openHistory } from "./replay.js";

export interface HistorySummary {
  version: string;
  kind: "export" | "log";
  stepMs: number;
  writtenMs: number;
  bytes: number;
  columns: number;
  /** Stored cells: one row of one column (all four series and its identity). */
  cells: number;
  metas: number;
  routes: number;
  virtualBuckets: number;
  fromMs: number;
  toMs: number;
  bytesPerCell: number;
  /** Columns per width (`atMs − windowStartMs`), widest first: more than one with tiers. */
  widths: { widthMs: number; columns: number }[];
}

/** Summary of an export file; throws HistoryFormatError like openHistory for a bad one. */
export function inspectHistory(bytes: Uint8Array): HistorySummary {
  const replay = openHistory(bytes);
  let cells = 0;
  const read = readHistory(bytes, { mode: "export", onColumn: (c) => void (cells += c.n) });
  return {
    version: `${getU16(bytes, 8)}.${getU16(bytes, 10)}`,
    kind: read.info.kind === FileKind.Export ? "export" : "log",
    stepMs: read.info.stepMs,
    writtenMs: read.info.writtenMs,
    bytes: bytes.length,
    columns: read.columns,
    cells,
    metas: read.metas.length,
    routes: replay.routes.filter((r) => r.routeId !== null).length,
    virtualBuckets: replay.routes.filter((r) => r.routeId === null).length,
    fromMs: replay.fromMs,
    toMs: replay.toMs,
    bytesPerCell: cells === 0 ? 0 : bytes.length / cells,
    widths: widthsOf(replay.columns),
  };
}

function widthsOf(columns: readonly { atMs: number; windowStartMs: number }[]): { widthMs: number; columns: number }[] {
  const count = new Map<number, number>();
  for (const c of columns) count.set(c.atMs - c.windowStartMs, (count.get(c.atMs - c.windowStartMs) ?? 0) + 1);
  return [...count].map(([widthMs, n]) => ({ widthMs, columns: n })).sort((a, b) => b.widthMs - a.widthMs);
}

/** The last millisecond a JS Date represents (ECMA-262: ±8.64e15); the format allows up to 2^53 − 1. */
export const MAX_DATE_MS = 8.64e15;

/** ISO 8601, or the raw unix ms for a time the format allows but Date cannot show. */
function isoTime(ms: number): string {
  return Math.abs(ms) <= MAX_DATE_MS ? new Date(ms).toISOString() : `${ms} ms (past the last date JS can show)`;
}

/** The summary as lines of text for a terminal. */
export function formatSummary(s: HistorySummary): string {
  const time = (ms: number) => (s.columns === 0 ? "-" : isoTime(ms));
  return [
    `format     .kvz ${s.version} (${s.kind})`,
    `written    ${isoTime(s.writtenMs)}`,
    `step       ${s.stepMs} ms`,
    `span       ${time(s.fromMs)} .. ${time(s.toMs)} (${((s.toMs - s.fromMs) / 1000).toFixed(0)} s)`,
    `columns    ${s.columns}${s.widths.length > 0 ? ` (${s.widths.map((w) => `${w.columns} × ${w.widthMs} ms`).join(", ")})` : ""}`,
    `routes     ${s.routes}${s.virtualBuckets > 0 ? ` (+ ${s.virtualBuckets} virtual buckets)` : ""}`,
    `rows       ${s.metas} distinct row descriptions`,
    `cells      ${s.cells}`,
    `size       ${s.bytes} bytes, ${s.bytesPerCell.toFixed(2)} bytes per stored cell`,
  ].join("\n");
}
