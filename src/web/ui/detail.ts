// What the page says about one cell: shared by the hover tooltip and pinned cards (SPEC §6:
// bucket id, start/end preview, route count, total, route ids; plus time, value and identity).
import { keyLabel } from "../../wire/encoding.js";
import type { DiffGrid } from "../data/diff.js";
import type { Grid } from "../data/grid.js";
import { formatTime, labelStep } from "../render/axes.js";
import { formatCount } from "../../paint/scale.js";

export interface CellDetail {
  title: string;
  pairs: [string, string][];
}

const MAX_IDS = 12;

function timeSpan(times: readonly number[], c: number): string {
  const at = times[c]!;
  const prev = c > 0 ? times[c - 1]! : undefined;
  const step = labelStep(times, c); // 200 ms columns would all read as one second
  const end = formatTime(at, step);
  return prev === undefined ? `… → ${end}` : `${formatTime(prev, step)} → ${end}`;
}

const exact = (v: number): string => (Number.isInteger(v) ? v.toLocaleString("en-US") : v.toFixed(2));

export function describeCell(grid: Grid, r: number, c: number, rowTotal: number, colTotal: number): CellDetail {
  const row = grid.rows[r]!;
  const width = grid.times.length;
  const v = grid.values[r * width + c]!;
  const pairs: [string, string][] = [];
  const diff = "bTimes" in grid ? (grid as DiffGrid) : null;
  if (diff !== null) {
    pairs.push(["A", `${timeSpan(diff.times, c)}  ${exact(diff.a[r * width + c]!)}`]);
    pairs.push(["B", `${timeSpan(diff.bTimes, c)}  ${exact(diff.b[r * width + c]!)}`]);
    pairs.push(["A − B", exact(v)]);
  } else {
    pairs.push(["time (UTC)", timeSpan(grid.times, c)]);
    pairs.push([grid.series, exact(v)]);
  }
  pairs.push(["start", keyLabel(row.start)]);
  pairs.push(["end", row.end === null ? "(unbounded)" : keyLabel(row.end)]);
  if (row.label !== undefined) pairs.push(["label", row.label]);
  pairs.push(["routes", String(row.routeCount)]);
  if (row.routeIds !== undefined && row.routeIds.length > 0) {
    const ids = row.routeIds.slice(0, MAX_IDS).join(", ");
    const more = row.routeCount - Math.min(row.routeIds.length, MAX_IDS);
    pairs.push(["route ids", more > 0 ? `${ids} … (+${more})` : ids]);
  }
  pairs.push(["row total", `${formatCount(rowTotal)} (${exact(rowTotal)})`]);
  pairs.push(["column total", `${formatCount(colTotal)} (${exact(colTotal)})`]);
  const g = row.groups[c] ?? 0;
  const t = row.terms[c] ?? 0;
  if (g !== 0 || t !== 0) pairs.push(["group / term", `${g} / ${t}`]);
  if (grid.conflicts !== null && grid.conflicts[r * width + c] === 1)
    pairs.push(["conflict", "nodes disagreed on this cell (max kept)"]);
  return { title: row.bucketId, pairs };
}

/** Plain text of a detail, for the clipboard. */
export function detailText(d: CellDetail): string {
  return [d.title, ...d.pairs.map(([k, v]) => `${k}: ${v}`)].join("\n");
}
