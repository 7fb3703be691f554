// Issues 9 and 10, sampler side: a wrong clock, bad options, failing callbacks and a route
// re-registered with another group. Each test reproduces the problem it guards against.
import { afterEach, describe, expect, it, vi } from "vitest";
import { createSampler, Op, openHistory } from "../../src/index.js";
import type { Logger } from "../../src/logger.js";
import { assertProperAxis, clockedSampler, enc, totals } from "../helpers.js";

function spyLogger(): Logger & { errors: string[] } {
  const errors: string[] = [];
  return { errors, info() {}, warn() {}, error: (m: string) => void errors.push(m) };
}

describe("clock (issue 10.1)", () => {
  it("keeps column times strictly increasing and finite when the clock goes back, stands still or is NaN", () => {
    let t = 11_000;
    const s = createSampler({ stepMs: 1000, now: () => t });
    s.registerRoute(1, null, null);
    const times = [11_000, 9_000, 9_000, NaN, Infinity, 12_000];
    for (const at of times) {
      t = at;
      s.observe(1, Op.Write, 1);
      s.flush();
    }
    const cols = s.snapshot();
    const ats = cols.map((c) => c.atMs);
    expect(ats).toEqual([11_000, 11_001, 11_002, 11_003, 11_004, 12_000]);
    for (const c of cols) expect(Number.isFinite(c.windowStartMs) && c.windowStartMs < c.atMs).toBe(true);
    expect(s.stats().clockAnomalies).toBe(4);
    expect(totals(cols).writes).toBe(6);
    t = NaN;
    const m = s.matrix();
    expect(m.column_unix_ms).toEqual(ats);
    expect(m.rows[0]!.values.reduce((a, b) => a + b, 0)).toBe(6);
  });

  it("floors a fractional clock to whole milliseconds and steps over a negative one, so exports stay writable", () => {
    let t = 1_700_000_000_000.25; // performance.timeOrigin + performance.now(), say
    const s = createSampler({ stepMs: 1000, now: () => t });
    s.registerRoute(1, null, null);
    for (const at of [1_700_000_001_000.75, 1_700_000_001_000.9, -5, 1_700_000_002_500.5]) {
      t = at;
      s.observe(1, Op.Write, 1);
      s.flush();
    }
    const cols = s.snapshot();
    expect(cols.map((c) => [c.windowStartMs, c.atMs])).toEqual([
      [1_700_000_000_000, 1_700_000_001_000],
      [1_700_000_001_000, 1_700_000_001_001],
      [1_700_000_001_001, 1_700_000_001_002],
      [1_700_000_001_002, 1_700_000_002_500],
    ]);
    expect(s.stats().clockAnomalies).toBe(2);
    expect(openHistory(s.exportHistory()).snapshot()).toEqual(cols); // threw "cannot store 1700000001000.25"
  });

  it("start() flushes at multiples of stepMs of the clock, not stepMs after start", () => {
    vi.useFakeTimers();
    vi.setSystemTime(5_250);
    const s = createSampler({ stepMs: 1000 });
    s.registerRoute(1, null, null);
    s.start();
    vi.advanceTimersByTime(749);
    expect(s.stats().columns).toBe(0);
    vi.advanceTimersByTime(1);
    vi.advanceTimersByTime(1000);
    s.stop();
    expect(s.snapshot().map((c) => c.atMs)).toEqual([6_000, 7_000]);
  });
  afterEach(() => void vi.useRealTimers());
});

describe("options (issue 10.2)", () => {
  it("rejects fractions with a RangeError naming the option", () => {
    for (const name of [
      "stepMs",
      "historyColumns",
      "keyBucketsPerRoute",
      "maxTrackedRoutes",
      "maxMemberRoutesPerSlot",
    ]) {
      expect(() => createSampler({ [name]: 0.5 + 1 })).toThrow(RangeError);
      expect(() => createSampler({ [name]: 1.5 })).toThrow(new RegExp(`^${name} must be an integer`));
      // At or past the cap too: a fraction is refused before anything is clamped; NaN is no integer.
      for (const big of [1e9 + 0.5, Infinity, NaN]) {
        expect(() => createSampler({ [name]: big })).toThrow(
          expect.objectContaining({ name: "RangeError", message: `${name} must be an integer, got ${big}` }),
        );
      }
    }
    expect(() => createSampler({ historyColumns: 100_000.5 })).toThrow(/^historyColumns must be an integer/);
    expect(() => createSampler({ keyBucketsPerRoute: 256.5 })).toThrow(/^keyBucketsPerRoute must be an integer/);
  });

  it("falls back to defaults for non-positive values, clamps above the maximum, takes any stepMs ≥ 1", () => {
    expect(createSampler({ stepMs: -0.5 }).stepMs).toBe(60_000);
    expect(createSampler({ stepMs: 1 }).stepMs).toBe(1);
    expect(createSampler({ historyColumns: 1e9, maxTrackedRoutes: 4 }).historyColumns).toBe(100_000);
    const { s, tick } = clockedSampler({ keyBucketsPerRoute: 100_000, maxTrackedRoutes: 2 });
    s.registerRoute(1, null, null);
    s.observeKey(1, Op.Write, enc("k"));
    tick();
    s.flush();
    expect(s.snapshot()[0]!.rows[0]!.subBucketCount).toBe(256);
  });
});

