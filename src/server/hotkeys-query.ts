// Query rules of `GET /admin/api/v1/keyviz/hotkeys` (SPEC §7). Like the matrix query, an empty
// parameter counts as omitted and the first of repeated parameters wins.
import { DEFAULT_TOP, MAX_TOP } from "../hotkeys/response.js";

export interface HotKeysQuery {
  routeId: number;
  label?: string;
  subBucket?: number;
  top: number;
}

/** A 400 `invalid_query` answer: `message` is sent to the client as is. */
export class HotKeysQueryError extends Error {
  readonly code = "invalid_query";
}

const INTEGER = /^[+-]?\d+$/;

export function parseHotKeysQuery(params: URLSearchParams): HotKeysQuery {
  const routeId = nonNegativeInteger(params, "route_id");
  if (routeId === undefined) throw new HotKeysQueryError("route_id is required");

  const series = params.get("series") ?? "";
  if (series !== "" && series !== "writes") throw new HotKeysQueryError("series must be writes (hot keys track writes only)");

  const query: HotKeysQuery = { routeId, top: parseTop(params.get("top") ?? "") };
  const label = params.get("label") ?? "";
  if (label.includes(":")) throw new HotKeysQueryError("label must not contain ':'");
  if (label !== "") query.label = label;
  const subBucket = nonNegativeInteger(params, "sub_bucket");
  if (subBucket !== undefined) query.subBucket = subBucket;
  return query;
}

function nonNegativeInteger(params: URLSearchParams, name: string): number | undefined {
  const text = params.get(name) ?? "";
  if (text === "") return undefined;
  const value = INTEGER.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < 0) throw new HotKeysQueryError(`${name} must be a non-negative integer`);
  return value === 0 ? 0 : value; // normalises "-0"
}

/** Omitted → 20; above 1024 → 1024 (clamped like the matrix row budget); below 1 → error. */
function parseTop(text: string): number {
  if (text === "") return DEFAULT_TOP;
  if (!INTEGER.test(text)) throw new HotKeysQueryError("top must be an integer");
  const top = Number(text);
  if (top < 1) throw new HotKeysQueryError(`top must be between 1 and ${MAX_TOP}`);
  return top > MAX_TOP ? MAX_TOP : top;
}
