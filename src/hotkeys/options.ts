// Options of the hot-keys tracker (SPEC §7) and their validation. Errors name the option as the
// embedder spells it inside `createSampler({ hotKeys: {...} })`.
import { checkInteger, positiveOption } from "../validate.js";

export interface HotKeyTrackerOptions {
  /** m: keys tracked per (route, label) sketch. Default 64, 1..256. */
  perRoute?: number;
  /** R: one write in R (on average) is sampled. Default 16, 1..1024. */
  sampleRate?: number;
  /** Longest key (bytes) that is tracked; longer sampled keys are counted as skipped. Default 1024, 1..4096. */
  maxKeyLen?: number;
  /** Sampled keys buffered between drains; a sample arriving when it is full is dropped. Default 4096, 1..65536. */
  queueSize?: number;
  /** Seed of the sampling PRNG (any integer; default fixed, so runs are reproducible). */
  seed?: number;
}

export type ResolvedHotKeyTrackerOptions = Required<HotKeyTrackerOptions>;

export const HOT_KEY_LIMITS = {
  perRoute: { default: 64, max: 256 },
  sampleRate: { default: 16, max: 1024 },
  maxKeyLen: { default: 1024, max: 4096 },
  queueSize: { default: 4096, max: 65536 },
} as const;

/** The sampler's option rule (SPEC §3): non-positive → the default, past the maximum → clamped. */
function integerOption(name: keyof typeof HOT_KEY_LIMITS, value: unknown): number {
  const { default: fallback, max } = HOT_KEY_LIMITS[name];
  return positiveOption(`hotKeys.${name}`, value, fallback, max);
}

export function resolveHotKeyTrackerOptions(options: HotKeyTrackerOptions = {}): ResolvedHotKeyTrackerOptions {
  if (options === null || typeof options !== "object") throw new TypeError("hotKeys options must be an object");
  const seed = options.seed ?? 0;
  checkInteger("hotKeys.seed", seed);
  return {
    perRoute: integerOption("perRoute", options.perRoute),
    sampleRate: integerOption("sampleRate", options.sampleRate),
    maxKeyLen: integerOption("maxKeyLen", options.maxKeyLen),
    queueSize: integerOption("queueSize", options.queueSize),
    seed,
  };
}
