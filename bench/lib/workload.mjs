// Key space shared by every benchmark: keys of 18–24 bytes that share a long prefix, as in a
// real table (`acct/0042/` + a big-endian route index + a big-endian offset + 0–6 suffix bytes).
// Route i covers offsets [0, 2^32) after its index, so routes have real ranges and keys spread
// over a route's sub-buckets.
import { below, rng } from "./random.mjs";

const PREFIX = new TextEncoder().encode("acct/0042/");
/** Inputs are cycled from pre-built arrays of this many entries (a power of two). */
export const INPUTS = 65_536;
export const INPUT_MASK = INPUTS - 1;

/** The key `prefix | be32(route) | be32(offset) | suffix`. */
export function routeKey(route, offset, suffix = EMPTY) {
  const k = new Uint8Array(PREFIX.length + 8 + suffix.length);
  k.set(PREFIX, 0);
  const v = new DataView(k.buffer);
  v.setUint32(PREFIX.length, route);
  v.setUint32(PREFIX.length + 4, offset >>> 0);
  k.set(suffix, PREFIX.length + 8);
  return k;
}

/** Start key of route i (offset 0). */
export function routeStart(i) {
  return routeKey(i, 0);
}

/** `n` routes with finite ranges [start(i), start(i + 1)), ids 0..n−1, `groups` groups. */
export function boundedRoutes(n, groups = 1) {
  return Array.from({ length: n }, (_, i) => ({
    routeId: i,
    start: routeStart(i),
    end: routeStart(i + 1),
    groupId: 1 + (i % groups),
  }));
}

/** `n` routes covering the whole key space (first start null, last end null), ids 0..n−1. */
export function coveringRoutes(n, groups = 1) {
  return boundedRoutes(n, groups).map((r, i) => ({
    ...r,
    start: i === 0 ? null : r.start,
    end: i === n - 1 ? null : r.end,
  }));
}

/**
 * INPUTS random keys over `routes` routes (uniform), with the route index of each.
 *
 * `layout` says where the key bytes live. "packed" (default): back to back in 64 KiB buffers,
 * each key a `subarray` of one, the way a server sees keys it parsed out of request bodies read
 * from a socket (a few large buffers, and the key just parsed is in cache). "scattered": one
 * separate array per key whose bytes were moved off-heap (`routeKey` touches `k.buffer`), so
 * nearly every key read is a cache miss on key data: the layout of the issue-14 figures before
 * 2026-11-30 23:30, kept as `observeKey-k16-scattered` to show what the layout alone costs.
 */
export function randomKeys(routes, seed = 7, layout = "packed") {
  const random = rng(seed);
  const keys = new Array(INPUTS);
  const routeOf = new Int32Array(INPUTS);
  for (let i = 0; i < INPUTS; i++) {
    const r = below(random, routes);
    const suffix = Uint8Array.from({ length: below(random, 7) }, () => below(random, 256));
    keys[i] = routeKey(r, below(random, 2 ** 32), suffix);
    routeOf[i] = r;
  }
  return { keys: layout === "packed" ? packKeys(keys) : keys, routeOf };
}

const REQUEST_BUFFER_BYTES = 64 * 1024;

/** The same keys as subarrays of 64 KiB buffers, back to back in input order. */
function packKeys(keys) {
  const out = new Array(keys.length);
  let buffer = new Uint8Array(REQUEST_BUFFER_BYTES);
  let used = 0;
  keys.forEach((k, i) => {
    if (used + k.length > buffer.length) {
      buffer = new Uint8Array(REQUEST_BUFFER_BYTES);
      used = 0;
    }
    buffer.set(k, used);
    out[i] = buffer.subarray(used, used + k.length);
    used += k.length;
  });
  return out;
}

/** A key of route `route` that lands in sub-bucket `sub` of `k` (offsets split evenly). */
export function subBucketKey(route, sub, k, random) {
  const width = 2 ** 32 / k;
  return routeKey(route, Math.floor(sub * width + random() * width));
}

/**
 * The numeric inputs of a mixed observe workload: route ids, ops (half reads, half writes),
 * key lengths (18–24) and value lengths (0 for reads, 0–255 for writes).
 */
export function observeInputs(routes, seed = 11) {
  const random = rng(seed);
  const routeIds = new Int32Array(INPUTS);
  const ops = new Uint8Array(INPUTS);
  const keyLens = new Int32Array(INPUTS);
  const valueLens = new Int32Array(INPUTS);
  for (let i = 0; i < INPUTS; i++) {
    routeIds[i] = below(random, routes);
    ops[i] = random() < 0.5 ? 0 : 1;
    keyLens[i] = 18 + below(random, 7);
    valueLens[i] = ops[i] === 1 ? below(random, 256) : 0;
  }
  return { routeIds, ops, keyLens, valueLens };
}

const EMPTY = new Uint8Array(0);

/**
 * INPUTS draws, Zipf(1.1), from `distinct` keys spread over `routes` routes (the hot-keys
 * workload: a few keys take most writes), with the route index of each draw.
 */
export function zipfKeys(routes, distinct = 10_000, seed = 12345) {
  const random = rng(seed);
  const pool = Array.from({ length: distinct }, () => {
    const r = below(random, routes);
    return { key: routeKey(r, below(random, 2 ** 32)), route: r };
  });
  const cumulative = new Float64Array(distinct);
  let sum = 0;
  for (let i = 0; i < distinct; i++) cumulative[i] = sum += 1 / Math.pow(i + 1, 1.1);
  const keys = new Array(INPUTS);
  const routeOf = new Int32Array(INPUTS);
  for (let i = 0; i < INPUTS; i++) {
    const target = random() * sum;
    let lo = 0;
    let hi = distinct - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] < target) lo = mid + 1;
      else hi = mid;
    }
    keys[i] = pool[lo].key;
    routeOf[i] = pool[lo].route;
  }
  return { keys, routeOf };
}
