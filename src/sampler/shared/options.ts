// The `shared` option of createSampler and its validation.
import { DEFAULT_ID_LIMIT, DEFAULT_MAX_WORKERS, MAX_ID_LIMIT, MAX_WORKERS } from "./layout.js";

/** `shared` option of createSampler: `true` for the defaults. */
export interface SharedSamplerOptions {
  /** Worker handles that can exist at once (default 8, at most 256): one counter stripe each. */
  maxWorkers?: number;
  /** Route ids must be below this in shared mode (default 2^20, at most 2^24). */
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
  const int = (name: string, x: unknown, fallback: number, max: number) => {
    if (x === undefined) return fallback;
    if (typeof x !== "number") throw new TypeError(`shared.${name} must be a number`);
    if (!Number.isInteger(x) || x < 1 || x > max)
      throw new RangeError(`shared.${name} must be an integer in [1, ${max}], got ${x}`);
    return x;
  };
  return {
    maxWorkers: int("maxWorkers", o.maxWorkers, DEFAULT_MAX_WORKERS, MAX_WORKERS),
    idLimit: int("routeIdLimit", o.routeIdLimit, DEFAULT_ID_LIMIT, MAX_ID_LIMIT),
  };
}
