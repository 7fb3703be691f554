// Issue 11 — history that lasts: `.kvz` size per stored cell against the JSON matrix, export and
// replay of a day of 10 000 routes, append per flush with storage on, recovery at startup.
//   node bench/variants/history.mjs <variant>
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runVariant } from "../lib/child.mjs";
import { importDist, importSampler } from "../lib/dist.mjs";
import { fakeClock, filledSampler, STEP_MS } from "../lib/fixtures.mjs";
import { clockNs, msPerCall } from "../lib/measure.mjs";
import { below, rng } from "../lib/random.mjs";
import { median } from "../lib/stats.mjs";
import { boundedRoutes, routeKey } from "../lib/workload.mjs";

const SERIES = ["reads", "writes", "read_bytes", "write_bytes"];

/**
 * The workload of issue 11's size target: 1 000 routes, K = 4, one label, 60 one-minute columns,
 * skewed keys (a power law over routes and within a route's key range), value lengths 0–200 B,
 * 40 000 requests per column, 30 % of them labelled.
 */
async function issueWorkload() {
  const { createSampler } = await importSampler();
  const clock = fakeClock();
  const s = createSampler({
    stepMs: STEP_MS,
    keyBucketsPerRoute: 4,
    labels: ["api"],
    maxTrackedRoutes: 1000,
    now: clock.now,
  });
  for (const r of boundedRoutes(1000, 16)) s.registerRoute(r.routeId, r.start, r.end, r.groupId);
  for (let g = 1; g <= 16; g++) s.setLeaderTerm(g, 3);
  const random = rng(11);
  for (let c = 0; c < 60; c++) {
    for (let j = 0; j < 40_000; j++) {
      const route = Math.floor(random() ** 3 * 1000);
      const op = random() < 0.5 ? 0 : 1;
      const key = routeKey(route, Math.floor(random() ** 2 * 2 ** 32));
      s.observeKey(route, op, key, op === 1 ? below(random, 201) : 0, random() < 0.3 ? "api" : "");
    }
    clock.tick();
    s.flush();
  }
  return s;
}

const day = () => filledSampler({ routes: 10_000, columns: 1440 });

/** 6 h at 1 s of 1 024 routes, every cell written (21 600 columns, 22 M cells): an export file. */
async function sixHoursAtOneSecond() {
  const { createSampler } = await importSampler();
  const COLUMNS = 21_600;
  let now = Date.UTC(2026, 0, 1);
  const s = createSampler({ stepMs: 1000, historyColumns: COLUMNS, maxTrackedRoutes: 1024, now: () => now });
  for (const r of boundedRoutes(1024, 16)) s.registerRoute(r.routeId, r.start, r.end, r.groupId);
  for (let c = 0; c < COLUMNS; c++) {
    for (let i = 0; i < 1024; i++) s.observe(i, 1, 16, 1 + (c % 64));
    now += 1000;
    s.flush();
  }
  return s.exportHistory();
}

/** `openHistory` (kept at `stepMs`, or as recorded) + the 30 s writes matrix, as the viewer opens it. */
async function openSixHours(stepMs) {
  const { openHistory } = await importDist("index.js");
  const bytes = await sixHoursAtOneSecond();
  let columns = 0;
  let kept = 0;
  const r = msPerCall(
    () => {
      const replay = openHistory(bytes, stepMs === undefined ? {} : { stepMs });
      kept = replay.columns.length;
      columns = replay.matrix({ series: "writes", rows: 1024, stepMs: 30_000 }).column_unix_ms.length;
    },
    { maxCalls: 3 },
  );
  return {
    ...r,
    fileBytes: bytes.length,
    keptColumns: kept,
    columns,
  };
}

function tempDir() {
  return mkdtempSync(join(tmpdir(), "keyviz-bench-"));
}

/** A sampler with storage in `dir` and 10 000 busy routes (K = 1). */
async function storedSampler(dir, fsync = "never") {
  const { createSampler } = await importSampler();
  const clock = fakeClock();
  const s = createSampler({
    stepMs: STEP_MS,
    historyColumns: 1440,
    maxTrackedRoutes: 10_000,
    now: clock.now,
    storage: { dir, fsync, maxBytes: 2 ** 31 },
  });
  for (const r of boundedRoutes(10_000, 16)) s.registerRoute(r.routeId, r.start, r.end, r.groupId);
  for (let g = 1; g <= 16; g++) s.setLeaderTerm(g, 3);
  return { s, clock };
}

