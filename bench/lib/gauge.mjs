// The core-speed gauge: how fast the core a child ran on was, so that rounds measured on a slowed
// core can be told apart from the code's own figures.
//
// Why: CPU time does not see a slow core. On the virtual machine of 2026-12-01 a vCPU ran 1.5–2×
// slower for minutes at a time (`floor` 2.38 ns, then 3.82 and 3.64 ns in the next two rounds of
// one pinned run, then 2.33 again), presumably a busy neighbour on the host's sibling thread.
// A round caught in such a spell moves a median of five and, worse, a ratio whose variant and
// baseline fell on different sides of it (`leaseRead` read 0.68× in that run).
//
// The gauge is a fixed kernel with no memory traffic beyond L1 (sums over a 16 KiB array), timed
// on the wall clock as the best of several short repetitions: being descheduled only lengthens
// some repetitions, while a slow core lengthens all of them. Each child runs it before and after
// its variant and reports the slower of the two (`gaugeNs`); the runner names the rounds whose
// gauge was slow under its table.

/**
 * A round whose gauge is more than this much slower than the run's best ran on a slowed core.
 * The gauge itself varies by ~2 % between processes on a quiet core. It sees only part of a
 * spell: in one round `floor` ran 1.5× slower while the gauge read 1.10× (the spells seem to
 * slow memory more than arithmetic), so the runner reports such rounds and leaves them in.
 */
const SLOW_CORE_TOLERANCE = 0.15;

const ELEMENTS = 2048;
const PASSES = 200;
const REPETITIONS = 15;
/** Untimed repetitions first, so that the timed ones run optimized code. */
const WARM_UP = 5;

/** Nanoseconds per element of the gauge kernel on this core now (best of REPETITIONS). */
export function gaugeNs() {
  return bestNs(sums, plainData());
}

/**
 * Typed-array accesses in a process are checked for detachment once any ArrayBuffer in it has
 * been detached (a Wasm memory grown, a buffer transferred; docs/design.md). The gauge's sums
 * over a Float64Array then run ~2× the plain array's time (2.03–2.06× measured here), and
 * 1.02–1.05× otherwise.
 */
const CHECKED_RATIO = 1.5;

/** Alternations of the two kernels in `typedArraysChecked`. */
const CHECK_ALTERNATIONS = 3;

/**
 * Whether typed-array accesses in this process are checked now: the gauge's sums over a
 * Float64Array against the same sums over the plain array (`plainNs`, a `gaugeNs()` just taken,
 * is the first of those), the best of each over alternating measurements. Measured once each, a
 * slow spell that began between the two read as a detach (`floor`, which detaches nothing, was
 * named in 1 round of 3 on 2026-12-02); a detach slows every typed measurement ~2×. A child
 * reports it after its variant, so a variant whose code detached a buffer is named
 * (`typedArrayChecks`).
 */
export function typedArraysChecked(plainNs) {
  const plain = plainData();
  const typed = Float64Array.from(plain);
  let plainBest = plainNs;
  let typedBest = Infinity;
  for (let i = 0; i < CHECK_ALTERNATIONS; i++) {
    typedBest = Math.min(typedBest, bestNs(typedSums, typed));
    if (typedBest <= plainBest * CHECKED_RATIO) return false;
    plainBest = Math.min(plainBest, bestNs(sums, plain));
  }
  return typedBest > plainBest * CHECKED_RATIO;
}

function plainData() {
  return Array.from({ length: ELEMENTS }, (_, i) => (i & 7) + 0.5);
}

/** ns per element of `kernel` over `data`, best of REPETITIONS after WARM_UP. */
function bestNs(kernel, data) {
  let best = Infinity;
  let sink = 0;
  for (let rep = 0; rep < WARM_UP; rep++) sink += kernel(data, PASSES);
  for (let rep = 0; rep < REPETITIONS; rep++) {
    const t0 = performance.now();
    sink += kernel(data, PASSES);
    best = Math.min(best, performance.now() - t0);
  }
  if (sink === 0) console.error(sink); // never: keeps the sums observable
  return (best * 1e6) / (ELEMENTS * PASSES);
}

/**
 * `passes` sums over a plain array of doubles (16 KiB, in L1): loads and dependent adds, which a
 * busy neighbour on the core's sibling thread slows as it slows the variants (a chain of
 * multiply-adds on a local did not notice a spell that made `floor` 1.35× slower). A plain array
 * rather than a `Float64Array`: after an ArrayBuffer is detached, V8 checks every typed-array
 * access for the rest of the process (`observe-after-matrix`), which would read as a slow core.
 */
function sums(data, passes) {
  let s = 0;
  for (let p = 0; p < passes; p++) for (let i = 0; i < data.length; i++) s += data[i];
  return s;
}

/** `sums` over a Float64Array, as a function of its own so that each stays monomorphic. */
function typedSums(data, passes) {
  let s = 0;
  for (let p = 0; p < passes; p++) for (let i = 0; i < data.length; i++) s += data[i];
  return s;
}

/** Whether a child's result ran on a core slower than `best` (the run's fastest gauge) allows. */
function onSlowCore(result, best) {
  return typeof result.gaugeNs === "number" && result.gaugeNs > best * (1 + SLOW_CORE_TOLERANCE);
}

/** Flags (`slowCore`) the results whose gauge was slower than the run's best allows. */
export function markSlowCoreRounds(results) {
  const best = bestGauge(results);
  for (const r of results) if (onSlowCore(r, best)) r.slowCore = true;
}

/** The fastest gauge among `results` (Infinity when none reported one). */
function bestGauge(results) {
  let best = Infinity;
  for (const r of results) if (typeof r.gaugeNs === "number" && r.gaugeNs < best) best = r.gaugeNs;
  return best;
}
