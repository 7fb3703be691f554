// Renders a matrix (SPEC §5 wire object) as a terminal heatmap: one line per row, one character
// per column, darker = busier. Used by the demo and handy in logs; no colour codes, so it reads
// the same in any terminal or file.

import { keyLabel } from "../wire/encoding.js";
import type { Matrix } from "../wire/wire.js";
import { checkInteger } from "../validate.js";

const SHADES = " .:-=+*#%@";

export interface AsciiOptions {
  /** Columns to show, newest last (default 60; 1 … 100 000, the most a history holds). */
  width?: number;
  /** Characters of the key label (default 14; 0 … 1 024). */
  labelWidth?: number;
}

export function asciiHeatmap(m: Matrix, opts: AsciiOptions = {}): string {
  if (typeof m !== "object" || m === null || !Array.isArray(m.rows) || !Array.isArray(m.column_unix_ms))
    throw new TypeError("asciiHeatmap needs a matrix (an object with rows and column_unix_ms)");
  if (typeof opts !== "object" || opts === null) throw new TypeError("asciiHeatmap options must be an object");
  const width = sizeOption("width", opts.width, 60, 1, 100_000);
  const labelWidth = sizeOption("labelWidth", opts.labelWidth, 14, 0, 1024);
  const from = Math.max(0, m.column_unix_ms.length - width);
  let max = 0;
  for (const row of m.rows) for (let j = from; j < row.values.length; j++) max = Math.max(max, row.values[j]!);
  const lines = m.rows.map((row) => {
    let cells = "";
    let total = 0;
    for (let j = from; j < row.values.length; j++) {
      const v = row.values[j]!;
      total += v;
      cells += v === 0 ? " " : SHADES[Math.max(1, Math.ceil((v / max) * (SHADES.length - 1)))];
    }
    return `${keyLabel(row.start).padEnd(labelWidth).slice(0, labelWidth)} |${cells.padEnd(Math.min(width, m.column_unix_ms.length))}| ${total}`;
  });
  const header = `${m.series}: ${m.rows.length} rows × ${m.column_unix_ms.length} columns, max cell ${max}`;
  return [header, ...lines].join("\n");
}

/** A character count: an integer in [min, max] (a huge label width would build gigabyte lines). */
function sizeOption(name: string, v: unknown, fallback: number, min: number, max: number): number {
  if (v === undefined) return fallback;
  checkInteger(name, v);
  if (v < min || v > max) throw new RangeError(`${name} must be in ${min}..${max}, got ${v}`);
  return v;
}
