// Wire format of the matrix API (SPEC §5): the JSON types, the query rules and the key/time
// encodings. Browser-safe: no Buffer, no node: imports; the server and the viewer share it.
import { SERIES, type Series } from "../types.js";

/** Largest row budget a matrix request may ask for; also the default. */
export const MAX_ROWS = 1024;
/** Member route ids listed on an aggregate row; the true count is `route_count`. */
export const MAX_MEMBER_ROUTE_IDS = 256;

/** One row of the heatmap: a key range and its values per column. */
export interface MatrixRow {
  /** `route:<id>[:<label>][#<sub>]`, `virtual:<id>` or (row budget) `merged:<first>..<last>`. */
  bucket_id: string;
  /** Source label; omitted when empty. */
  label?: string;
  /** Standard base64 with padding; `null` = lowest key. */
  start: string | null;
  /** Standard base64 with padding; `null` = unbounded. */
  end: string | null;
  aggregate: boolean;
  /** Member route ids, ascending, capped at 256; aggregate rows only. */
  route_ids?: number[];
  /** Present (and true) only when `route_ids` does not list every member. */
  route_ids_truncated?: true;
  /** True number of member routes (≥ 1). */
  route_count: number;
  /** Parallel to `column_unix_ms`; a quiet cell is 0. */
  values: number[];
  /** OR of `conflicts`; present only when some cell conflicted. */
  conflict?: true;
  /** Parallel to `values`; present only when some cell conflicted. */
  conflicts?: boolean[];
  /** Parallel to `values`: replication group per cell (0 = none/unknown). */
  raft_group_ids: number[];
  /** Parallel to `values`: leader term per cell (0 = not tracked). */
  leader_terms: number[];
}

/** Per-node outcome of a fan-out request; self first, then peers in configured order. */
export interface FanoutStatus {
  nodes: { node: string; ok: boolean; error?: string }[];
  responded: number;
  expected: number;
}

/** The matrix response body. */
export interface Matrix {
  column_unix_ms: number[];
  rows: MatrixRow[];
  series: Series;
  /** RFC 3339, UTC. */
  generated_at: string;
  fanout?: FanoutStatus;
}

/** A parsed matrix query. `fromMs`/`toMs` are absent when unbounded (omitted or 0). */
export interface MatrixQuery {
  series: Series;
  fromMs?: number;
  toMs?: number;
  /** Row budget, always in [1, MAX_ROWS]. */
  rows: number;
}

/** A query rule was broken; `message` is the exact SPEC text, sent as HTTP 400. */
export class QueryError extends Error {
  readonly code = "invalid_query" as const;
  constructor(message: string) {
    super(message);
    this.name = "QueryError";
  }
}

export const SERIES_MESSAGE = "series must be one of: reads, writes, read_bytes, write_bytes";

// Decimal integer with an optional sign, nothing else (no blanks, exponents, fractions, hex).
const INTEGER = /^[+-]?[0-9]+$/;

/**
 * Applies the query rules of SPEC §5. An empty parameter counts as omitted. Time bounds must be
 * safe integers (beyond ±2^53 a millisecond timestamp is meaningless); `rows` accepts any
 * integer and clamps out-of-range values to MAX_ROWS.
 */
export function parseMatrixQuery(params: URLSearchParams): MatrixQuery {
  const query: MatrixQuery = { series: parseSeries(params.get("series")), rows: parseRows(params.get("rows")) };
  const fromMs = parseBound(params.get("from_unix_ms"), "from_unix_ms");
  const toMs = parseBound(params.get("to_unix_ms"), "to_unix_ms");
  if (fromMs !== undefined) query.fromMs = fromMs;
  if (toMs !== undefined) query.toMs = toMs;
  return query;
}

function parseSeries(raw: string | null): Series {
  if (raw === null || raw === "") return "writes";
  if ((SERIES as readonly string[]).includes(raw)) return raw as Series;
  throw new QueryError(SERIES_MESSAGE);
}

function parseBound(raw: string | null, name: "from_unix_ms" | "to_unix_ms"): number | undefined {
  if (raw === null || raw === "") return undefined;
  const value = INTEGER.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value)) throw new QueryError(`${name} must be an integer (unix milliseconds)`);
  return value === 0 ? undefined : value;
}

function parseRows(raw: string | null): number {
  if (raw === null || raw === "") return MAX_ROWS;
  if (!INTEGER.test(raw)) throw new QueryError("rows must be an integer");
  const value = Number(raw); // huge digit strings become large numbers or Infinity: clamped below
  return value <= 0 || value > MAX_ROWS ? MAX_ROWS : value;
}