/** One busy column: every route reads and writes. */
function fillColumn(s, c) {
  for (let r = 0; r < 10_000; r++) {
    const h = Math.imul(r + 1, 0x9e3779b1) ^ Math.imul(c + 1, 0x85ebca6b);
    s.observe(r, 0, 20);
    s.observe(r, 1, 20, (h >>> 8) & 255);
    if ((h & 3) === 0) s.observe(r, 1, 20, 100);
  }
}

/**
 * Split of a route with `columns` stored columns of 1 000 busy routes: replaceRoutes of one route
 * into two, a different route each call. Also reports the first full read after the splits (a
 * snapshot), which is where the deferred re-homing is paid.
 */
async function splitCost(columns) {
  const { createSampler } = await importSampler();
  const clock = fakeClock();
  const s = createSampler({ stepMs: STEP_MS, historyColumns: columns, maxTrackedRoutes: 4000, now: clock.now });
  const routes = boundedRoutes(1000, 16);
  for (const r of routes) s.registerRoute(r.routeId, r.start, r.end, r.groupId);
  for (let c = 0; c < columns; c++) {
    for (let r = 0; r < 1000; r++) s.observe(r, 1, 20, (r + c) & 255);
    clock.tick();
    s.flush();
  }
  const times = [];
  for (let i = 0; i < 21; i++) {
    const r = routes[100 + i * 37];
    const mid = routeKey(r.routeId, 2 ** 31);
    const t0 = clockNs();
    s.replaceRoutes(
      [r.routeId],
      [
        { routeId: r.routeId, start: r.start, end: mid, groupId: r.groupId },
        { routeId: 10_000 + i, start: mid, end: r.end, groupId: r.groupId },
      ],
    );
    if (i > 0) times.push((clockNs() - t0) / 1e6);
  }
  const t0 = clockNs();
  const cols = s.snapshot().length;
  const readMs = (clockNs() - t0) / 1e6;
  return {
    value: median(times),
    min: Math.min(...times),
    max: Math.max(...times),
    samples: times.length,
    columns: cols,
    firstSnapshotAfterMs: readMs,
  };
}

