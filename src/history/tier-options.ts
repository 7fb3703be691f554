// The `tiers` sampler option: validation and the default used when storage is on.

import type { TierSpec } from "./tiers.js";

/** Columns one tier may keep (as `historyColumns`). */
export const MAX_TIER_COLUMNS = 100_000;
/** Tiers after the base tier. */
export const MAX_TIERS = 8;

/**
 * The coarser tiers after the base tier (`stepMs` × `historyColumns`). Absent: none, unless
 * storage is on, where the default keeps 7 times the base span at 10 × its step and 90 times it
 * at 60 × (base 1 min × 1 440 = 24 h, then 10 min × 1 008 = 7 days, 1 h × 2 160 = 90 days).
 * `[]` turns tiers off.
 */
export function resolveTiers(
  v: unknown,
  base: { stepMs: number; historyColumns: number },
  storageOn: boolean,
): TierSpec[] {
  if (v === undefined || v === null) return storageOn ? defaultTiers(base) : [];
  if (!Array.isArray(v)) throw new TypeError("tiers must be an array of { stepMs, columns }");
  if (v.length > MAX_TIERS) throw new RangeError(`tiers may list at most ${MAX_TIERS} tiers, got ${v.length}`);
  let below = base.stepMs;
  return v.map((t: unknown, i) => {
    if (typeof t !== "object" || t === null) throw new TypeError(`tiers[${i}] must be an object { stepMs, columns }`);
    const { stepMs, columns } = t as Record<string, unknown>;
    const step = positiveInteger(`tiers[${i}].stepMs`, stepMs, Number.MAX_SAFE_INTEGER);
    const cols = positiveInteger(`tiers[${i}].columns`, columns, MAX_TIER_COLUMNS);
    const what = i === 0 ? `the base stepMs ${below}` : `tiers[${i - 1}].stepMs ${below}`;
    if (step <= below || step % below !== 0)
      throw new RangeError(`tiers[${i}].stepMs must be a multiple (> 1×) of ${what}, got ${step}`);
    below = step;
    return { stepMs: step, columns: cols };
  });
}

function positiveInteger(name: string, v: unknown, max: number): number {
  if (typeof v !== "number") throw new TypeError(`${name} must be a number, got ${typeof v}`);
  if (!Number.isSafeInteger(v) || v < 1 || v > max)
    throw new RangeError(`${name} must be an integer in 1..${max}, got ${v}`);
  return v;
}

export function defaultTiers(base: { stepMs: number; historyColumns: number }): TierSpec[] {
  return [
    { stepMs: base.stepMs * 10, columns: Math.ceil((base.historyColumns * 7) / 10) },
    { stepMs: base.stepMs * 60, columns: Math.ceil((base.historyColumns * 90) / 60) },
  ];
}
