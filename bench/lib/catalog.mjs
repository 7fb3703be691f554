// Every benchmark variant: where it runs, its unit, the baseline its ratio is taken against
// (measured in the same run) and the target, if any. Order = table order.
//
// `file`: bench/variants/<file>.mjs, spawned as `node [nodeArgs] <file> <name>`.
// `rounds`: the most rounds it needs (deterministic measurements need one; slow ones three).
// `extra`: not in the default run (select with --only or --all).
// `from`: a row derived from another variant's result field (no process of its own).
// `everyCore`: measures threads running in parallel, so `--cpu N` does not pin it (one core
// would time-slice the threads and report no scaling); it runs on every core instead.
// `target.met(row)`: row = { value, ratio, results } (results: every round's child output).

const MB = 1024 * 1024;
const ratioAtMost = (x) => (row) => row.ratio <= x;
const ratioAtLeast = (x) => (row) => row.ratio >= x;
const valueAtMost = (x) => (row) => row.value <= x;
/**
 * V8 flags of a server that serves big matrices and snapshots: a 64 MiB young generation from the
 * start, so their short-lived rows are allocated in pages V8 keeps instead of fresh old-space pages
 * (what a first touch costs is the host's; see the first-touch-page variant).
 */
const YOUNG_64 = ["--min-semi-space-size=64", "--max-semi-space-size=64"];
const noAllocation = (row) => row.value < 1 * MB && row.results.every((r) => r.gcsDuringLoop === 0);

