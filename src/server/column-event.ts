// The `column` event of the live stream: one flushed column, rows non-zero in one series.
import type { Column, Row, Series } from "../types.js";
import { encodeKey } from "../wire/wire.js";

export interface ColumnEventRow {
  bucket_id: string;
  label?: string;
  start: string | null;
  end: string | null;
  value: number;
  aggregate: boolean;
  route_count: number;
  raft_group_id: number;
  leader_term: number;
}

export interface ColumnEvent {
  column_unix_ms: number;
  window_start_unix_ms: number;
  series: Series;
  rows: ColumnEventRow[];
}

const FIELD: Record<Series, "reads" | "writes" | "readBytes" | "writeBytes"> = {
  reads: "reads",
  writes: "writes",
  read_bytes: "readBytes",
  write_bytes: "writeBytes",
};

export function columnEvent(column: Column, series: Series): ColumnEvent {
  const field = FIELD[series];
  const rows: ColumnEventRow[] = [];
  for (const row of column.rows) {
    const value = row[field];
    if (value !== 0) rows.push(eventRow(row, value));
  }
  return { column_unix_ms: column.atMs, window_start_unix_ms: column.windowStartMs, series, rows };
}

function eventRow(row: Row, value: number): ColumnEventRow {
  return {
    bucket_id: row.bucketId,
    ...(row.label !== "" ? { label: row.label } : {}), // omitted when empty, as in the matrix
    start: encodeKey(row.start),
    end: encodeKey(row.end),
    value,
    aggregate: row.aggregate,
    route_count: row.memberRoutesTotal,
    raft_group_id: row.groupId,
    leader_term: row.leaderTerm,
  };
}

/** The SSE frame of a column event; `id` is the column time so a client can tell where it is. */
export function columnFrame(column: Column, series: Series): string {
  return `event: column\nid: ${column.atMs}\ndata: ${JSON.stringify(columnEvent(column, series))}\n\n`;
}
