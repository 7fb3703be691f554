// Helpers of the shared-sampler tests: hammer workers (hammer-worker.mjs, over the built
// package) with exact tallies, a route churn driver that keeps the key space tiled, and totals.
import { Worker } from "node:worker_threads";
import type { Sampler, Series } from "../../../src/index.js";

export const WORKER_URL = new URL("./hammer-worker.mjs", import.meta.url);

export interface Hammer {
  worker: Worker;
  tally: Float64Array;
  exited: Promise<number>;
}

export interface HammerOptions {
  keyed?: boolean;
  hugeEvery?: number;
}

/** Starts `n` workers on `sampler`; resolves once each has attached. */
export async function startHammers(
  sampler: Sampler,
  n: number,
  control: Int32Array,
  opts: HammerOptions = {},
): Promise<Hammer[]> {
  const out: Hammer[] = [];
  for (let i = 0; i < n; i++) {
    const tally = new Float64Array(new SharedArrayBuffer(8 * 8));
    const worker = new Worker(WORKER_URL, {
      workerData: {
        handle: sampler.workerHandle(),
        tally: tally.buffer,
        control: control.buffer,
        seed: 7919 * (i + 1),
        keyed: opts.keyed ?? false,
        hugeEvery: opts.hugeEvery ?? 0,
      },
    });
    const exited = new Promise<number>((resolve) => worker.once("exit", resolve));
    await new Promise<void>((resolve, reject) => {
      worker.once("message", () => resolve());
      worker.once("error", reject);
    });
    out.push({ worker, tally, exited });
  }
  return out;
}

export const SERIES_ORDER: Series[] = ["reads", "writes", "read_bytes", "write_bytes"];

/** Per-series sums over every stored column of the sampler. */
export function historyTotals(sampler: Sampler): number[] {
  const t = [0, 0, 0, 0];
  for (const col of sampler.snapshot()) {
    for (const r of col.rows) {
      t[0]! += r.reads;
      t[1]! += r.writes;
      t[2]! += r.readBytes;
      t[3]! += r.writeBytes;
    }
  }
  return t;
}

/** Sum of the workers' tallies per series. */
export function tallyTotals(hammers: readonly Hammer[]): number[] {
  const t = [0, 0, 0, 0];
  for (const h of hammers) for (let i = 0; i < 4; i++) t[i]! += h.tally[i]!;
  return t;
}

/** A 2-byte key for a point of the key space [0, 65536); 0 is the lowest start (null). */
export function keyAt(x: number): Uint8Array | null {
  return x <= 0 || x >= 65536 ? null : new Uint8Array([x >> 8, x & 255]);
}

interface LiveRoute {
  id: number;
  a: number;
  b: number;
}

/**
 * Route churn that keeps [0, 65536) tiled: splits, merges, remove + re-register (same id and
 * range, so it revives or registers afresh), publishing the largest id in `control[1]`.
 */
export class Churn {
  routes: LiveRoute[] = [];
  nextId = 1;
  ops = { split: 0, merge: 0, reregister: 0 };
  log: string[] = [];
  /** Called with the range of every merge (a count of the old routes may be drawn anywhere in it). */
  onMerge: (a: number, b: number) => void = () => {};

  constructor(
    private readonly sampler: Sampler,
    private readonly control: Int32Array,
    private rand: () => number,
  ) {}

  init(parts: number): void {
    const w = 65536 / parts;
    for (let i = 0; i < parts; i++) this.add(Math.round(i * w), Math.round((i + 1) * w));
    Atomics.store(this.control, 1, this.nextId - 1);
  }

  private add(a: number, b: number): void {
    const r = { id: this.nextId++, a, b };
    this.sampler.registerRoute(r.id, keyAt(a), b >= 65536 ? null : keyAt(b));
    this.routes.push(r);
  }

  step(): void {
    const pick = this.rand() % 3;
    this.routes.sort((x, y) => x.a - y.a);
    const i = this.rand() % this.routes.length;
    const r = this.routes[i]!;
    if (pick === 0 && r.b - r.a >= 2 && this.routes.length < 24) {
      const m = (r.a + r.b) >> 1;
      const left = { id: this.nextId++, a: r.a, b: m };
      const right = { id: this.nextId++, a: m, b: r.b };
      this.sampler.replaceRoutes(
        [r.id],
        [left, right].map((x) => ({ routeId: x.id, start: keyAt(x.a), end: x.b >= 65536 ? null : keyAt(x.b) })),
      );
      this.routes.splice(i, 1, left, right);
      this.ops.split++;
      this.log.push(`split ${r.id}[${r.a},${r.b}) -> ${left.id}@${m} ${right.id}`);
    } else if (pick === 1 && i + 1 < this.routes.length) {
      const n = this.routes[i + 1]!;
      const merged = { id: this.nextId++, a: r.a, b: n.b };
      this.sampler.replaceRoutes(
        [r.id, n.id],
        [{ routeId: merged.id, start: keyAt(merged.a), end: merged.b >= 65536 ? null : keyAt(merged.b) }],
      );
      this.routes.splice(i, 2, merged);
      this.onMerge(merged.a, merged.b);
      this.ops.merge++;
      this.log.push(`merge ${r.id}+${n.id} -> ${merged.id}[${merged.a},${merged.b})`);
    } else {
      this.sampler.removeRoute(r.id);
      this.sampler.registerRoute(r.id, keyAt(r.a), r.b >= 65536 ? null : keyAt(r.b));
      this.ops.reregister++;
      this.log.push(`rereg ${r.id}`);
    }
    Atomics.store(this.control, 1, this.nextId - 1);
  }
}

export { xorshift } from "./xorshift.mjs";

export const tick = (ms = 0) => new Promise<void>((r) => setTimeout(r, ms));
