// The sampler's parts, built and wired in one place so the facade (sampler.ts) only delegates.
// Order matters: counters and slots first (shared mode supplies its own), then history and the
// index, the registry over them, and the modules that act on the registry; storage last, since
// recovery fills the history and tells the virtual buckets and the clock where to resume.

import { History } from "../history/history.js";
import { HotKeyTracker } from "../hotkeys/tracker.js";
import { logSafely, type Logger } from "../logger.js";
import { ColumnClock } from "./clock.js";
import { Counters } from "./counters.js";
import { Flusher, GroupTerms } from "./flush.js";
import { FoldPairs } from "./fold-pairs.js";
import { RouteLifecycle } from "./lifecycle.js";
import { slotCapacity, type ResolvedSamplerOptions, type SamplerOptions } from "./options.js";
import { Persistence } from "./persistence.js";
import { HolderRegistry } from "./registry.js";
import { Rehoming } from "./rehome.js";
import { RouteIndex } from "./route-index.js";
import { RowMetas } from "./row-metas.js";
import { SharedCounting } from "./shared/owner.js";
import { SlotPool } from "./slots.js";
import { VirtualBuckets } from "./virtual-buckets.js";

export interface SamplerComponents {
  hotKeyTracker: HotKeyTracker | null;
  /** Shared mode only (`shared: true`): worker stripes, harvest, mirrored index. */
  shared: SharedCounting | null;
  counters: Counters;
  history: History;
  index: RouteIndex;
  metas: RowMetas;
  registry: HolderRegistry;
  virtuals: VirtualBuckets;
  rehoming: Rehoming;
  lifecycle: RouteLifecycle;
  terms: GroupTerms;
  flusher: Flusher;
  clock: ColumnClock;
  persistence: Persistence;
}

/** Builds every part of a sampler from resolved options (`options` for what is not resolved). */
export function buildComponents(o: ResolvedSamplerOptions, options: SamplerOptions | undefined): SamplerComponents {
  const hotKeyTracker = hotKeyTrackerOf(options, o.logger);
  const slotCount = slotCapacity(o.maxTrackedRoutes, o.labels.length);
  const shared = o.shared
    ? new SharedCounting(o.shared, slotCount, o.keyBucketsPerRoute, o.labels, hotKeyTracker)
    : null;
  const slots = shared?.slots ?? new SlotPool(slotCount);
  const counters = shared?.counters ?? new Counters(slots.capacity, o.keyBucketsPerRoute);
  const history = new History(o.historyColumns, o.tiers);
  const index = shared?.index ?? new RouteIndex(o.labels.length);
  const metas = new RowMetas(history, counters, slots, o.labels, o.maxMemberRoutesPerSlot);
  const registryArgs = [counters, slots, metas, index, o.labels.length + 1] as const;
  const registry = shared?.makeRegistry(...registryArgs) ?? new HolderRegistry(...registryArgs);
  const virtuals = new VirtualBuckets(registry, counters, metas);
  const rehoming = new Rehoming(registry, counters, slots);
  const limits = { maxTrackedRoutes: o.maxTrackedRoutes, labelSlots: o.labels.length + 1 };
  const pairs = new FoldPairs(registry, slots);
  const lifecycle = new RouteLifecycle(registry, slots, virtuals, pairs, rehoming, hotKeyTracker, limits);
  const terms = new GroupTerms();
  const flusher = new Flusher(counters, slots, registry, virtuals, metas, history, terms, o.labels);
  const clock = new ColumnClock(o.now, o.stepMs);
  const persistence = new Persistence(options?.storage, history, o.stepMs, o);
  virtuals.skipIds(persistence.virtualIdsUsed);
  clock.resumeAfter(persistence.lastAtMs);
  return {
    hotKeyTracker,
    shared,
    counters,
    history,
    index,
    metas,
    registry,
    virtuals,
    rehoming,
    lifecycle,
    terms,
    flusher,
    clock,
    persistence,
  };
}

function hotKeyTrackerOf(options: SamplerOptions | undefined, logger: Logger): HotKeyTracker | null {
  const hk = options?.hotKeys;
  if (hk !== undefined && (typeof hk !== "object" || hk === null)) throw new TypeError("hotKeys must be an object");
  const { enabled, ...trackerOptions } = hk ?? {};
  if (enabled !== undefined && typeof enabled !== "boolean") {
    // `enabled: "yes"` or `1` would leave hot keys off without a word.
    throw new TypeError(`hotKeys.enabled must be a boolean, got ${typeof enabled}`);
  }
  if (enabled === true) return new HotKeyTracker(trackerOptions);
  // `hotKeys: { sampleRate: 8 }` reads as "on": say that it is not, rather than answer 503 later.
  const given = Object.keys(trackerOptions);
  if (enabled === undefined && given.length > 0) {
    logSafely(logger, "warn", "keyviz: hotKeys options given without enabled: true; hot keys stay off", {
      options: given,
    });
  }
  return null;
}
