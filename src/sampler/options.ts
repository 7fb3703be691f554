// Sampler options: defaults and clamps of SPEC §3 ("non-positive options fall back to
// defaults"), plus the checks that make a bad configuration fail at construction.

import type { StorageOptions } from "../history/storage.js";
import { resolveTiers } from "../history/tier-options.js";
import type { TierSpec } from "../history/tiers.js";
import type { HotKeyTrackerOptions } from "../hotkeys/options.js";
import { checkLogger, type Logger } from "../logger.js";
import { checkString, positiveOption, reservedCharIn } from "../validate.js";
import { resolveShared, type ResolvedSharedOptions, type SharedSamplerOptions } from "./shared/owner.js";

/** Hot keys (SPEC §7): off unless `enabled`; the rest are the tracker's options. */
export interface HotKeysOptions extends HotKeyTrackerOptions {
  enabled?: boolean;
}

export interface SamplerOptions {
  /** Flush interval in ms: an integer ≥ 1 (default 60 000). */
  stepMs?: number;
  /** Columns kept in history (default 1440, clamped to ≤ 100 000). */
  historyColumns?: number;
  /** Routes (and virtual buckets) with their own slot (default 10 000). */
  maxTrackedRoutes?: number;
  /** Member route ids listed per virtual bucket (default 256). */
  maxMemberRoutesPerSlot?: number;
  /** Sub-buckets per route, K (default 1, clamped to ≤ 256). */
  keyBucketsPerRoute?: number;
  /** Source labels; `[]` (default) = labels off. */
  labels?: string[];
  /**
   * Clock in ms (default `Date.now`). Column times are kept whole, strictly increasing and
   * finite whatever it returns: fractions are floored (see docs/design.md, "Clock").
   */
  now?: () => number;
  /** Where failing `onFlush` listeners, timer flushes and storage problems are reported (default: stderr). */
  logger?: Logger;
  /** Per-route top-K write keys; off by default (key bytes are kept in memory when on). */
  hotKeys?: HotKeysOptions;
  /** History on disk (Node only): appended every flush, read back at construction. Off by default. */
  storage?: StorageOptions;
  /**
   * Coarser tiers after the base tier (`stepMs` × `historyColumns`), each step a multiple of the
   * one before: columns ageing out of a tier are merged into the next. Default: none, or with
   * `storage` 10 × step for 7 × the base span and 60 × step for 90 × (history/tier-options.ts).
   */
  tiers?: TierSpec[];
  /**
   * Count from worker threads too: counters workers write live in a shared WebAssembly.Memory
   * (`sampler.workerHandle()`, `attachSampler(handle)` in the worker). Off by default.
   */
  shared?: boolean | SharedSamplerOptions;
}

export interface ResolvedSamplerOptions {
  stepMs: number;
  historyColumns: number;
  maxTrackedRoutes: number;
  maxMemberRoutesPerSlot: number;
  keyBucketsPerRoute: number;
  labels: string[];
  now: () => number;
  logger: Logger;
  graceMs: number;
  tiers: TierSpec[];
  shared: ResolvedSharedOptions | null;
}

export const DEFAULT_STEP_MS = 60_000;
export const DEFAULT_HISTORY_COLUMNS = 1440;
export const MAX_HISTORY_COLUMNS = 100_000;
export const DEFAULT_MAX_TRACKED_ROUTES = 10_000;
export const DEFAULT_MAX_MEMBER_ROUTES = 256;
export const MAX_KEY_BUCKETS = 256;
export const MAX_LABELS = 64;
/** Counter memory cap: a wasm32 instance cannot address more than 4 GiB. */
const MAX_COUNTER_BYTES = 2 ** 31;

export function resolveOptions(opts: SamplerOptions = {}): ResolvedSamplerOptions {
  if (typeof opts !== "object" || opts === null) throw new TypeError("options must be an object");
  const stepMs = positiveOption("stepMs", opts.stepMs, DEFAULT_STEP_MS);
  const historyColumns = positiveOption(
    "historyColumns",
    opts.historyColumns,
    DEFAULT_HISTORY_COLUMNS,
    MAX_HISTORY_COLUMNS,
  );
  const maxTrackedRoutes = positiveOption("maxTrackedRoutes", opts.maxTrackedRoutes, DEFAULT_MAX_TRACKED_ROUTES);
  const maxMemberRoutesPerSlot = positiveOption(
    "maxMemberRoutesPerSlot",
    opts.maxMemberRoutesPerSlot,
    DEFAULT_MAX_MEMBER_ROUTES,
  );
  const keyBucketsPerRoute = positiveOption("keyBucketsPerRoute", opts.keyBucketsPerRoute, 1, MAX_KEY_BUCKETS);
  const labels = resolveLabels(opts.labels);
  const logger = checkLogger(opts.logger);
  const now = opts.now ?? Date.now;
  if (typeof now !== "function") throw new TypeError("now must be a function returning milliseconds");
  const slots = slotCapacity(maxTrackedRoutes, labels.length);
  if (slots * keyBucketsPerRoute * 32 > MAX_COUNTER_BYTES) {
    throw new RangeError(
      `maxTrackedRoutes × (labels + 1) × keyBucketsPerRoute needs ${slots * keyBucketsPerRoute * 32} bytes of counters, more than ${MAX_COUNTER_BYTES}`,
    );
  }
  return {
    stepMs,
    historyColumns,
    maxTrackedRoutes,
    maxMemberRoutesPerSlot,
    keyBucketsPerRoute,
    labels,
    now,
    logger,
    graceMs: Math.max(5000, 2 * stepMs),
    tiers: resolveTiers(opts.tiers, { stepMs, historyColumns }, opts.storage !== undefined),
    shared: resolveShared(opts.shared),
  };
}

const LONE_SURROGATE = /\p{Surrogate}/u;

function resolveLabels(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new TypeError("labels must be an array of strings");
  if (v.length > MAX_LABELS) throw new RangeError(`labels may hold at most ${MAX_LABELS} entries, got ${v.length}`);
  const seen = new Set<string>();
  for (const [i, label] of v.entries()) {
    checkString(`labels[${i}]`, label);
    if (label === "") throw new RangeError(`labels[${i}] is empty; the unlabelled slot needs no label`);
    // Files store labels as UTF-8, which has no lone surrogate: such a label came back as U+FFFD.
    if (LONE_SURROGATE.test(label))
      throw new RangeError(`labels[${i}] has a lone UTF-16 surrogate, which a history file cannot store`);
    const reserved = reservedCharIn(label);
    if (reserved !== undefined) {
      throw new RangeError(`labels[${i}] "${label}" contains '${reserved}', which bucket ids reserve`);
    }
    if (seen.has(label)) throw new RangeError(`labels[${i}] "${label}" is a duplicate`);
    seen.add(label);
  }
  return v.slice();
}

/**
 * Slots to allocate: every tracked route needs one per label plus the unlabelled one, and
 * removed routes keep theirs through the grace window, so a headroom of up to 1 024 routes is
 * reserved for them. When slots run out a new route is folded into a virtual bucket.
 */
export function slotCapacity(maxTrackedRoutes: number, labelCount: number): number {
  return (maxTrackedRoutes + Math.min(maxTrackedRoutes, 1024)) * (labelCount + 1);
}
