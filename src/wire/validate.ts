// The one validator for everything that arrives from the network: peer matrices (SPEC §5) and
// peer hot-keys answers (SPEC §7). A peer may run another version, be a Go node, or be broken or
// hostile; whatever it sends is checked here completely before any of it is merged, so a bad
// peer becomes a failed node in the `fanout` block and never an exception inside the merge.
//
// What "valid" means (the wire types of the reference, read as JSON):
// - counts (values, ids, terms, hot-key counts, sampled/dropped/skipped) are integers in
//   [0, 2^64]: the reference sends them as unsigned 64-bit integers, so a fraction, a negative
//   number or 1e999 (parsed as Infinity) is a broken peer;
// - column times are safe integers (unix milliseconds);
// - keys are standard base64 with padding (or null for an open bound), so they decode;
// - a hot-keys answer lists each key once and at most 1024 keys (`top`'s limit);
// - every per-cell array is parallel to `column_unix_ms`, except that `raft_group_ids` and
//   `leader_terms` may be absent or short: older nodes omit them, and a missing cell means
//   identity unknown (0), which the §5.1 merge handles (issue 9 item 2).
import { MAX_TOP, type HotKeysResponse } from "../hotkeys/response.js";
import { SERIES, type Series } from "../types.js";
import { isBase64Key } from "./encoding.js";
import { MAX_MATRIX_COLUMNS, type IncomingMatrix } from "./types.js";
import { runSteps, type Steps } from "../steps.js";
import { asCountCells, CELL_FIELDS, isCountCells } from "./count-cells.js";

const U64_LIMIT = 2 ** 64;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** An unsigned 64-bit count as JSON carries it. */
export function isCount(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= U64_LIMIT;
}

function isKeyOrNull(v: unknown): boolean {
  return v === null || (typeof v === "string" && isBase64Key(v));
}

/**
 * Frozen arrays already found to hold only counts. A frozen array cannot change, so one check
 * holds forever; the matrix builder shares one frozen identity array among every row with the
 * same group id or term (toWireMatrix), so a merge of local matrices checks each once instead
 * of once per row (two of the three per-cell arrays of most rows).
 */
const frozenCounts = new WeakSet<readonly unknown[]>();

/** Index of the first element of `a` failing `ok`, -1 when all pass. */
function firstBad(a: readonly unknown[], ok: (v: unknown) => boolean): number {
  if (ok === isCount) {
    if (!Object.isFrozen(a)) return firstBadCount(a);
    if (frozenCounts.has(a)) return -1;
    const bad = firstBadFrozenCount(a);
    if (bad < 0) frozenCounts.add(a);
    return bad;
  }
  for (let i = 0; i < a.length; i++) if (!ok(a[i])) return i;
  return -1;
}

/**
 * `firstBad(a, isCount)` with the test inline: per-cell arrays hold millions of counts per
 * matrix, and a call through the `ok` parameter (several functions reach it) is not inlined.
 */
function firstBadCount(a: readonly unknown[]): number {
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (typeof v !== "number" || !(v >= 0 && v <= U64_LIMIT && Math.floor(v) === v)) return i;
  }
  return -1;
}

/**
 * `firstBadCount` for frozen arrays, as its own copy: frozen arrays have their own elements
 * kinds, and reading them through the same loop made that loop's element loads polymorphic for
 * every array (~6 ns per element instead of ~1.6 for the plain arrays of a matrix).
 */
function firstBadFrozenCount(a: readonly unknown[]): number {
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (typeof v !== "number" || !(v >= 0 && v <= U64_LIMIT && Math.floor(v) === v)) return i;
  }
  return -1;
}

/** `a` as count cells (count-cells.ts) when it is an array of counts; otherwise undefined. */
export function toCountCells(a: unknown): Float64Array | undefined {
  return Array.isArray(a) && firstBad(a, isCount) < 0 ? asCountCells(Float64Array.from(a as number[])) : undefined;
}

/**
 * A parsed matrix row with its count arrays replaced by count cells (in place). Anything that is
 * not an object, and any array that is not all counts, is left as it is for `matrixProblem`.
 */
export function withCountCells(row: unknown): unknown {
  if (!isObject(row)) return row;
  for (const field of CELL_FIELDS) {
    const cells = Object.hasOwn(row, field) ? toCountCells(row[field]) : undefined;
    if (cells !== undefined) row[field] = cells;
  }
  return row;
}

