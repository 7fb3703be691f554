// The hot-keys wire object (SPEC §7) and the query limits shared by the tracker and the merge.
import { checkInteger } from "../validate.js";

/** One reported key: standard base64 (with padding) of its bytes and its scaled count. */
export interface HotKey {
  key_b64: string;
  /** Sketch count × sample rate: an estimate of the key's writes in the step (an over-estimate). */
  count: number;
}

/** Response of `GET /admin/api/v1/keyviz/hotkeys` and of the sampler's `hotKeys()`. */
export interface HotKeysResponse {
  route_id: number;
  /** Present only for a labeled query (omitted when the label is empty). */
  label?: string;
  /** Present only when the query asked for one sub-bucket. */
  sub_bucket?: number;
  series: "writes";
  /** Count descending, then `key_b64` ascending; at most `top` keys. */
  keys: HotKey[];
  approximate: true;
  /** R: one write in R (on average) is sampled; the max over nodes after a merge. */
  sample_rate: number;
  /** Samples folded into the sketch (N). */
  sampled_n: number;
  /** Samples lost because the queue was full. */
  dropped_samples: number;
  /** Samples not counted because the key was longer than `maxKeyLen`. */
  skipped_long_keys: number;
  /** `dropped_samples > 0 || skipped_long_keys > 0`. */
  degraded: boolean;
  /** floor(R × N / m), an integer: the most any reported count can exceed the key's (scaled) sampled frequency. */
  error_bound: number;
  /** When the snapshot was published (RFC 3339 UTC); the max over nodes after a merge. */
  snapshot_at: string;
}

export const DEFAULT_TOP = 20;
export const MAX_TOP = 1024;

/**
 * Validates a `top` argument and clamps it to `MAX_TOP`: an integer ≥ 1 is required; larger values
 * are clamped, like the matrix row budget (callers clamp further to the sketch capacity).
 */
export function clampTop(top: unknown, name = "top"): number {
  checkInteger(name, top);
  if (top < 1) throw new RangeError(`${name} must be ≥ 1, got ${top}`);
  return top > MAX_TOP ? MAX_TOP : top;
}

/** Wire order of keys: count descending, then `key_b64` ascending (code-unit order). */
export function compareHotKeys(a: HotKey, b: HotKey): number {
  if (a.count !== b.count) return b.count - a.count;
  return a.key_b64 < b.key_b64 ? -1 : a.key_b64 > b.key_b64 ? 1 : 0;
}