describe("logger (issue 10.3)", () => {
  afterEach(() => void vi.useRealTimers());

  it("reports a throwing onFlush listener and still calls the others and later flushes", () => {
    const logger = spyLogger();
    const { s, tick } = clockedSampler({ logger });
    s.registerRoute(1, null, null);
    const seen: number[] = [];
    s.onFlush(() => {
      throw new Error("listener broke");
    });
    s.onFlush((c) => void seen.push(c.atMs));
    tick();
    s.flush();
    tick();
    s.flush();
    expect(seen).toHaveLength(2);
    expect(logger.errors).toHaveLength(2);
    expect(logger.errors[0]).toMatch(/onFlush listener failed: listener broke/);
  });

  it("reports a failing timer flush and keeps flushing", () => {
    vi.useFakeTimers();
    vi.setSystemTime(10_000);
    const logger = spyLogger();
    let fail = false;
    const s = createSampler({
      stepMs: 1000,
      logger,
      now: () => {
        if (fail) throw new Error("clock broke");
        return Date.now();
      },
    });
    s.start();
    fail = true;
    vi.advanceTimersByTime(1000);
    fail = false;
    vi.advanceTimersByTime(1000);
    s.stop();
    expect(logger.errors.some((m) => /timer flush failed: clock broke/.test(m))).toBe(true);
    expect(s.stats().columns).toBe(1);
  });

  it("rejects a logger without the three methods", () => {
    expect(() => createSampler({ logger: {} as Logger })).toThrow(TypeError);
  });
});

describe("routes (issue 9)", () => {
  it("9.5: re-registering inside the grace window with another group takes the new group and its term", () => {
    const { s, tick } = clockedSampler({ stepMs: 1000 });
    s.setLeaderTerm(7, 3);
    s.setLeaderTerm(8, 5);
    s.registerRoute(1, null, enc("m"), 7);
    s.observe(1, Op.Write, 1);
    s.removeRoute(1);
    expect(s.registerRoute(1, null, enc("m"), 8)).toBe(true);
    s.observe(1, Op.Write, 1);
    tick();
    s.flush();
    tick(10_000);
    s.observe(1, Op.Write, 1);
    s.flush();
    const rows = s.snapshot().flatMap((c) => c.rows);
    expect(rows.map((r) => [r.bucketId, r.groupId, r.leaderTerm, r.writes])).toEqual([
      ["route:1", 8, 5, 2],
      ["route:1", 8, 5, 1],
    ]);
  });

  it("9.9: setLeaderTerm(0, t) throws a RangeError", () => {
    expect(() => createSampler().setLeaderTerm(0, 1)).toThrow(RangeError);
  });
});

