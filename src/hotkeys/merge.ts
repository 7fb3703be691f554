// Fan-out merge of hot-keys responses from several nodes (SPEC §7, issue 5). Each node's counts
// are already scaled by its own sample rate, so they add up directly.

import { validateHotKeys } from "../wire/validate.js";
import { clampTop, compareHotKeys, type HotKey, type HotKeysResponse } from "./response.js";

/**
 * Merges the responses of the nodes that had a snapshot: counts summed per `key_b64`, keys sorted
 * by count descending then `key_b64` ascending and cut to `top` (clamped to 1024); `sample_rate`
 * and `snapshot_at` are the max, `sampled_n`, `dropped_samples`, `skipped_long_keys` and
 * `error_bound` the sum (each floored), `degraded` the OR. Route, label and sub-bucket come from the first
 * response. Throws RangeError for an empty list (no node had a snapshot: the caller's 404) and
 * TypeError for a response the validator rejects (src/wire/validate.ts: e.g. a count that is not
 * an unsigned integer, a key that is not base64).
 */
export function mergeHotKeys(responses: readonly HotKeysResponse[], top: number): HotKeysResponse {
  if (!Array.isArray(responses)) throw new TypeError("responses must be an array");
  if (responses.length === 0) throw new RangeError("responses must not be empty");
  responses.forEach((r, i) => validateHotKeys(r, `responses[${i}]`));
  const limit = clampTop(top);

  const counts = new Map<string, number>();
  let sampleRate = 0;
  let snapshotAt = responses[0].snapshot_at;
  let snapshotMs = Date.parse(snapshotAt);
  let sampledN = 0;
  let dropped = 0;
  let skipped = 0;
  let errorBound = 0;
  let degraded = false;
  for (const r of responses) {
    for (const k of r.keys) counts.set(k.key_b64, (counts.get(k.key_b64) ?? 0) + k.count);
    sampleRate = Math.max(sampleRate, r.sample_rate);
    const ms = Date.parse(r.snapshot_at);
    if (ms > snapshotMs || Number.isNaN(snapshotMs)) {
      snapshotMs = ms;
      snapshotAt = r.snapshot_at;
    }
    sampledN += r.sampled_n;
    dropped += r.dropped_samples;
    skipped += r.skipped_long_keys;
    errorBound += Math.floor(r.error_bound); // older keyviz nodes sent a fraction; the wire wants an integer
    degraded ||= r.degraded;
  }

  const keys: HotKey[] = [];
  for (const [key_b64, count] of counts) keys.push({ key_b64, count });
  keys.sort(compareHotKeys);
  if (keys.length > limit) keys.length = limit;

  const first = responses[0];
  return {
    route_id: first.route_id,
    ...(first.label !== undefined ? { label: first.label } : {}),
    ...(first.sub_bucket !== undefined ? { sub_bucket: first.sub_bucket } : {}),
    series: "writes",
    keys,
    approximate: true,
    sample_rate: sampleRate,
    sampled_n: sampledN,
    dropped_samples: dropped,
    skipped_long_keys: skipped,
    degraded,
    error_bound: errorBound,
    snapshot_at: snapshotAt,
  };
}
