// The demo's sharded key/value store: KEYSPACE numeric keys `user:00000`…`user:99999` over
// ROUTES equal routes, in GROUPS replication groups that each own a contiguous block of routes (as a
// range-sharded store places them, and so adjacent cold routes can merge), behind a Coordinator.
import { Coordinator } from "../routing/coordinator.js";
import type { RouteSpec } from "../routing/route-table.js";
import type { Sampler, SamplerOptions } from "../sampler/sampler.js";
import { MemoryGroup } from "../testing/memory-group.js";

export const KEYSPACE = 100_000;
const DIGITS = 5;
export const ROUTES = 64;
export const GROUPS = 4;
/** Source labels: which protocol adapter served a request. */
export const LABELS = ["redis", "grpc"] as const;

/**
 * Sampler options of the demo (its step is the caller's). One bucket per route: sub-buckets (K > 1)
 * slice a route's byte range evenly (SPEC §3.1), and decimal text keys use only 10 of every 256
 * byte values, so most sub-buckets of a route would stay empty.
 */
export const DEMO_SAMPLER_OPTIONS: SamplerOptions = {
  keyBucketsPerRoute: 1,
  labels: [...LABELS],
  historyColumns: 3600,
  hotKeys: { enabled: true },
};

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const PREFIX = "user:";

// Encoded once per key: encoding dominated the workload's own cost. Callers never modify keys.
const keys: Uint8Array[] = [];

/** The key of number n (0 ≤ n < KEYSPACE). */
export function keyOf(n: number): Uint8Array {
  return (keys[n] ??= encoder.encode(PREFIX + String(n).padStart(DIGITS, "0")));
}

/** The number of a demo key; `fallback` for null (lowest/unbounded) or a foreign key. */
export function numberOf(key: Uint8Array | null, fallback: number): number {
  if (key === null) return fallback;
  const text = decoder.decode(key);
  const n = Number(text.slice(PREFIX.length));
  return text.startsWith(PREFIX) && Number.isFinite(n) ? n : fallback;
}

/** Numeric range [lo, hi) of a route. */
export function routeSpan(r: RouteSpec): [number, number] {
  return [numberOf(r.start, 0), numberOf(r.end, KEYSPACE)];
}

export function initialRoutes(): RouteSpec[] {
  const edge = (i: number) => keyOf(Math.round((i * KEYSPACE) / ROUTES));
  return Array.from({ length: ROUTES }, (_, i) => ({
    routeId: i + 1,
    start: i === 0 ? null : edge(i),
    end: i === ROUTES - 1 ? null : edge(i + 1),
    groupId: Math.floor((i * GROUPS) / ROUTES) + 1,
  }));
}

/** A coordinator over fresh in-memory groups, observed by `sampler`. */
export function createDemoStore(sampler: Sampler, now?: () => number): Coordinator {
  const groups = new Map(
    Array.from({ length: GROUPS }, (_, g) => [g + 1, new MemoryGroup({ groupId: g + 1, now })] as const),
  );
  return new Coordinator({ routes: initialRoutes(), groups, sampler });
}
