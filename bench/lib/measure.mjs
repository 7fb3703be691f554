// Timing inside one variant process. Hot-path variants run under benchmark.js; each benchmarked
// call performs a batch of operations over pre-built inputs, so the per-call overhead of the
// harness is amortised and every operation sees different inputs (no constant folding).
//
// Clock ($KEYVIZ_BENCH_CLOCK, set by run.mjs --clock): "cpu" (default) times with the process's
// CPU time (user + system), "wall" with process.hrtime. On a shared 2-core machine wall time
// mostly measures how often the process was descheduled; CPU time measures the code. benchmark.js
// reads `process.hrtime` when it first times something, so the CPU clock is installed there.
import Benchmark from "benchmark";
import { median } from "./stats.mjs";

export const CLOCK = process.env.KEYVIZ_BENCH_CLOCK === "wall" ? "wall" : "cpu";

/** Nanoseconds of the chosen clock (CPU: µs resolution from getrusage). */
export function clockNs() {
  if (CLOCK === "wall") return Number(process.hrtime.bigint());
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
}

if (CLOCK === "cpu") {
  const wallHrtime = process.hrtime;
  // hrtime([prev]) contract: [seconds, nanoseconds], or the difference from `prev`.
  /** @param {[number, number]} [prev] @returns {[number, number]} */
  const cpuHrtime = (prev) => {
    const ns = clockNs();
    let s = Math.floor(ns / 1e9);
    let n = ns - s * 1e9;
    if (prev) {
      s -= prev[0];
      n -= prev[1];
      if (n < 0) {
        s--;
        n += 1e9;
      }
    }
    return [s, n];
  };
  cpuHrtime.bigint = wallHrtime.bigint;
  process.hrtime = cpuHrtime;
}

// Plain functions: benchmark.js calls them (no source decompilation), so closures work.
Benchmark.support.decompilation = false;

/**
 * ns per operation of `fn` (which performs `opsPerCall` operations per call). Returns the median
 * over benchmark.js samples, plus its own mean and relative margin of error for the record.
 */
export function nsPerOp(fn, opsPerCall, { maxTime = 1, minSamples = 20 } = {}) {
  return runBench(new Benchmark("v", fn, { maxTime, minSamples, async: false }), opsPerCall, 1e9);
}

/** The same for an asynchronous batch: `fn()` returns a promise of `opsPerCall` operations. */
export function nsPerOpAsync(fn, opsPerCall, { maxTime = 1, minSamples = 20 } = {}) {
  const bench = new Benchmark("v", {
    defer: true,
    maxTime,
    minSamples,
    fn: (deferred) => {
      fn().then(
        () => deferred.resolve(),
        (e) => {
          console.error(e);
          process.exit(1);
        },
      );
    },
  });
  return runBench(bench, opsPerCall, 1e9);
}

/**
 * ms per call of a slow `fn` (milliseconds or more per call): a direct loop on the same clock,
 * one untimed warm-up call, then at least `minCalls` timed calls and until `budgetMs` of clock
 * time is spent (at most `maxCalls`). benchmark.js adds little at this scale but would spend
 * several times the budget calibrating; the median of the calls is reported.
 */
export function msPerCall(fn, { minCalls = 3, maxCalls = 20, budgetMs = 2500 } = {}) {
  fn();
  const calls = new SlowCalls();
  while (calls.wantMore(minCalls, maxCalls, budgetMs)) {
    calls.start();
    fn();
    calls.stop();
  }
  return calls.stats();
}

/** `msPerCall` for an asynchronous `fn` (e.g. an HTTP request end to end). */
export async function msPerCallAsync(fn, { minCalls = 3, maxCalls = 20, budgetMs = 2500 } = {}) {
  await fn();
  const calls = new SlowCalls();
  while (calls.wantMore(minCalls, maxCalls, budgetMs)) {
    calls.start();
    await fn();
    calls.stop();
  }
  return calls.stats();
}

/**
 * The process's minor page faults so far: first touches of fresh memory (the V8 heap growing,
 * new typed-array backing stores). Read outside the timed region.
 */
function minorPageFaults() {
  return process.resourceUsage().minorPageFault;
}

/**
 * The timed calls of msPerCall, msPerCallAsync and msEach: each call's time and its first-touch
 * page faults. An allocating call (number[] rows, say) pays a fault per fresh 4 KiB page, and
 * what a fault costs varies by host by more than 10× (the `first-touch-page` variant measures
 * it), so the count says how much of a figure is the host rather than the code.
 */
class SlowCalls {
  times = [];
  faults = [];
  spent = 0;
  f0 = 0;
  t0 = 0;

  /** Whether to time another call: until `minCalls`, then while under `budgetMs` and `maxCalls`. */
  wantMore(minCalls, maxCalls, budgetMs) {
    const n = this.times.length;
    return n < minCalls || (this.spent < budgetMs && n < maxCalls);
  }

  start() {
    this.f0 = minorPageFaults();
    this.t0 = clockNs();
  }

  stop() {
    const ms = (clockNs() - this.t0) / 1e6;
    this.faults.push(minorPageFaults() - this.f0);
    this.times.push(ms);
    this.spent += ms;
  }

  /** The median call and its range, and the median call's page faults. */
  stats() {
    const times = this.times;
    return {
      value: median(times),
      min: Math.min(...times),
      max: Math.max(...times),
      samples: times.length,
      pageFaultsPerCall: median(this.faults),
    };
  }
}

function runBench(bench, opsPerCall, scale) {
  return new Promise((resolve, reject) => {
    bench.on("complete", () => {
      if (bench.error) return reject(bench.error);
      const perOp = bench.stats.sample.map((s) => (s * scale) / opsPerCall);
      resolve({
        value: median(perOp),
        mean: (bench.stats.mean * scale) / opsPerCall,
        rme: bench.stats.rme,
        samples: perOp.length,
      });
    });
    bench.run({ async: bench.defer === true });
  });
}

/**
 * ms per `run()` for operations that need fresh state each time: `prepare()` runs before every
 * timed call, outside the timed region (benchmark.js has no per-call setup). Median of the
 * timed calls after `warmup` untimed ones.
 */
export function msEach({ prepare, run, iterations, warmup = 5 }) {
  for (let i = 0; i < warmup; i++) {
    prepare();
    run();
  }
  const calls = new SlowCalls();
  for (let i = 0; i < iterations; i++) {
    prepare();
    calls.start();
    run();
    calls.stop();
  }
  return calls.stats();
}
