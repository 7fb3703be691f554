// The demo's traffic: the patterns a key visualizer exists to show, mixed into one request stream
// over the demo store (demo-store.ts). Phases follow wall-clock time (unix seconds), so a demo
// restarted on the same history directory continues the same picture:
//   - zipfian hot keys: 1 000 keys scattered over the key space, rank r used ∝ 1/r^1.1 (a quarter
//     of it writes) → thin steady horizontal lines;
//   - a backfill writing keys in key order, its cursor sweeping the key space every 4 minutes
//     → a diagonal;
//   - a hotspot (reads and writes) whose centre swings across the key space every 10 minutes
//     → a wave;
//   - a batch job reading and rewriting keys all over the key space for 8 s at the start of every
//     minute → vertical bands;
//   - a hot tenant: one key range inside one route, busier than one route can serve
//     → the hottest row, which the balancer (demo-balancer.ts) splits;
//   - uniform background reads and writes.
// Overload is modelled the way it shows up in real systems: a route asked for more than
// CAPACITY requests in a second times the excess out and clients retry each twice, so offered
// load on an overloaded route is amplified — and drops visibly once a split spreads it.
import type { Coordinator } from "../routing/coordinator.js";
import { KEYSPACE, keyOf, LABELS } from "./demo-store.js";

export interface WorkloadOptions {
  /** Requests per second before retries and the batch job (default 10 000). */
  rate?: number;
  /** PRNG seed (default 1): the same seed and times give the same requests. */
  seed?: number;
}

/** Share of `rate` one route serves per second before it times requests out. */
export const CAPACITY = 0.12;
const RETRIES = 2;

// Shares of `rate`, cumulative (the batch job is extra while it runs).
const MIX = { zipf: 0.25, backfill: 0.08, hotspot: 0.2, tenant: 0.2, background: 0.27 } as const;
const BATCH_SHARE = 0.8;
const BATCH_PERIOD_S = 60;
const BATCH_LENGTH_S = 8;
const BACKFILL_SWEEP_S = 240;
const HOTSPOT_PERIOD_S = 600;
const HOTSPOT_SIGMA = 0.015 * KEYSPACE;
/** The hot tenant's keys: the middle 60 % of route 42 (index 41 of 64 equal routes). */
export const TENANT: readonly [number, number] = [64_375, 65_312];
const ZIPF_KEYS = 1000;
const ZIPF_S = 1.1;

/** Deterministic PRNG (mulberry32): fast, and a seed replays the same traffic. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function zipfCdf(n: number, s: number): Float64Array {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let r = 0; r < n; r++) cdf[r] = sum += 1 / (r + 1) ** s;
  for (let r = 0; r < n; r++) cdf[r]! /= sum;
  return cdf;
}

/** Where the hot key of rank r lives: scattered by a multiplicative hash, stable across runs. */
export function zipfKey(rank: number): number {
  return (Math.imul(rank + 1, 0x9e3779b1) >>> 0) % KEYSPACE;
}

type Op = { write: boolean; key: number; valueLen: number };

export class DemoWorkload {
  readonly rate: number;
  /** Requests sent, retries included. */
  sent = 0;
  private readonly random: () => number;
  private readonly cdf = zipfCdf(ZIPF_KEYS, ZIPF_S);
  private readonly views: Coordinator[];
  private carry = 0;
  private second = -1;
  private readonly demand = new Map<number, number>();

  constructor(
    private readonly coordinator: Coordinator,
    opts: WorkloadOptions = {},
  ) {
    this.rate = opts.rate ?? 10_000;
    this.random = rng(opts.seed ?? 1);
    this.views = LABELS.map((l) => coordinator.withLabel(l));
  }

  /** Sends the requests of the time slice [fromMs, toMs) and waits for their answers. */
  async run(fromMs: number, toMs: number): Promise<void> {
    const t = fromMs / 1000;
    const batch = t % BATCH_PERIOD_S < BATCH_LENGTH_S ? BATCH_SHARE : 0;
    const exact = (this.rate * (1 + batch) * Math.max(0, toMs - fromMs)) / 1000 + this.carry;
    const n = Math.floor(exact);
    this.carry = exact - n;
    if (Math.floor(t) !== this.second) {
      this.second = Math.floor(t);
      this.demand.clear();
    }
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < n; i++) {
      const op = this.random() < batch / (1 + batch) ? this.batchOp() : this.steadyOp(t);
      this.send(op, pending);
    }
    await Promise.allSettled(pending);
  }

  private send(op: Op, pending: Promise<unknown>[]): void {
    const key = keyOf(op.key);
    const routeId = this.coordinator.routeForKey(key).routeId;
    const demand = (this.demand.get(routeId) ?? 0) + 1;
    this.demand.set(routeId, demand);
    const tries = demand > CAPACITY * this.rate ? 1 + RETRIES : 1;
    // One in three requests arrives through the Redis adapter, the rest through gRPC.
    const via = this.views[this.random() < 1 / 3 ? 0 : 1]!;
    for (let k = 0; k < tries; k++) {
      this.sent++;
      pending.push(
        op.write ? via.dispatch([{ type: "put", key, value: new Uint8Array(op.valueLen) }]) : via.leaseReadForKey(key),
      );
    }
  }

  private steadyOp(t: number): Op {
    let u = this.random();
    const r = this.random;
    if ((u -= MIX.zipf) < 0) return { write: r() < 0.25, key: zipfKey(this.zipfRank()), valueLen: 16 };
    if ((u -= MIX.backfill) < 0) {
      const cursor = ((t % BACKFILL_SWEEP_S) / BACKFILL_SWEEP_S) * KEYSPACE;
      return { write: true, key: Math.floor(cursor + r() * 200) % KEYSPACE, valueLen: 100 + Math.floor(r() * 100) };
    }
    if ((u -= MIX.hotspot) < 0) {
      const centre = KEYSPACE * (0.5 + 0.4 * Math.sin((2 * Math.PI * t) / HOTSPOT_PERIOD_S));
      const key = Math.round(centre + this.gaussian() * HOTSPOT_SIGMA);
      return { write: r() < 0.3, key: Math.min(KEYSPACE - 1, Math.max(0, key)), valueLen: 32 + Math.floor(r() * 64) };
    }
    if (u < MIX.tenant) {
      return { write: r() < 0.5, key: TENANT[0] + Math.floor(r() * (TENANT[1] - TENANT[0])), valueLen: 64 };
    }
    return { write: r() < 0.2, key: Math.floor(r() * KEYSPACE), valueLen: Math.floor(r() * 200) };
  }

  private batchOp(): Op {
    return { write: this.random() < 0.5, key: Math.floor(this.random() * KEYSPACE), valueLen: 48 };
  }

  private zipfRank(): number {
    const u = this.random();
    let lo = 0;
    let hi = this.cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private gaussian(): number {
    // Box–Muller; 1 − u keeps the logarithm finite.
    return Math.sqrt(-2 * Math.log(1 - this.random())) * Math.cos(2 * Math.PI * this.random());
  }
}
