// Wire bucket ids (SPEC §5): `route:<id>[:<label>][#<sub>]` and `virtual:<id>`.

import { U64_MAX } from "../keys/window.js";

export function routeBucketId(routeId: number, label: string, sub: number, subCount: number): string {
  let id = `route:${routeId}`;
  if (label !== "") id += `:${label}`;
  if (subCount > 1) id += `#${sub}`;
  return id;
}

/** Synthetic id of the n-th virtual bucket: counts down from 2^64 − 1, never a real route id. */
export function virtualBucketId(n: number): string {
  return `virtual:${(U64_MAX - BigInt(n)).toString()}`;
}
