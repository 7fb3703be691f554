// The demo in simulated time: the same store, workload and balancer as `keyviz demo`, driven by a
// clock that jumps instead of waiting, so `keyviz record` produces minutes of history in seconds
// and the same seed and end time always produce the same recording.
import { createSampler, type Sampler } from "../sampler/sampler.js";
import { DemoBalancer } from "./demo-balancer.js";
import { createDemoStore, DEMO_SAMPLER_OPTIONS } from "./demo-store.js";
import { CAPACITY, DemoWorkload } from "./demo-workload.js";

export interface SimulateOptions {
  /** Columns to record. */
  steps: number;
  stepMs: number;
  /** Requests per second of simulated time. */
  rate: number;
  seed?: number;
  /** Time of the last column (default: now, rounded down to the step). */
  endMs?: number;
  /** Called after each column with the number done. */
  onStep?: (done: number) => void;
  /** Gets the balancer's split and merge lines. */
  log?: (line: string) => void;
}

const SLICES_PER_STEP = 10;

/** Runs the demo for `steps` simulated columns; returns the sampler holding their history. */
export async function simulateDemo(o: SimulateOptions): Promise<Sampler> {
  const endMs = o.endMs ?? Math.floor(Date.now() / o.stepMs) * o.stepMs;
  let clock = endMs - o.steps * o.stepMs;
  const now = () => clock;
  const sampler = createSampler({
    ...DEMO_SAMPLER_OPTIONS,
    stepMs: o.stepMs,
    historyColumns: Math.max(o.steps, 1),
    now,
  });
  const coordinator = createDemoStore(sampler, now);
  const workload = new DemoWorkload(coordinator, { rate: o.rate, seed: o.seed });
  const balancer = new DemoBalancer(coordinator, (CAPACITY * o.rate * o.stepMs) / 1000, o.log ?? (() => {}));
  const off = sampler.onFlush((column) => balancer.onColumn(column));
  const slice = o.stepMs / SLICES_PER_STEP;
  for (let step = 0; step < o.steps; step++) {
    const base = clock;
    for (let i = 0; i < SLICES_PER_STEP; i++) {
      clock = base + i * slice;
      await workload.run(clock, clock + slice);
    }
    clock = base + o.stepMs;
    sampler.flush();
    o.onStep?.(step + 1);
  }
  off();
  coordinator.close();
  return sampler;
}