/**
 * Why `v` is not an array of `length` (exactly, or at most) items passing `ok` (null: any items);
 * `item` describes one.
 */
function arrayProblem(
  v: unknown,
  at: string,
  item: string,
  ok: ((x: unknown) => boolean) | null,
  length?: number,
  upTo = false,
): string | null {
  const counted = isCountCells(v); // a decoded peer's counts, checked as they were parsed
  if (!Array.isArray(v) && !(counted && (ok === isCount || ok === null))) return `${at} must be an array`;
  if (length !== undefined && (upTo ? v.length > length : v.length !== length)) {
    return `${at} must have ${upTo ? "at most " : ""}${length} items (parallel to column_unix_ms), got ${v.length}`;
  }
  if (ok === null || counted) return null;
  const i = firstBad(v as unknown[], ok);
  return i < 0 ? null : `${at}[${i}] must be ${item}`;
}

const isBoolean = (v: unknown): boolean => typeof v === "boolean";
const isColumnTime = (v: unknown): boolean => typeof v === "number" && Number.isSafeInteger(v);

/**
 * Why `value` is not a matrix (of `series`, when given), or `null` when it is one that
 * `mergeMatrices` can take. The message names the first problem, e.g. `rows[2].start is not
 * standard base64`.
 */
export function matrixProblem(value: unknown, series?: Series): string | null {
  return runSteps(matrixProblemSteps(value, series));
}

/**
 * `matrixProblem` without looking at the elements of `values`, `raft_group_ids` and
 * `leader_terms` (their lengths are checked): for the merge, which checks those millions of
 * numbers while it copies them.
 */
export function matrixShapeProblem(value: unknown): string | null {
  return runSteps(matrixProblemSteps(value, undefined, false));
}

/**
 * `matrixProblem` as steps that yield after each row (for checking a big peer answer in time
 * slices); `cells` false skips the per-cell count elements (see `matrixShapeProblem`).
 */
export function* matrixProblemSteps(value: unknown, series?: Series, cells = true): Steps<string | null> {
  if (!isObject(value)) return "response is not a JSON object";
  if (!(SERIES as readonly unknown[]).includes(value.series)) return `series must be one of ${SERIES.join(", ")}`;
  if (series !== undefined && value.series !== series)
    return `response series is ${JSON.stringify(value.series)}, expected ${series}`;
  if (Array.isArray(value.column_unix_ms) && value.column_unix_ms.length > MAX_MATRIX_COLUMNS)
    return `column_unix_ms has ${value.column_unix_ms.length} columns, more than a node holds (${MAX_MATRIX_COLUMNS})`;
  const columns = arrayProblem(value.column_unix_ms, "column_unix_ms", "an integer (unix milliseconds)", isColumnTime);
  if (columns !== null) return columns;
  if (typeof value.generated_at !== "string") return "generated_at must be a string";
  if (!Array.isArray(value.rows)) return "rows must be an array";
  const width = (value.column_unix_ms as unknown[]).length;
  for (let i = 0; i < value.rows.length; i++) {
    const problem = rowProblem(value.rows[i], `rows[${i}]`, width, cells ? isCount : null);
    if (problem !== null) return problem;
    yield;
  }
  return null;
}

/** `counts`: the element check of the per-cell count arrays, or null to check only their lengths. */
function rowProblem(row: unknown, at: string, width: number, counts: ((v: unknown) => boolean) | null): string | null {
  if (!isObject(row)) return `${at} is not an object`;
  if (typeof row.bucket_id !== "string" || row.bucket_id === "") return `${at}.bucket_id must be a non-empty string`;
  if (row.label !== undefined && typeof row.label !== "string") return `${at}.label must be a string`;
  if (!isKeyOrNull(row.start)) return `${at}.start is not standard base64 or null`;
  if (!isKeyOrNull(row.end)) return `${at}.end is not standard base64 or null`;
  if (typeof row.aggregate !== "boolean") return `${at}.aggregate must be a boolean`;
  if (row.route_ids !== undefined) {
    const p = arrayProblem(row.route_ids, `${at}.route_ids`, "a route id (unsigned integer)", isCount);
    if (p !== null) return p;
  }
  if (row.route_ids_truncated !== undefined && typeof row.route_ids_truncated !== "boolean")
    return `${at}.route_ids_truncated must be a boolean`;
  if (!isCount(row.route_count) || row.route_count < 1) return `${at}.route_count must be an integer ≥ 1`;
  return (
    arrayProblem(row.values, `${at}.values`, "a count (unsigned integer)", counts, width) ??
    optionalArray(row.raft_group_ids, `${at}.raft_group_ids`, "a group id (unsigned integer)", counts, width, true) ??
    optionalArray(row.leader_terms, `${at}.leader_terms`, "a term (unsigned integer)", counts, width, true) ??
    optionalArray(row.conflicts, `${at}.conflicts`, "a boolean", isBoolean, width, false) ??
    (row.conflict !== undefined && typeof row.conflict !== "boolean" ? `${at}.conflict must be a boolean` : null)
  );
}