/** Standard base64 (with padding) of a key; `null` for an empty or absent key. */
export function encodeKey(key: Uint8Array | null): string | null {
  if (key === null || key.length === 0) return null;
  let binary = "";
  const CHUNK = 0x8000; // keeps String.fromCharCode's argument list bounded for long keys
  for (let i = 0; i < key.length; i += CHUNK) {
    binary += String.fromCharCode(...key.subarray(i, i + CHUNK));
  }
  return btoa(binary);
}

/** Inverse of `encodeKey`: `null` (or "") gives `null`. Throws TypeError on invalid base64. */
export function decodeKey(text: string | null): Uint8Array | null {
  if (text === null || text === "") return null;
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    throw new TypeError(`key is not valid base64: ${JSON.stringify(text.slice(0, 64))}`);
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** RFC 3339 UTC timestamp with milliseconds, e.g. `2026-11-25T18:40:17.123Z`. */
export function rfc3339(ms: number): string {
  if (!Number.isFinite(ms)) throw new RangeError(`ms must be a finite number, got ${ms}`);
  return new Date(ms).toISOString();
}

/** The identity part of a row, before the omission rules are applied. */
export interface RowHead {
  bucket_id: string;
  label?: string;
  start: string | null;
  end: string | null;
  aggregate: boolean;
  route_ids?: readonly number[];
  route_ids_truncated?: boolean;
  route_count: number;
}

/**
 * Assembles a wire row in field order, applying the omission rules of SPEC §5: `label` only when
 * non-empty, `route_ids` only on aggregate rows, `route_ids_truncated` only when true,
 * `conflict`/`conflicts` only when some cell conflicted.
 */
export function makeRow(
  head: RowHead,
  values: number[],
  groups: number[],
  terms: number[],
  conflicts?: readonly boolean[],
): MatrixRow {
  const out: Partial<MatrixRow> = { bucket_id: head.bucket_id }; // keys are added in wire order
  if (head.label) out.label = head.label;
  out.start = head.start;
  out.end = head.end;
  out.aggregate = head.aggregate;
  if (head.aggregate && head.route_ids !== undefined) {
    out.route_ids = [...head.route_ids];
    if (head.route_ids_truncated) out.route_ids_truncated = true;
  }
  out.route_count = head.route_count;
  out.values = values;
  if (conflicts !== undefined && conflicts.some(Boolean)) {
    out.conflict = true;
    out.conflicts = [...conflicts];
  }
  out.raft_group_ids = groups;
  out.leader_terms = terms;
  return out as MatrixRow;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function isNumberArray(x: unknown, length: number): boolean {
  if (!Array.isArray(x) || x.length !== length) return false;
  for (let i = 0; i < length; i++) {
    const v: unknown = x[i];
    if (typeof v !== "number" || !Number.isFinite(v)) return false;
  }
  return true;
}

/**
 * Checks that `value` is a well-formed matrix (e.g. a peer's response body before merging):
 * field types, keys as base64 or null, and every per-cell array parallel to `column_unix_ms`.
 * Throws TypeError naming the first problem (`what` prefixes the message).
 */
export function validateMatrix(value: unknown, what = "matrix"): asserts value is Matrix {
  const fail = (problem: string): never => {
    throw new TypeError(`${what}: ${problem}`);
  };
  if (typeof value !== "object" || value === null) fail("not an object");
  const m = value as Partial<Matrix>;
  if (!(SERIES as readonly unknown[]).includes(m.series)) fail(`series must be one of ${SERIES.join(", ")}`);
  if (!Array.isArray(m.column_unix_ms) || !m.column_unix_ms.every((t) => Number.isFinite(t))) fail("column_unix_ms must be an array of numbers");
  if (!Array.isArray(m.rows)) fail("rows must be an array");
  const width = m.column_unix_ms!.length;
  m.rows!.forEach((row, i) => {
    const at = `rows[${i}]`;
    if (typeof row !== "object" || row === null || typeof row.bucket_id !== "string") fail(`${at}.bucket_id must be a string`);
    for (const key of ["start", "end"] as const) {
      const k = row[key];
      if (k !== null && (typeof k !== "string" || !BASE64.test(k))) fail(`${at}.${key} must be base64 or null`);
    }
    if (!isNumberArray(row.values, width)) fail(`${at}.values must be ${width} numbers (parallel to column_unix_ms)`);
    if (!isNumberArray(row.raft_group_ids, width)) fail(`${at}.raft_group_ids must be ${width} numbers`);
    if (!isNumberArray(row.leader_terms, width)) fail(`${at}.leader_terms must be ${width} numbers`);
    if (row.conflicts !== undefined && (!Array.isArray(row.conflicts) || row.conflicts.length !== width)) {
      fail(`${at}.conflicts must be ${width} booleans`);
    }
    if (row.route_ids !== undefined && !isNumberArray(row.route_ids, row.route_ids.length)) fail(`${at}.route_ids must be numbers`);
    if (typeof row.route_count !== "number") fail(`${at}.route_count must be a number`);
  });
}
