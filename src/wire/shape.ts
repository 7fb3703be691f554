// Structural checks on peer answers. A peer may run another version or be something else
// entirely; a body that does not look like the expected wire object is a failed node, never an
// exception inside the merge.
import type { Matrix } from "./wire.js";
import type { HotKeysResponse } from "../hotkeys/response.js";

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isNumberArray(v: unknown, length: number): boolean {
  return Array.isArray(v) && v.length === length && v.every((x) => typeof x === "number" && Number.isFinite(x));
}

function isKeyText(v: unknown): boolean {
  return v === null || typeof v === "string";
}

/** Why `body` is not a matrix of `series`, or `null` when it is one. */
export function matrixShapeProblem(body: unknown, series: string): string | null {
  if (!isObject(body)) return "response is not a JSON object";
  if (body.series !== series) return `response series is ${JSON.stringify(body.series)}, expected ${series}`;
  const columns = body.column_unix_ms;
  if (!Array.isArray(columns) || !columns.every((c) => typeof c === "number" && Number.isFinite(c))) {
    return "column_unix_ms is not an array of numbers";
  }
  if (!Array.isArray(body.rows)) return "rows is not an array";
  for (const row of body.rows as unknown[]) {
    if (
      !isObject(row) ||
      typeof row.bucket_id !== "string" ||
      !isKeyText(row.start) ||
      !isKeyText(row.end) ||
      typeof row.aggregate !== "boolean" ||
      typeof row.route_count !== "number" ||
      !isNumberArray(row.values, columns.length) ||
      !isNumberArray(row.raft_group_ids, columns.length) ||
      !isNumberArray(row.leader_terms, columns.length)
    ) {
      return "a row does not match the matrix wire format";
    }
  }
  return null;
}

/** Narrowing form of `matrixShapeProblem`. */
export function isMatrix(body: unknown, series: string): body is Matrix {
  return matrixShapeProblem(body, series) === null;
}

/** Why `body` is not a hot-keys response, or `null` when it is one. */
export function hotKeysShapeProblem(body: unknown): string | null {
  if (!isObject(body)) return "response is not a JSON object";
  if (!Array.isArray(body.keys)) return "keys is not an array";
  for (const k of body.keys as unknown[]) {
    if (!isObject(k) || typeof k.key_b64 !== "string" || typeof k.count !== "number") return "a key does not match the hot-keys wire format";
  }
  for (const field of ["route_id", "sample_rate", "sampled_n", "dropped_samples", "skipped_long_keys", "error_bound"]) {
    if (typeof body[field] !== "number") return `${field} is not a number`;
  }
  if (typeof body.snapshot_at !== "string") return "snapshot_at is not a string";
  return null;
}

export function isHotKeysResponse(body: unknown): body is HotKeysResponse {
  return hotKeysShapeProblem(body) === null;
}
