// The `shared` option of createSampler and its validation.
import { positiveOption } from "../../validate.js";
import { DEFAULT_ID_LIMIT, DEFAULT_MAX_WORKERS, MAX_ID_LIMIT, MAX_WORKERS } from "./layout.js";

/** `shared` option of createSampler: `true` for the defaults. */
export interface SharedSamplerOptions {
  /** Worker handles that can exist at once (default 8, clamped to 256): one counter stripe each. */
  maxWorkers?: number;
  /** Route ids must be below this in shared mode (default 2^20, clamped to 2^24). */
  routeIdLimit?: number;
}

export interface ResolvedSharedOptions {
  maxWorkers: number;
  idLimit: number;
}

export function resolveShared(v: unknown): ResolvedSharedOptions | null {
  if (v === undefined || v === false) return null;
  if (v === true) return { maxWorkers: DEFAULT_MAX_WORKERS, idLimit: DEFAULT_ID_LIMIT };
  if (typeof v !== "object" || v === null)
    throw new TypeError("shared must be a boolean or { maxWorkers?, routeIdLimit? }");
  const o = v as SharedSamplerOptions;
  // The rule of every sampler option (SPEC §3): non-positive → default, above the limit → clamped.
  return {
    maxWorkers: positiveOption("shared.maxWorkers", o.maxWorkers, DEFAULT_MAX_WORKERS, MAX_WORKERS),
    idLimit: positiveOption("shared.routeIdLimit", o.routeIdLimit, DEFAULT_ID_LIMIT, MAX_ID_LIMIT),
  };
}
