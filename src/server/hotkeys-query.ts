// Query rules of `GET /admin/api/v1/keyviz/hotkeys` (SPEC §7), with the Go reference's checks,
// order and messages (route_id, sub_bucket, series, top, time window), plus `bucket_id`, ours:
// the hot-keys answer for a row as the matrix names it, including `merged:` rows. Like the
// matrix query, an empty parameter counts as omitted and the first of repeated parameters wins.
import { QueryError } from "../errors.js";
import { DEFAULT_TOP, MAX_TOP } from "../hotkeys/response.js";
import { parseInt64, parseTimeBound, parseUint64 } from "../wire/query.js";
import { parseRouteBucketId } from "../wire/bucket-id.js";

export interface HotKeysParams {
  /** The route; `null` when above 2^53 (valid on the wire, but no keyviz route can have it). */
  routeId: number | null;
  /** The route id as asked, exact at any size (for messages and peers). */
  routeIdText: string;
  label?: string;
  subBucket?: number;
  top: number;
  fromMs?: number;
  toMs?: number;
  /** Set when `bucket_id` named an aggregate row (`merged:` or `virtual:`): it has no hot keys of its own. */
  aggregate?: string;
}

export const SERIES_WRITES_ONLY = "series: v1 supports only 'writes' (design §5)";

export function parseHotKeysQuery(params: URLSearchParams): HotKeysParams {
  const get = (name: string): string => params.get(name) ?? "";
  const out = target(get("route_id"), get("bucket_id"), get("label"), get("sub_bucket"));
  const series = get("series");
  if (series !== "" && series !== "writes") throw new QueryError(SERIES_WRITES_ONLY);
  out.top = parseTop(get("top"));
  const fromMs = parseTimeBound(params, "from_unix_ms");
  const toMs = parseTimeBound(params, "to_unix_ms");
  if (fromMs !== undefined && toMs !== undefined && fromMs > toMs)
    throw new QueryError("from_unix_ms must be <= to_unix_ms");
  if (fromMs !== undefined) out.fromMs = fromMs;
  if (toMs !== undefined) out.toMs = toMs;
  return out;
}

/** The row asked for: `route_id` (+ `label`, `sub_bucket`), or one `bucket_id`. */
function target(routeText: string, bucketId: string, label: string, subText: string): HotKeysParams {
  if (bucketId !== "") {
    if (routeText !== "" || label !== "" || subText !== "") {
      throw new QueryError(
        "bucket_id names the row on its own: give either bucket_id or route_id (with label, sub_bucket)",
      );
    }
    return fromBucketId(bucketId);
  }
  if (routeText === "") throw new QueryError("route_id is required");
  const out = routeTarget(routeText);
  if (label !== "") out.label = label;
  if (subText !== "") out.subBucket = parseSubBucket(subText);
  return out;
}

function routeTarget(text: string): HotKeysParams {
  const id = parseUint64(text);
  if (id === undefined) throw new QueryError("route_id must be an unsigned 64-bit integer");
  return {
    routeId: id > BigInt(Number.MAX_SAFE_INTEGER) ? null : Number(id),
    routeIdText: id.toString(),
    top: DEFAULT_TOP,
  };
}

/** `sub_bucket`: a non-negative signed 64-bit integer (larger than any route's count is out of range later). */
function parseSubBucket(text: string): number {
  const v = parseInt64(text);
  if (v === undefined || v < 0n) throw new QueryError("sub_bucket must be a non-negative integer");
  return Number(v);
}

function fromBucketId(bucketId: string): HotKeysParams {
  if (bucketId.startsWith("merged:") || bucketId.startsWith("virtual:")) {
    return { routeId: null, routeIdText: "", top: DEFAULT_TOP, aggregate: bucketId };
  }
  const parts = parseRouteBucketId(bucketId);
  if (parts === null) throw new QueryError("bucket_id must be route:<id>[:<label>][#<sub>], merged:… or virtual:…");
  const out = routeTarget(parts.routeId);
  if (parts.label !== undefined) out.label = parts.label;
  if (parts.sub !== undefined) out.subBucket = parseSubBucket(parts.sub);
  return out;
}

/** Omitted → 20; above 1024 → 1024 (then the sketch capacity, by the sampler); ≤ 0 or not an integer → error. */
function parseTop(text: string): number {
  if (text === "") return DEFAULT_TOP;
  const v = parseInt64(text);
  if (v === undefined || v <= 0n) throw new QueryError("top must be a positive integer");
  return v > BigInt(MAX_TOP) ? MAX_TOP : Number(v);
}

/** The query for peers: the row as route_id/label/sub_bucket (what every node, Go included, reads). */
export function peerQuery(original: URLSearchParams, q: HotKeysParams, top: number): URLSearchParams {
  const out = new URLSearchParams(original);
  out.delete("bucket_id");
  out.set("route_id", q.routeIdText);
  if (q.label !== undefined) out.set("label", q.label);
  if (q.subBucket !== undefined) out.set("sub_bucket", String(q.subBucket));
  out.set("top", String(top));
  return out;
}
