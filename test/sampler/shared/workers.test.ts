// Shared sampler from real worker_threads: exact totals per series across flushes, route churn
// (splits, merges, removal and re-registration) and a worker terminated mid-run.
import { afterEach, describe, expect, it } from "vitest";
import { createSampler, type Sampler } from "../../../src/index.js";
import { Churn, historyTotals, startHammers, tallyTotals, tick, xorshift, type Hammer } from "./helpers.js";

let live: Hammer[] = [];
afterEach(async () => {
  await Promise.all(live.map((h) => h.worker.terminate()));
  live = [];
});

function missTotals(s: Sampler): number[] {
  const m = s.workerMisses();
  return [m.reads, m.writes, m.readBytes, m.writeBytes];
}

async function run(opts: {
  workers: number;
  ms: number;
  keyed: boolean;
  k: number;
  hugeEvery: number;
  maxTrackedRoutes?: number;
  /** Keep going past `ms` (up to 15 s more, for a loaded machine) until this holds. */
  enough?: (churn: Churn, hammers: readonly Hammer[], sampler: Sampler) => boolean;
}) {
  const sampler = createSampler({
    shared: true,
    stepMs: 1000,
    historyColumns: 100_000,
    keyBucketsPerRoute: opts.k,
    labels: ["bg"],
    maxTrackedRoutes: opts.maxTrackedRoutes,
  });
  const control = new Int32Array(new SharedArrayBuffer(8));
  const churn = new Churn(sampler, control, xorshift(99));
  churn.init(4);
  const hammers = await startHammers(sampler, opts.workers, control, { keyed: opts.keyed, hugeEvery: opts.hugeEvery });
  live = hammers;
  const flusher = setInterval(() => sampler.flush(), 15);
  const until = Date.now() + opts.ms;
  const enough = opts.enough ?? (() => true);
  while (Date.now() < until || (!enough(churn, hammers, sampler) && Date.now() < until + 15_000)) {
    churn.step();
    await tick(2);
  }
  Atomics.store(control, 0, 1);
  await Promise.all(hammers.map((h) => h.exited));
  clearInterval(flusher);
  sampler.flush();
  return { sampler, hammers, churn };
}

describe("shared sampler with worker threads", () => {
  it("matrix totals equal the workers' tallies for every series, through splits, merges and re-registration", async () => {
    const { sampler, hammers, churn } = await run({
      workers: 3,
      ms: 1500,
      keyed: false,
      k: 1,
      hugeEvery: 5000,
      enough: (c, hs) => c.ops.split + c.ops.merge > 10 && tallyTotals(hs)[0]! + tallyTotals(hs)[1]! > 100_000,
    });
    expect(churn.ops.split + churn.ops.merge).toBeGreaterThan(10);
    const sent = tallyTotals(hammers);
    const counted = historyTotals(sampler);
    const missed = missTotals(sampler);
    expect(sent[0]! + sent[1]!).toBeGreaterThan(100_000);
    expect(counted.map((c, i) => c + missed[i]!)).toEqual(sent);
    expect(missed[0]! + missed[1]!).toBeGreaterThan(0);
    expect(sampler.stats().misses).toBe(missed[0]! + missed[1]!);
  }, 45_000);

  it("observeKey with labels and K = 8 sub-buckets: exact per series", async () => {
    const { sampler, hammers } = await run({ workers: 2, ms: 1000, keyed: true, k: 8, hugeEvery: 0 });
    const sent = tallyTotals(hammers);
    const counted = historyTotals(sampler);
    const missed = missTotals(sampler);
    expect(counted.map((c, i) => c + missed[i]!)).toEqual(sent);
    const rows = sampler.snapshot().flatMap((c) => c.rows);
    expect(rows.some((r) => r.label === "bg")).toBe(true);
    expect(rows.some((r) => r.subBucketCount > 1 && r.subBucket > 0)).toBe(true);
  });

  it("slots short: folding into virtual buckets and slot reuse stay exact", async () => {
    const { sampler, hammers } = await run({
      workers: 2,
      ms: 1000,
      keyed: true,
      k: 4,
      hugeEvery: 0,
      maxTrackedRoutes: 6,
      // Whether the churn outgrows 6 routes within the second depends on timing (a removal frees
      // its slots at the next harvest): keep going until some column holds a virtual bucket.
      enough: (_c, _h, s) => s.snapshot().some((c) => c.rows.some((r) => r.aggregate)),
    });
    const sent = tallyTotals(hammers);
    const counted = historyTotals(sampler);
    const missed = missTotals(sampler);
    expect(counted.map((c, i) => c + missed[i]!)).toEqual(sent);
    expect(sampler.snapshot().some((c) => c.rows.some((r) => r.aggregate))).toBe(true);
  });

  it("a worker terminated mid-run keeps its counts up to its last observe", async () => {
    const sampler = createSampler({ shared: true, stepMs: 1000, historyColumns: 100_000 });
    const control = new Int32Array(new SharedArrayBuffer(8));
    const churn = new Churn(sampler, control, xorshift(5));
    churn.init(8);
    const hammers = await startHammers(sampler, 2, control);
    live = hammers;
    const flusher = setInterval(() => sampler.flush(), 10);
    await tick(300);
    const [victim, other] = hammers as [Hammer, Hammer];
    await victim.worker.terminate();
    sampler.releaseWorker(sampler.workerHandle()); // another handle comes and goes meanwhile
    await tick(200);
    Atomics.store(control, 0, 1);
    await other.exited;
    clearInterval(flusher);
    sampler.flush();
    const counted = historyTotals(sampler);
    const missed = missTotals(sampler);
    const done = tallyTotals(hammers);
    // The one observe in progress when the worker died may or may not have counted: exactly that.
    const t = victim.tally;
    const diff = counted.map((c, i) => c + missed[i]! - done[i]!);
    const pending = [0, 0, 0, 0];
    if (t[7] === 1) {
      pending[t[5]!] = 1;
      pending[2 + t[5]!] = t[6]!;
    }
    expect([[0, 0, 0, 0], pending]).toContainEqual(diff);
    expect(victim.tally[4]).toBeGreaterThan(1000);
  });
});