function optionalArray(
  v: unknown,
  at: string,
  item: string,
  ok: ((x: unknown) => boolean) | null,
  width: number,
  upTo: boolean,
): string | null {
  return v === undefined ? null : arrayProblem(v, at, item, ok, width, upTo);
}

/**
 * Throws TypeError (`what: problem`) unless `value` is a matrix `mergeMatrices` can take;
 * see `matrixProblem`.
 */
export function validateMatrix(value: unknown, what = "matrix", series?: Series): asserts value is IncomingMatrix {
  const problem = matrixProblem(value, series);
  if (problem !== null) throw new TypeError(`${what}: ${problem}`);
}

const HOT_KEYS_COUNTS = ["route_id", "sample_rate", "sampled_n", "dropped_samples", "skipped_long_keys"] as const;

/** Why `value` is not a hot-keys answer (SPEC §7), or `null` when it is one `mergeHotKeys` can take. */
export function hotKeysProblem(value: unknown): string | null {
  if (!isObject(value)) return "response is not a JSON object";
  if (value.series !== "writes") return 'series must be "writes"';
  if (value.label !== undefined && typeof value.label !== "string") return "label must be a string";
  if (value.sub_bucket !== undefined && !isCount(value.sub_bucket)) return "sub_bucket must be an unsigned integer";
  for (const field of HOT_KEYS_COUNTS) if (!isCount(value[field])) return `${field} must be an unsigned integer`;
  // Older keyviz nodes sent a fractional error_bound (R × N / m without the floor): still a bound.
  const bound = value.error_bound;
  if (typeof bound !== "number" || !Number.isFinite(bound) || bound < 0 || bound > U64_LIMIT)
    return "error_bound must be a non-negative number";
  if (typeof value.degraded !== "boolean") return "degraded must be a boolean";
  if (typeof value.snapshot_at !== "string" || Number.isNaN(Date.parse(value.snapshot_at)))
    return "snapshot_at must be an RFC 3339 time";
  return keysProblem(value.keys);
}

/**
 * Why `keys` is not a hot-keys list: besides each entry's shape, no node sends more than `top`'s
 * limit, nor one key twice (the merge adds counts per key, so a repeat would inflate it).
 */
function keysProblem(keys: unknown): string | null {
  if (!Array.isArray(keys)) return "keys must be an array";
  if (keys.length > MAX_TOP) return `keys has ${keys.length} entries, more than a node sends (${MAX_TOP})`;
  const firstAt = new Map<string, number>();
  for (let i = 0; i < keys.length; i++) {
    const k: unknown = keys[i];
    if (!isObject(k)) return `keys[${i}] is not an object`;
    if (typeof k.key_b64 !== "string" || !isBase64Key(k.key_b64)) return `keys[${i}].key_b64 is not standard base64`;
    if (!isCount(k.count)) return `keys[${i}].count must be an unsigned integer`;
    const earlier = firstAt.get(k.key_b64);
    if (earlier !== undefined) return `keys[${i}].key_b64 repeats keys[${earlier}]`;
    firstAt.set(k.key_b64, i);
  }
  return null;
}

/** Throws TypeError (`what: problem`) unless `value` is a hot-keys answer; see `hotKeysProblem`. */
export function validateHotKeys(value: unknown, what = "hot keys"): asserts value is HotKeysResponse {
  const problem = hotKeysProblem(value);
  if (problem !== null) throw new TypeError(`${what}: ${problem}`);
}
