// Query rules of the matrix API (SPEC §5) and the decimal integer grammar every keyviz query
// shares. Integers follow the Go reference (`strconv.ParseInt`/`ParseUint`, base 10): optional
// sign (signed only), digits only, and the value must fit in 64 bits; anything else is the
// parameter's "must be an integer" message. An empty parameter counts as omitted and the first
// of repeated parameters wins (URLSearchParams.get).
import { QueryError } from "../errors.js";
import { SERIES, type Series } from "../types.js";
import { MAX_ROWS, type MatrixQuery } from "./types.js";
import { U64_MAX } from "../keys/window.js";

export const SERIES_MESSAGE = "series must be one of: reads, writes, read_bytes, write_bytes";

const SIGNED = /^[+-]?[0-9]+$/;
const UNSIGNED = /^[0-9]+$/;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

/** A signed 64-bit decimal integer, or `undefined` when `text` is not one. */
export function parseInt64(text: string): bigint | undefined {
  if (!SIGNED.test(text)) return undefined;
  const v = BigInt(text);
  return v < INT64_MIN || v > INT64_MAX ? undefined : v;
}

/** An unsigned 64-bit decimal integer (no sign), or `undefined` when `text` is not one. */
export function parseUint64(text: string): bigint | undefined {
  if (!UNSIGNED.test(text)) return undefined;
  const v = BigInt(text);
  return v > U64_MAX ? undefined : v;
}

/**
 * A signed 64-bit value as a JS number, clamped to the safe range: a millisecond timestamp
 * beyond ±2^53 (285 000 years) selects the same columns as the clamped one, so clamping keeps
 * the reference's answer while staying exact in a double.
 */
export function clampToSafe(v: bigint): number {
  const max = BigInt(Number.MAX_SAFE_INTEGER);
  return Number(v > max ? max : v < -max ? -max : v);
}

/** Applies the query rules of SPEC §5. Throws QueryError (400 `invalid_query`) with the exact SPEC text. */
export function parseMatrixQuery(params: URLSearchParams): MatrixQuery {
  const query: MatrixQuery = { series: parseSeries(params.get("series")), rows: parseRows(params.get("rows")) };
  const fromMs = parseTimeBound(params, "from_unix_ms");
  const toMs = parseTimeBound(params, "to_unix_ms");
  if (fromMs !== undefined) query.fromMs = fromMs;
  if (toMs !== undefined) query.toMs = toMs;
  return query;
}

function parseSeries(raw: string | null): Series {
  if (raw === null || raw === "") return "writes";
  if ((SERIES as readonly string[]).includes(raw)) return raw as Series;
  throw new QueryError(SERIES_MESSAGE);
}

/** `from_unix_ms`/`to_unix_ms`: omitted, empty or 0 = unbounded (`undefined`). */
export function parseTimeBound(params: URLSearchParams, name: "from_unix_ms" | "to_unix_ms"): number | undefined {
  const raw = params.get(name);
  if (raw === null || raw === "") return undefined;
  const v = parseInt64(raw);
  if (v === undefined) throw new QueryError(`${name} must be an integer (unix milliseconds)`);
  return v === 0n ? undefined : clampToSafe(v);
}

/** `rows`: a signed 64-bit integer; omitted, ≤ 0 or > 1024 → 1024. */
function parseRows(raw: string | null): number {
  if (raw === null || raw === "") return MAX_ROWS;
  const v = parseInt64(raw);
  if (v === undefined) throw new QueryError("rows must be an integer");
  return v <= 0n || v > BigInt(MAX_ROWS) ? MAX_ROWS : Number(v);
}