export const CATALOG = [
  // ---- issue 2: sampler -------------------------------------------------------------------
  { name: "floor", group: "sampler", file: "sampler", unit: "ns" },
  {
    name: "observe-hit",
    group: "sampler",
    file: "sampler",
    unit: "ns",
    baseline: "floor",
    target: { text: "≤ 1.5× floor", met: ratioAtMost(1.5) },
  },
  { name: "observe-after-matrix", group: "sampler", file: "sampler", unit: "ns", baseline: "observe-hit" },
  { name: "observe-after-labels-k16", group: "sampler", file: "sampler", unit: "ns", baseline: "observe-hit" },
  { name: "observe-miss", group: "sampler", file: "sampler", unit: "ns", baseline: "floor" },
  { name: "observe-wasm-call", group: "sampler", file: "sampler", unit: "ns", baseline: "floor" },
  {
    name: "map-sampler",
    group: "sampler",
    file: "sampler",
    unit: "ns",
    baseline: "observe-hit",
    target: { text: "≥ 1.5× observe-hit", met: ratioAtLeast(1.5) },
  },
  {
    name: "map-sampler-fast",
    group: "sampler",
    file: "sampler",
    unit: "ns",
    baseline: "observe-hit",
    target: { text: "≥ 1.6× observe-hit", met: ratioAtLeast(1.6) },
  },
  {
    name: "prom-client",
    group: "sampler",
    file: "sampler",
    unit: "ns",
    baseline: "observe-hit",
    target: { text: "≥ 20× observe-hit", met: ratioAtLeast(20) },
  },
  { name: "key-touch", group: "sampler", file: "sampler", unit: "ns", baseline: "floor" },
  {
    name: "observeKey-k1",
    group: "sampler",
    file: "sampler",
    unit: "ns",
    baseline: "floor",
    target: { text: "≤ 8 ns", met: valueAtMost(8) },
  },
  {
    name: "observeKey-k16",
    group: "sampler",
    file: "sampler",
    unit: "ns",
    baseline: "floor",
    target: { text: "≤ 8× floor", met: ratioAtMost(8) },
  },
  { name: "observeKey-k16-scattered", group: "sampler", file: "sampler", unit: "ns", baseline: "observeKey-k16" },
  {
    name: "flush-10k-k1",
    group: "sampler",
    file: "sampler",
    unit: "ms",
    target: { text: "≤ 1 ms", met: valueAtMost(1) },
  },
  {
    name: "flush-10k-k16",
    group: "sampler",
    file: "sampler",
    unit: "ms",
    target: { text: "≤ 10 ms", met: valueAtMost(10) },
  },
  {
    name: "snapshot-1440",
    group: "sampler",
    file: "sampler",
    unit: "ms",
    rounds: 3,
    target: { text: "≤ 50 ms", met: valueAtMost(50) },
  },
  { name: "snapshot-1440-young64", group: "sampler", file: "sampler", unit: "ms", rounds: 3, nodeArgs: YOUNG_64 },
  {
    name: "alloc-observe",
    group: "memory",
    file: "memory",
    nodeArgs: ["--expose-gc"],
    unit: "B",
    rounds: 1,
    target: { text: "no allocation", met: noAllocation },
  },
  {
    name: "alloc-observeKey-k1",
    group: "memory",
    file: "memory",
    nodeArgs: ["--expose-gc"],
    unit: "B",
    rounds: 1,
    target: { text: "no allocation", met: noAllocation },
  },
  {
    name: "alloc-observeKey-k16",
    group: "memory",
    file: "memory",
    nodeArgs: ["--expose-gc"],
    unit: "B",
    rounds: 1,
    target: { text: "no allocation", met: noAllocation },
  },
  {
    name: "history-1440x10k",
    group: "memory",
    file: "memory",
    nodeArgs: ["--expose-gc"],
    unit: "B/cell",
    rounds: 1,
    target: { text: "≤ 24 B/cell", met: valueAtMost(24) },
  },
  {
    name: "history-1440x10k-total",
    group: "memory",
    unit: "B",
    from: { variant: "history-1440x10k", field: "totalBytes" },
  },

  // ---- issue 3: routing and the coordinator -------------------------------------------------
  { name: "js-bsearch-1k", group: "routing", file: "routing", unit: "ns" },
  {
    name: "routeForKey-1k",
    group: "routing",
    file: "routing",
    unit: "ns",
    baseline: "js-bsearch-1k",
    target: { text: "≥ 2× faster (≤ 0.5×)", met: ratioAtMost(0.5) },
  },
  { name: "js-bsearch-64k", group: "routing", file: "routing", unit: "ns" },
  {
    name: "routeForKey-64k",
    group: "routing",
    file: "routing",
    unit: "ns",
    baseline: "js-bsearch-64k",
    target: { text: "≥ 2× faster (≤ 0.5×)", met: ratioAtMost(0.5) },
  },
  { name: "leaseRead-nosampler", group: "coordinator", file: "coordinator", unit: "ns" },
  {
    name: "leaseRead-sampler",
    group: "coordinator",
    file: "coordinator",
    unit: "ns",
    baseline: "leaseRead-nosampler",
    target: { text: "≤ 1.05×", met: ratioAtMost(1.05) },
  },
  { name: "routetable-100k", group: "coordinator", file: "coordinator", unit: "ms" },
  { name: "coordinator-100k", group: "coordinator", file: "coordinator", unit: "ms", baseline: "routetable-100k" },

  // ---- issue 4: matrix ------------------------------------------------------------------------
  { name: "matrix-js", group: "matrix", file: "matrix", unit: "ms", rounds: 3 },
  {
    name: "matrix-wasm",
    group: "matrix",
    file: "matrix",
    unit: "ms",
    rounds: 3,
    baseline: "matrix-js",
    target: { text: "≤ 100 ms", met: valueAtMost(100) },
  },
  { name: "matrix-json", group: "matrix", unit: "B", from: { variant: "matrix-wasm", field: "jsonBytes" } },
  {
    name: "merge-3",
    group: "matrix",
    file: "matrix",
    unit: "ms",
    rounds: 3,
    baseline: "matrix-wasm",
    target: { text: "≤ 150 ms", met: valueAtMost(150) },
  },
  {
    name: "merge-3-server",
    group: "matrix",
    file: "matrix",
    unit: "ms",
    rounds: 3,
    baseline: "matrix-wasm",
  },
  // ---- issue 14: the read side end to end ------------------------------------------------------
  { name: "sum-u32", group: "matrix", file: "matrix", unit: "ms", rounds: 3 },
  // The host's cost of fresh memory (no target: a property of the machine, see the variant).
  { name: "first-touch-page", group: "matrix", file: "matrix", unit: "µs", rounds: 3 },
  {
    name: "matrix-e2e",
    group: "matrix",
    file: "matrix",
    unit: "ms",
    rounds: 3,
    baseline: "sum-u32",
    target: { text: "≤ 2.5× sum-u32", met: ratioAtMost(2.5) },
  },
  // The same with a 64 MiB young generation from the start (no target: the flags are the
  // deployment's choice, docs/benchmarks.md "Fresh memory"): the rows then land in pages V8 keeps.
  {
    name: "matrix-e2e-young64",
    group: "matrix",
    file: "matrix",
    unit: "ms",
    rounds: 3,
    baseline: "sum-u32",
    nodeArgs: YOUNG_64,
  },
  { name: "matrix-http-stringify", group: "matrix", file: "matrix", unit: "ms", rounds: 3 },
  {
    name: "matrix-http",
    group: "matrix",
    file: "matrix",
    unit: "ms",
    rounds: 3,
    baseline: "matrix-http-stringify",
    target: { text: "≤ 120 ms", met: valueAtMost(120) },
  },

  // A fan-out GET /matrix with two peers (no target: what a cluster's page load costs its node).
  { name: "matrix-http-fanout", group: "matrix", file: "matrix", unit: "ms", rounds: 3 },

  // ---- issue 5: hot keys ----------------------------------------------------------------------
  { name: "observeKey-hot-off", group: "hotkeys", file: "hotkeys", unit: "ns" },
  {
    name: "observeKey-hot-r16",
    group: "hotkeys",
    file: "hotkeys",
    unit: "ns",
    baseline: "observeKey-hot-off",
    target: { text: "≤ 1.5×", met: ratioAtMost(1.5) },
  },
  { name: "offer-noop", group: "hotkeys", file: "hotkeys", unit: "ns" },
  { name: "offer-r16", group: "hotkeys", file: "hotkeys", unit: "ns", baseline: "offer-noop" },
  { name: "offer-r64", group: "hotkeys", file: "hotkeys", unit: "ns", baseline: "offer-noop", extra: true },
  { name: "sketch-add", group: "hotkeys", file: "hotkeys", unit: "ns", baseline: "offer-noop" },
  { name: "sketch-wasm", group: "hotkeys", file: "hotkeys", unit: "ns", baseline: "sketch-add" },
  { name: "keystring-latin1", group: "hotkeys", file: "hotkeys", unit: "ns", baseline: "offer-noop", extra: true },
  { name: "keystring-hex", group: "hotkeys", file: "hotkeys", unit: "ns", baseline: "offer-noop", extra: true },

  // ---- issue 12: viewer (headless Chromium) ----------------------------------------------------
  { name: "render-fillrect", group: "viewer", file: "viewer", unit: "ms", rounds: 1 },
  {
    name: "render-putimage",
    group: "viewer",
    file: "viewer",
    unit: "ms",
    rounds: 3,
    baseline: "render-fillrect",
    target: { text: "≤ 16 ms", met: valueAtMost(16) },
  },
  { name: "replay-full-repaint", group: "viewer", file: "viewer", unit: "col/s", rounds: 3 },
  {
    name: "replay-columns",
    group: "viewer",
    file: "viewer",
    unit: "col/s",
    rounds: 3,
    baseline: "replay-full-repaint",
    target: { text: "≥ 1 000 col/s", met: (row) => row.value >= 1000 },
  },
  {
    name: "replay-load-24hx10k",
    group: "viewer",
    file: "viewer",
    unit: "ms",
    rounds: 3,
    target: { text: "≤ 1 s", met: valueAtMost(1000) },
  },

  // ---- issue 11: history file, storage, replay ----------------------------------------------
  {
    name: "kvz-bytes-per-cell",
    group: "history",
    file: "history",
    unit: "B/cell",
    rounds: 1,
    target: { text: "≤ 8 B/cell", met: valueAtMost(8) },
  },
  {
    name: "kvz-vs-json",
    group: "history",
    unit: "×",
    from: { variant: "kvz-bytes-per-cell", field: "jsonRatio" },
    target: { text: "< 0.25 of the JSON", met: (row) => row.value < 0.25 },
  },
  {
    name: "kvz-vs-json-1024",
    group: "history",
    unit: "×",
    from: { variant: "kvz-bytes-per-cell", field: "jsonRatio1024" },
  },
  { name: "tier-merge-10k", group: "history", file: "history", unit: "ms", rounds: 3 },
  {
    name: "kvz-export-24h-10k",
    group: "history",
    file: "history",
    unit: "ms",
    rounds: 3,
    target: { text: "≤ 500 ms", met: valueAtMost(500) },
  },
  {
    name: "kvz-open-matrix-24h-10k",
    group: "history",
    file: "history",
    unit: "ms",
    rounds: 3,
    target: { text: "≤ 1 000 ms", met: valueAtMost(1000) },
  },
  { name: "kvz-open-6h-1s-full", group: "history", file: "history", unit: "ms", rounds: 3 },
  {
    name: "kvz-open-6h-1s-30s",
    group: "history",
    file: "history",
    unit: "ms",
    rounds: 3,
    baseline: "kvz-open-6h-1s-full",
  },
  {
    name: "kvz-append-10k",
    group: "history",
    file: "history",
    unit: "ms",
    rounds: 3,
    target: { text: "≤ 1 ms", met: valueAtMost(1) },
  },
  {
    name: "split-1440",
    group: "history",
    file: "history",
    unit: "ms",
    rounds: 1,
    target: { text: "≤ 1 ms", met: valueAtMost(1) },
  },
  {
    name: "split-14400",
    group: "history",
    file: "history",
    unit: "ms",
    rounds: 1,
    target: { text: "≤ 1 ms", met: valueAtMost(1) },
  },
  {
    name: "kvz-recovery-24h-10k",
    group: "history",
    file: "history",
    unit: "ms",
    rounds: 1,
    target: { text: "≤ 2 000 ms", met: valueAtMost(2000) },
  },

  // ---- issue 15: one sampler counted from worker threads (shared memory) -----------------------
  { name: "observe-single", group: "workers", file: "workers", unit: "ns" },
  {
    name: "observe-worker",
    group: "workers",
    file: "workers",
    unit: "ns",
    baseline: "observe-single",
    target: { text: "≤ 1.2×", met: ratioAtMost(1.2) },
  },
  // Aggregate throughput is wall-clock by nature (two threads): run it when the machine is quiet.
  { name: "agg-shared-1w", group: "workers", file: "workers", unit: "obs/s", everyCore: true },
  {
    name: "agg-shared-2w",
    group: "workers",
    file: "workers",
    unit: "obs/s",
    everyCore: true,
    baseline: "agg-shared-1w",
    target: { text: "≥ 1.7× (scaling)", met: ratioAtLeast(1.7) },
  },
  {
    name: "agg-separate-1w",
    group: "workers",
    file: "workers",
    unit: "obs/s",
    baseline: "agg-shared-1w",
    everyCore: true,
  },
  {
    name: "agg-separate-2w",
    group: "workers",
    file: "workers",
    unit: "obs/s",
    baseline: "agg-shared-2w",
    everyCore: true,
  },
  { name: "flush-plain-10k", group: "workers", file: "workers", unit: "ms" },
  { name: "flush-shared-4w", group: "workers", file: "workers", unit: "ms", baseline: "flush-plain-10k" },
  { name: "observeKey-worker", group: "workers", file: "workers", unit: "ns" },
  { name: "observeKey-worker-hot", group: "workers", file: "workers", unit: "ns", baseline: "observeKey-worker" },
  { name: "lookup-owner", group: "workers", file: "workers", unit: "ns" },
  { name: "lookup-worker", group: "workers", file: "workers", unit: "ns", baseline: "lookup-owner" },
  { name: "route-owner", group: "workers", file: "workers", unit: "ns" },
  { name: "route-worker", group: "workers", file: "workers", unit: "ns", baseline: "route-owner" },
];

/**
 * The variants to run: all non-extra ones, or (with `only` tokens) every variant whose group
 * equals a token or whose name contains one; plus, transitively, the baselines and sources of
 * derived rows they need, so ratios always come from the same run.
 */
export function select({ only = [], all = false } = {}) {
  const byName = new Map(CATALOG.map((v) => [v.name, v]));
  const wanted = new Set(
    CATALOG.filter((v) =>
      only.length === 0 ? all || !v.extra : only.some((t) => v.group === t || v.name === t || v.name.includes(t)),
    ).map((v) => v.name),
  );
  let grew = true;
  while (grew) {
    grew = false;
    for (const name of [...wanted]) {
      const v = byName.get(name);
      for (const need of [v.baseline, v.from?.variant]) {
        if (need !== undefined && !wanted.has(need)) {
          wanted.add(need);
          grew = true;
        }
      }
    }
  }
  return CATALOG.filter((v) => wanted.has(v.name));
}