describe("remove-then-register over pending counts (issue 9.8)", () => {
  const rowsOf = (s: ReturnType<typeof clockedSampler>["s"], i: number) => s.snapshot()[i]!.rows;
  const sum = (rows: { writes: number; writeBytes: number }[]) => [
    rows.reduce((a, r) => a + r.writes, 0),
    rows.reduce((a, r) => a + r.writeBytes, 0),
  ];

  it("a split by hand registers each piece individually (true) and re-homes the pending counts exactly", () => {
    const { s, tick } = clockedSampler({ stepMs: 1000 });
    s.registerRoute(1, enc("a"), enc("c"));
    for (let i = 0; i < 10; i++) s.observe(1, Op.Write, 4); // 10 writes, 40 bytes, pending
    s.removeRoute(1);
    expect(s.registerRoute(2, enc("a"), enc("b"))).toBe(true);
    expect(s.registerRoute(3, enc("b"), enc("c"))).toBe(true);
    s.observe(2, Op.Write, 1);
    tick();
    s.flush();
    const rows = rowsOf(s, 0);
    assertProperAxis(rows);
    expect(rows.every((r) => !r.aggregate)).toBe(true);
    expect(rows.map((r) => r.bucketId)).toEqual(["route:2", "route:3"]);
    expect(sum(rows)).toEqual([11, 41]);
    expect(s.stats()).toMatchObject({ trackedRoutes: 2, virtualBuckets: 0 });
    tick();
    s.observe(3, Op.Write, 1);
    s.flush();
    expect(rowsOf(s, 1).map((r) => [r.bucketId, r.writes])).toEqual([["route:3", 1]]);
  });

  it("a merge by hand (remove two, register one over both) re-homes both pending counts, labels kept", () => {
    const { s, tick } = clockedSampler({ stepMs: 1000, labels: ["x"], keyBucketsPerRoute: 4 });
    s.registerRoute(1, enc("a"), enc("b"));
    s.registerRoute(2, enc("b"), enc("c"));
    s.observeKey(1, Op.Write, enc("a1"), 0, "x");
    s.observeKey(2, Op.Write, enc("b1"), 0);
    s.removeRoute(1);
    s.removeRoute(2);
    expect(s.registerRoute(3, enc("a"), enc("c"))).toBe(true);
    tick();
    s.flush();
    const rows = rowsOf(s, 0);
    assertProperAxis(rows);
    expect(rows.every((r) => r.routeId === 3 && !r.aggregate)).toBe(true);
    expect(sum(rows.filter((r) => r.label === "x"))).toEqual([1, 2]);
    expect(sum(rows.filter((r) => r.label === ""))).toEqual([1, 2]);
    expect(s.stats()).toMatchObject({ trackedRoutes: 1, virtualBuckets: 0 });
  });

  it("returns false only when there is no room", () => {
    const { s } = clockedSampler({ stepMs: 1000, maxTrackedRoutes: 2 });
    s.registerRoute(1, enc("a"), enc("c"));
    s.observe(1, Op.Write, 4);
    s.removeRoute(1);
    expect(s.registerRoute(2, enc("a"), enc("b"))).toBe(true);
    expect(s.registerRoute(3, enc("b"), enc("c"))).toBe(true);
    expect(s.registerRoute(4, enc("c"), enc("d"))).toBe(false); // the budget of 2 is full
  });

  it("pieces covering the pending counts in part share one row for that step only, then count alone again", () => {
    const { s, tick } = clockedSampler({ stepMs: 1000 });
    s.registerRoute(1, enc("a"), enc("c"));
    s.observe(1, Op.Write, 4);
    s.removeRoute(1);
    expect(s.registerRoute(2, enc("a"), enc("b"))).toBe(true); // [b, c) is never registered
    s.observe(2, Op.Write, 1);
    tick();
    s.flush();
    const first = rowsOf(s, 0);
    assertProperAxis(first);
    expect(first.map((r) => [r.aggregate, r.writes, r.writeBytes])).toEqual([[true, 2, 5]]);
    expect(s.stats()).toMatchObject({ trackedRoutes: 1, virtualBuckets: 0 });
    s.observe(2, Op.Write, 1);
    tick();
    s.flush();
    expect(rowsOf(s, 1).map((r) => [r.bucketId, r.writes])).toEqual([["route:2", 1]]);
  });

  it("a piece removed again before the flush: its counts and the first route's share one row, then the bucket goes", () => {
    const { s, tick } = clockedSampler({ stepMs: 1000 });
    s.registerRoute(1, enc("a"), enc("c"));
    s.observe(1, Op.Write, 4);
    s.removeRoute(1);
    s.registerRoute(2, enc("a"), enc("b"));
    s.observe(2, Op.Write, 1);
    s.removeRoute(2);
    tick();
    s.flush();
    const rows = rowsOf(s, 0);
    assertProperAxis(rows);
    expect(sum(rows)).toEqual([2, 5]);
    expect(s.stats()).toMatchObject({ trackedRoutes: 0, virtualBuckets: 0 });
    expect(s.registerRoute(3, enc("a"), enc("c"))).toBe(true);
  });
});

describe("stats for /metrics (issue 10, reporting)", () => {
  it("reports observations (counted + misses + invalid), dropped hot-key samples, flushes and the last flush duration", () => {
    const { s, tick } = clockedSampler({
      stepMs: 1000,
      keyBucketsPerRoute: 4,
      hotKeys: { enabled: true, sampleRate: 1, queueSize: 1 },
    });
    expect(s.stats()).toMatchObject({ observations: 0, droppedSamples: 0, flushes: 0, lastFlushDurationMs: 0 });
    s.registerRoute(1, enc("a"), enc("c"));
    s.observe(1, Op.Read, 3);
    s.observeKey(1, Op.Write, enc("a1")); // queued for the hot-key sketch
    s.observeKey(1, Op.Write, enc("b1")); // the queue of 1 is full: this hot-key sample is dropped
    s.observe(9, Op.Write, 1); // miss
    s.observe(1, 7 as never, 1); // invalid
    expect(s.stats()).toMatchObject({ observations: 2, misses: 1, invalidSamples: 1 }); // counted ones appear at the flush
    tick();
    s.flush();
    const st = s.stats();
    expect(st).toMatchObject({ observations: 5, droppedSamples: 1, flushes: 1 });
    expect(s.hotKeys(1)!.dropped_samples).toBe(1);
    expect(Number.isFinite(st.lastFlushDurationMs) && st.lastFlushDurationMs >= 0).toBe(true);
    // a hand split re-homes pending counts: each observation is still counted once
    s.observe(1, Op.Write, 1);
    s.removeRoute(1);
    s.registerRoute(2, enc("a"), enc("b"));
    s.registerRoute(3, enc("b"), enc("c"));
    tick();
    s.flush();
    expect(s.stats()).toMatchObject({ observations: 6, flushes: 2, droppedSamples: 1 });
  });
});
