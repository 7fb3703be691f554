// Wire bucket ids (SPEC §5): `route:<id>[:<label>][#<sub>]` and `virtual:<id>`.

import { U64_MAX } from "../keys/window.js";

export function routeBucketId(routeId: number, label: string, sub: number, subCount: number): string {
  let id = `route:${routeId}`;
  if (label !== "") id += `:${label}`;
  if (subCount > 1) id += `#${sub}`;
  return id;
}

/** The parts of a route bucket id, as text (a route id may exceed 2^53), or null for any other id. */
export interface RouteBucketParts {
  routeId: string;
  label?: string;
  sub?: string;
}

// A label holds neither `:` nor `#` (the sampler refuses both), so the parts never run together.
const ROUTE_BUCKET = /^route:([0-9]+)(?::([^:#]+))?(?:#([0-9]+))?$/;

/** `routeBucketId` read back: `route:<id>[:<label>][#<sub>]`. */
export function parseRouteBucketId(bucketId: string): RouteBucketParts | null {
  const m = ROUTE_BUCKET.exec(bucketId);
  if (m === null) return null;
  const parts: RouteBucketParts = { routeId: m[1]! };
  if (m[2] !== undefined) parts.label = m[2];
  if (m[3] !== undefined) parts.sub = m[3];
  return parts;
}

/** Synthetic id of the n-th virtual bucket: counts down from 2^64 − 1, never a real route id. */
export function virtualBucketId(n: number): string {
  return `virtual:${(U64_MAX - BigInt(n)).toString()}`;
}