const variants = {
  "split-1440": () => splitCost(1440),
  "split-14400": () => splitCost(14_400),

  // Against the four series' matrix() JSON of the same span: with a row budget that folds nothing
  // (one row per bucket: the JSON then carries what the file carries, jsonRatio) and with the
  // default budget of 1 024 rows (which merges ~8 000 buckets into 1 024 rows, jsonRatio1024).
  "kvz-bytes-per-cell": async () => {
    const s = await issueWorkload();
    const bytes = s.exportHistory();
    const snap = s.snapshot();
    const cells = snap.reduce((n, c) => n + c.rows.length, 0);
    const buckets = new Set(snap.flatMap((c) => c.rows.map((r) => r.bucketId))).size;
    const json = (rows) =>
      SERIES.reduce((n, series) => n + Buffer.byteLength(JSON.stringify(s.matrix({ series, rows }))), 0);
    const jsonBytes = json(buckets);
    const jsonBytes1024 = json(1024);
    return {
      value: bytes.length / cells,
      fileBytes: bytes.length,
      cells,
      buckets,
      jsonBytes,
      jsonRatio: bytes.length / jsonBytes,
      jsonBytes1024,
      jsonRatio1024: bytes.length / jsonBytes1024,
    };
  },

  // A flush that merges ten base columns of 10 000 busy routes into one tier column, against the
  // flushes that do not merge (same sampler, same columns).
  "tier-merge-10k": async () => {
    const { createSampler } = await importSampler();
    const clock = fakeClock();
    const s = createSampler({
      stepMs: STEP_MS,
      historyColumns: 10,
      tiers: [{ stepMs: 10 * STEP_MS, columns: 100 }],
      maxTrackedRoutes: 10_000,
      now: clock.now,
    });
    for (const r of boundedRoutes(10_000, 16)) s.registerRoute(r.routeId, r.start, r.end, r.groupId);
    const merging = [];
    const plain = [];
    for (let c = 0; c < 120; c++) {
      fillColumn(s, c);
      clock.tick();
      const before = s.stats().columns;
      const t0 = clockNs();
      s.flush();
      const ms = (clockNs() - t0) / 1e6;
      if (c < 20) continue;
      // The ring is full: a flush that merged left fewer columns (10 waiting became 1).
      (s.stats().columns < before + 1 ? merging : plain).push(ms);
    }
    return {
      value: median(merging) - median(plain),
      mergingFlushMs: median(merging),
      plainFlushMs: median(plain),
      merges: merging.length,
      columns: s.stats().columns,
    };
  },

  "kvz-export-24h-10k": async () => {
    const { sampler } = await day();
    let bytes = new Uint8Array(0);
    const r = msPerCall(() => (bytes = sampler.exportHistory()), { maxCalls: 5 });
    return { ...r, fileBytes: bytes.length, columns: sampler.stats().columns };
  },

  "kvz-open-matrix-24h-10k": async () => {
    const { openHistory } = await importDist("index.js");
    const { sampler } = await day();
    const bytes = sampler.exportHistory();
    let rows = 0;
    let columns = 0;
    const r = msPerCall(
      () => {
        const m = openHistory(bytes).matrix({ series: "writes", rows: 1024 });
        rows = m.rows.length;
        columns = m.column_unix_ms.length;
      },
      { maxCalls: 5 },
    );
    return { ...r, fileBytes: bytes.length, rows, columns };
  },

  // A long recording at a fine step, shown at 30 s (what the viewer does past 2 880 columns):
  // every column kept as recorded, then re-aggregated (the baseline), against columns summed into
  // 30 s runs as they are read (`openHistory(bytes, { stepMs })`).
  "kvz-open-6h-1s-full": () => openSixHours(undefined),
  "kvz-open-6h-1s-30s": () => openSixHours(30_000),

  // flush() with storage (fsync "never": the fsync itself is excluded) minus flush() without, the
  // two samplers alternating in one process on the same busy columns: the append's own cost.
  "kvz-append-10k": async () => {
    const dir = tempDir();
    try {
      const stored = await storedSampler(dir);
      const { createSampler } = await importSampler();
      const clock = fakeClock();
      const plain = createSampler({ stepMs: STEP_MS, historyColumns: 1440, maxTrackedRoutes: 10_000, now: clock.now });
      for (const r of boundedRoutes(10_000, 16)) plain.registerRoute(r.routeId, r.start, r.end, r.groupId);
      const withStore = [];
      const without = [];
      for (let c = 0; c < 60; c++) {
        for (const [s, clk, out] of [
          [stored.s, stored.clock, withStore],
          [plain, clock, without],
        ]) {
          fillColumn(s, c);
          clk.tick();
          const t0 = clockNs();
          s.flush();
          if (c >= 10) out.push((clockNs() - t0) / 1e6);
        }
      }
      stored.s.close();
      const a = median(withStore);
      const b = median(without);
      return {
        value: a - b,
        flushWithStorageMs: a,
        flushWithoutMs: b,
        samples: withStore.length,
        bytes: stored.s.stats().storage.bytes,
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },

  "kvz-recovery-24h-10k": async () => {
    const dir = tempDir();
    try {
      const { s, clock } = await storedSampler(dir);
      for (let c = 0; c < 1440; c++) {
        fillColumn(s, c);
        clock.tick();
        s.flush();
      }
      s.close();
      const { createSampler } = await importSampler();
      const times = [];
      let recovered = 0;
      for (let i = 0; i < 3; i++) {
        const t0 = clockNs();
        const again = createSampler({
          stepMs: STEP_MS,
          historyColumns: 1440,
          maxTrackedRoutes: 10_000,
          storage: { dir, fsync: "never", maxBytes: 2 ** 31 },
        });
        times.push((clockNs() - t0) / 1e6);
        recovered = again.stats().columns;
        again.stop();
        // Release without writing: recovery of the same directory again next round.
        again.close();
      }
      return { value: median(times), min: Math.min(...times), max: Math.max(...times), recoveredColumns: recovered };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

await runVariant(variants);
