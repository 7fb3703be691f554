import { afterEach, describe, expect, it, vi } from "vitest";
import { createSampler, Op } from "../../src/index.js";
import { assertProperAxis, bytes, clockedSampler, enc, totals } from "../helpers.js";

describe("options", () => {
  it("applies the reference defaults", () => {
    const s = createSampler();
    expect(s.stepMs).toBe(60_000);
    expect(s.historyColumns).toBe(1440);
  });

  it("falls back to defaults for non-positive values and clamps history", () => {
    const s = createSampler({ stepMs: 0, historyColumns: -5, maxTrackedRoutes: 0, keyBucketsPerRoute: -1 });
    expect(s.stepMs).toBe(60_000);
    expect(s.historyColumns).toBe(1440);
    expect(createSampler({ historyColumns: 500_000, maxTrackedRoutes: 4 }).historyColumns).toBe(100_000);
  });

  it("rejects bad options with errors naming them", () => {
    expect(() => createSampler({ keyBucketsPerRoute: 2.5 })).toThrow(/keyBucketsPerRoute/);
    expect(() => createSampler({ keyBucketsPerRoute: 2.5 })).toThrow(RangeError);
    expect(() => createSampler({ stepMs: "60" as unknown as number })).toThrow(TypeError);
    expect(() => createSampler({ labels: ["a:b"] })).toThrow(/':'/);
    // `route:1:x#2` would read as sub-bucket 2 of label "x" (hot keys by bucket_id, the viewer).
    expect(() => createSampler({ labels: ["ok", "x#2"] })).toThrow(
      expect.objectContaining({
        name: "RangeError",
        message: `labels[1] "x#2" contains '#', which bucket ids reserve`,
      }),
    );
    expect(() => createSampler({ labels: ["a", "a"] })).toThrow(/duplicate/);
    // A history file stores labels as UTF-8: a lone surrogate came back as U+FFFD, another row.
    expect(() => createSampler({ labels: ["ok", "db\uD83D"] })).toThrow(
      new RangeError("labels[1] has a lone UTF-16 surrogate, which a history file cannot store"),
    );
    expect(createSampler({ labels: ["db\uD83D\uDE00"] }).labels).toEqual(["db😀"]); // a pair is fine
    expect(() => createSampler({ now: 5 as unknown as () => number })).toThrow(TypeError);
  });
});

describe("registerRoute", () => {
  it("validates its arguments", () => {
    const { s } = clockedSampler();
    expect(() => s.registerRoute(-1, null, null)).toThrow(RangeError);
    expect(() => s.registerRoute(1.5, null, null)).toThrow(/routeId/);
    expect(() => s.registerRoute("1" as unknown as number, null, null)).toThrow(TypeError);
    expect(() => s.registerRoute(1, enc("b"), enc("a"))).toThrow(/start must sort below end/);
    expect(() => s.registerRoute(1, enc("a"), enc("a"))).toThrow(RangeError);
    expect(() => s.registerRoute(1, "a" as unknown as Uint8Array, null)).toThrow(TypeError);
  });

  it("is idempotent and never retags the group", () => {
    const { s, tick } = clockedSampler();
    expect(s.registerRoute(1, null, enc("m"), 7)).toBe(true);
    expect(s.registerRoute(1, null, enc("m"), 9)).toBe(true);
    s.setLeaderTerm(7, 3);
    s.setLeaderTerm(9, 4);
    s.observe(1, Op.Read, 1);
    tick();
    s.flush();
    const row = s.snapshot()[0]!.rows[0]!;
    expect(row.groupId).toBe(7);
    expect(row.leaderTerm).toBe(3);
    expect(s.stats().trackedRoutes).toBe(1);
  });

  it("refuses a route overlapping a live route", () => {
    const { s } = clockedSampler();
    s.registerRoute(1, enc("a"), enc("m"));
    expect(() => s.registerRoute(2, enc("c"), enc("z"))).toThrow(/overlaps live route 1/);
    expect(() => s.registerRoute(1, enc("a"), enc("n"))).toThrow(/another range/);
  });
});

describe("observe", () => {
  it("counts requests and bytes per op", () => {
    const { s, tick } = clockedSampler();
    s.registerRoute(1, null, null);
    s.observe(1, Op.Read, 3);
    s.observe(1, Op.Read, 3, 100); // reads add the value length too when given
    s.observe(1, Op.Write, 4, 10);
    s.observe(1, Op.Write, 4, -7); // negative value length counts as 0
    tick();
    s.flush();
    const row = s.snapshot()[0]!.rows[0]!;
    expect([row.reads, row.writes, row.readBytes, row.writeBytes]).toEqual([2, 2, 106, 18]);
  });

  it("counts bad lengths as 0 and never throws", () => {
    const { s, tick } = clockedSampler();
    s.registerRoute(1, null, null);
    const weird = [NaN, -1, Infinity, "7", null, undefined, {}, Symbol("x"), 2 ** 40];
    for (const w of weird) {
      expect(() => s.observe(1, Op.Write, w as number, w as number)).not.toThrow();
      expect(() => s.observeKey(1, Op.Write, enc("k"), w as number)).not.toThrow();
    }
    for (const id of [NaN, -1, 1.5, "1", null, {}, Symbol("r"), 2 ** 60]) {
      expect(() => s.observe(id as number, Op.Read, 1)).not.toThrow();
      expect(() => s.observeKey(id as number, Op.Read, enc("k"))).not.toThrow();
    }
    expect(() => s.observeKey(1, Op.Read, "k" as unknown as Uint8Array)).not.toThrow();
    expect(() => s.observe(1, 7 as 0, 1)).not.toThrow();
    tick();
    s.flush();
    const row = s.snapshot()[0]!.rows[0]!;
    expect(row.writes).toBe(weird.length * 2);
    expect(row.writeBytes).toBe(weird.length * 1); // only observeKey's key length counts
    expect(row.reads).toBe(0);
    expect(s.stats().invalidSamples).toBeGreaterThanOrEqual(2);
  });

  it("counts unknown routes as misses, not rows", () => {
    const { s, tick } = clockedSampler();
    s.registerRoute(1, null, null);
    s.observe(42, Op.Read, 1);
    s.observeKey(2 ** 40, Op.Read, enc("x"));
    tick();
    s.flush();
    expect(s.stats().misses).toBe(2);
    expect(s.snapshot()[0]!.rows).toEqual([]);
  });

  it("works for route ids beyond the dense lookup range", () => {
    const { s, tick } = clockedSampler();
    const big = 2 ** 50;
    s.registerRoute(big, null, null, 3);
    s.observe(big, Op.Write, 2, 2);
    s.observeKey(big, Op.Read, enc("abc"));
    tick();
    s.flush();
    const row = s.snapshot()[0]!.rows[0]!;
    expect(row.bucketId).toBe(`route:${big}`);
    expect([row.reads, row.writes, row.readBytes, row.writeBytes]).toEqual([1, 1, 3, 4]);
  });
});

describe("flush and history", () => {
  it("emits only non-zero rows, sorted by start key", () => {
    const { s, tick } = clockedSampler();
    s.registerRoute(3, enc("t"), null);
    s.registerRoute(1, null, enc("g"));
    s.registerRoute(2, enc("g"), enc("t"));
    s.observe(3, Op.Read, 1);
    s.observe(1, Op.Read, 1);
    tick();
    s.flush();
    const rows = s.snapshot()[0]!.rows;
    expect(rows.map((r) => r.bucketId)).toEqual(["route:1", "route:3"]);
    expect(rows[0]!.start).toBeNull();
    expect(rows[1]!.end).toBeNull();
  });

  it("stamps windows from creation, then from the previous flush, else at − step", () => {
    const { s, clock, tick } = clockedSampler({ stepMs: 1000 });
    const created = clock.now;
    tick(700);
    s.flush();
    tick(1300);
    s.flush();
    s.flush(); // the clock did not move: the column is stepped to the previous one + 1 ms (issue 10.1)
    const cols = s.snapshot();
    expect(cols.map((c) => [c.windowStartMs, c.atMs])).toEqual([
      [created, created + 700],
      [created + 700, created + 2000],
      [created + 2000, created + 2001],
    ]);
  });

  it("keeps a ring of historyColumns, dropping the oldest", () => {
    const { s, tick } = clockedSampler({ historyColumns: 3 });
    s.registerRoute(1, null, null);
    for (let i = 1; i <= 5; i++) {
      s.observe(1, Op.Read, i);
      tick();
      s.flush();
    }
    const cols = s.snapshot();
    expect(cols.map((c) => c.rows[0]!.readBytes)).toEqual([3, 4, 5]);
    expect(s.stats().columns).toBe(3);
  });

  it("snapshot filters from ≤ at < to and returns deep copies", () => {
    const { s, clock, tick } = clockedSampler();
    s.registerRoute(1, enc("a"), enc("b"));
    const ats: number[] = [];
    for (let i = 0; i < 4; i++) {
      s.observe(1, Op.Write, 1);
      tick();
      s.flush();
      ats.push(clock.now);
    }
    expect(s.snapshot(ats[1], ats[3]).map((c) => c.atMs)).toEqual([ats[1], ats[2]]);
    expect(s.snapshot(ats[2]).map((c) => c.atMs)).toEqual([ats[2], ats[3]]);
    expect(s.snapshot(undefined, ats[1]).map((c) => c.atMs)).toEqual([ats[0]]);
    const first = s.snapshot();
    first[0]!.rows[0]!.writes = 999;
    first[0]!.rows[0]!.start![0] = 0;
    first[0]!.rows[0]!.memberRoutes.push(5);
    const again = s.snapshot();
    expect(again[0]!.rows[0]!.writes).toBe(1);
    expect(again[0]!.rows[0]!.start).toEqual(enc("a"));
    expect(again[0]!.rows[0]!.memberRoutes).toEqual([1]);
    expect(() => s.snapshot("x" as unknown as number)).toThrow(TypeError);
    // A number, but no time: the right kind of value, a wrong value.
    expect(() => s.snapshot(NaN)).toThrow(RangeError);
    expect(() => s.snapshot(0, Infinity)).toThrow(/toMs must be a finite number, got Infinity/);
  });

  it("keeps counts beyond 32 bits exact", () => {
    const { s, tick } = clockedSampler();
    s.registerRoute(1, null, null);
    s.observe(1, Op.Write, 2 ** 31 - 1, 2 ** 31 - 1);
    s.observe(1, Op.Write, 2 ** 31 - 1, 2 ** 31 - 1);
    s.observe(1, Op.Write, 2 ** 31 - 1, 2 ** 31 - 1);
    tick();
    s.flush();
    expect(s.snapshot()[0]!.rows[0]!.writeBytes).toBe(3 * 2 * (2 ** 31 - 1));
  });

  it("publishes each flushed column to listeners until they unsubscribe", () => {
    const { s, tick } = clockedSampler();
    s.registerRoute(1, null, null);
    const seen: number[] = [];
    const off = s.onFlush((c) => seen.push(c.rows.length));
    s.onFlush(() => {
      throw new Error("a broken listener must not break the flush");
    });
    s.observe(1, Op.Read, 1);
    tick();
    s.flush();
    off();
    tick();
    s.flush();
    expect(seen).toEqual([1]);
    expect(s.stats().columns).toBe(2);
  });
});

describe("removal and grace", () => {
  it("flushes counts observed before removal and ignores later ones", () => {
    const { s, tick } = clockedSampler();
    s.registerRoute(1, null, null);
    s.observe(1, Op.Write, 1);
    s.removeRoute(1);
    s.observe(1, Op.Write, 1);
    tick();
    s.flush();
    expect(s.snapshot()[0]!.rows.map((r) => r.writes)).toEqual([1]);
    expect(s.stats().misses).toBe(1);
    expect(() => s.removeRoute(1)).not.toThrow();
  });

  it("re-registration inside the grace window reuses the slot: one row, not two", () => {
    const { s, tick } = clockedSampler();
    s.registerRoute(1, enc("a"), enc("b"));
    s.observe(1, Op.Write, 1);
    s.removeRoute(1);
    expect(s.registerRoute(1, enc("a"), enc("b"))).toBe(true);
    s.observe(1, Op.Write, 1);
    tick();
    s.flush();
    const rows = s.snapshot()[0]!.rows;
    expect(rows).toHaveLength(1);
    expect(rows[0]!.writes).toBe(2);
  });

  it("re-registration inside the grace window over a full budget folds the route: never more routes than the budget", () => {
    const { s, tick } = clockedSampler({ maxTrackedRoutes: 2 });
    s.registerRoute(1, enc("a"), enc("b"));
    s.observe(1, Op.Write, 1);
    s.removeRoute(1);
    s.registerRoute(2, enc("c"), enc("d"));
    s.registerRoute(3, enc("e"), enc("f"));
    // Reviving route 1 in its old slots would make 3 routes with slots of their own.
    expect(s.registerRoute(1, enc("a"), enc("b"))).toBe(false);
    expect(s.stats().trackedRoutes + s.stats().virtualBuckets).toBeLessThanOrEqual(2);
    s.observe(1, Op.Write, 1);
    tick();
    s.flush();
    const rows = s.snapshot()[0]!.rows;
    assertProperAxis(rows);
    expect(rows.reduce((n, r) => n + r.writes, 0)).toBe(2);
  });

  it("a different route on a removed route's range takes over its pending counts", () => {
    const { s, tick } = clockedSampler();
    s.registerRoute(1, enc("a"), enc("b"));
    s.observe(1, Op.Write, 1);
    s.removeRoute(1);
    s.registerRoute(2, enc("a"), enc("b"));
    s.observe(2, Op.Write, 1);
    tick();
    s.flush();
    const rows = s.snapshot()[0]!.rows;
    assertProperAxis(rows);
    expect(rows.map((r) => [r.bucketId, r.writes])).toEqual([["route:2", 2]]);
  });

  it("frees slots after the grace window of max(5 s, 2 × step)", () => {
    const { s, tick } = clockedSampler({ stepMs: 1000, maxTrackedRoutes: 1 });
    s.registerRoute(1, enc("a"), enc("b"));
    s.removeRoute(1);
    tick(4999);
    s.flush();
    // Still graced: route 1's slot is held, so a new route finds the budget's headroom only.
    expect(s.registerRoute(1, enc("a"), enc("b"))).toBe(true); // revived inside grace
    s.removeRoute(1);
    tick(5000);
    s.flush();
    tick(1);
    expect(s.registerRoute(1, enc("a"), enc("b"))).toBe(true); // fresh slot after grace
    expect(s.stats().trackedRoutes).toBe(1);
  });
});

describe("leader terms and labels", () => {
  it("stamps the term current at flush; group 0 is never stamped", () => {
    const { s, tick } = clockedSampler();
    s.registerRoute(1, null, enc("m"), 5);
    s.registerRoute(2, enc("m"), null);
    s.setLeaderTerm(5, 1);
    s.observe(1, Op.Write, 1);
    s.observe(2, Op.Write, 1);
    s.setLeaderTerm(5, 2);
    tick();
    s.flush();
    const rows = s.snapshot()[0]!.rows;
    expect(rows.map((r) => [r.groupId, r.leaderTerm])).toEqual([
      [5, 2],
      [0, 0],
    ]);
    expect(() => s.setLeaderTerm(0, 1)).toThrow(RangeError);
    expect(() => s.setLeaderTerm(5, -1)).toThrow(RangeError);
  });

  it("keeps one slot per label plus the unlabelled one", () => {
    const { s, tick } = clockedSampler({ labels: ["redis", "grpc"], maxTrackedRoutes: 2 });
    s.registerRoute(1, null, enc("m"));
    expect(s.registerRoute(2, enc("m"), null)).toBe(true); // the budget counts routes, not slots
    s.observeKey(1, Op.Read, enc("a"), 0, "redis");
    s.observeKey(1, Op.Read, enc("a"), 0, "grpc");
    s.observeKey(1, Op.Read, enc("a"), 0, "grpc");
    s.observeKey(1, Op.Read, enc("a"));
    s.observeKey(1, Op.Read, enc("a"), 0, "unknown"); // unknown labels count unlabelled
    tick();
    s.flush();
    const rows = s.snapshot()[0]!.rows;
    // SPEC §3: start key, then route id, then label (not the order labels were configured in).
    expect(rows.map((r) => [r.bucketId, r.label, r.reads])).toEqual([
      ["route:1", "", 2],
      ["route:1:grpc", "grpc", 2],
      ["route:1:redis", "redis", 1],
    ]);
  });

  it("orders a route's rows by sub-bucket, then label, whatever order the labels were configured in", () => {
    const { s, tick } = clockedSampler({
      labels: ["zeta", "alpha", "mid"],
      keyBucketsPerRoute: 2,
      maxTrackedRoutes: 2,
    });
    s.registerRoute(1, enc("a"), enc("c"));
    for (const label of [undefined, "zeta", "alpha", "mid"]) {
      s.observeKey(1, Op.Write, enc("a"), 0, label);
      s.observeKey(1, Op.Write, enc("b"), 0, label);
    }
    tick();
    s.flush();
    expect(s.snapshot()[0]!.rows.map((r) => r.bucketId)).toEqual([
      "route:1#0",
      "route:1:alpha#0",
      "route:1:mid#0",
      "route:1:zeta#0",
      "route:1#1",
      "route:1:alpha#1",
      "route:1:mid#1",
      "route:1:zeta#1",
    ]);
  });

  it("labels are off by default: the label argument is ignored", () => {
    const { s, tick } = clockedSampler();
    s.registerRoute(1, null, null);
    s.observeKey(1, Op.Read, enc("a"), 0, "redis");
    tick();
    s.flush();
    expect(s.snapshot()[0]!.rows.map((r) => r.bucketId)).toEqual(["route:1"]);
  });
});

describe("sub-range bucketing", () => {
  it("splits [0x00, 0x40) with K = 4 at 0x10, 0x20, 0x30 (SPEC vector)", () => {
    const { s, tick } = clockedSampler({ keyBucketsPerRoute: 4 });
    s.registerRoute(1, bytes(0x00), bytes(0x40));
    for (const k of [0x00, 0x0f, 0x10, 0x25, 0x3f]) s.observeKey(1, Op.Write, bytes(k));
    tick();
    s.flush();
    const rows = s.snapshot()[0]!.rows;
    expect(rows.map((r) => [r.bucketId, r.writes])).toEqual([
      ["route:1#0", 2],
      ["route:1#1", 1],
      ["route:1#2", 1],
      ["route:1#3", 1],
    ]);
    expect(rows[1]!.start).toEqual(bytes(0x10));
    expect(rows[0]!.start).toEqual(bytes(0x00));
    expect(rows[3]!.end).toEqual(bytes(0x40));
    expect(rows.every((r) => r.subBucketCount === 4)).toBe(true);
  });

  it("[null, null) with K = 4 maps 0x00 → 0 and 0xFF → 3; numeric observe counts into bucket 0", () => {
    const { s, tick } = clockedSampler({ keyBucketsPerRoute: 4 });
    s.registerRoute(1, null, null);
    s.observeKey(1, Op.Read, bytes(0x00));
    s.observeKey(1, Op.Read, bytes(0xff));
    s.observe(1, Op.Read, 9);
    tick();
    s.flush();
    const rows = s.snapshot()[0]!.rows;
    expect(rows.map((r) => [r.subBucket, r.reads])).toEqual([
      [0, 2],
      [3, 1],
    ]);
  });

  it("a K = 1 route has exactly one row and no #sub in its id", () => {
    const { s, tick } = clockedSampler({ keyBucketsPerRoute: 1 });
    s.registerRoute(1, enc("a"), enc("z"));
    s.observeKey(1, Op.Read, enc("b"));
    s.observeKey(1, Op.Read, enc("y"));
    tick();
    s.flush();
    expect(s.snapshot()[0]!.rows.map((r) => r.bucketId)).toEqual(["route:1"]);
  });
});

describe("timer", () => {
  afterEach(() => void vi.useRealTimers());

  it("flushes every stepMs between start and stop", () => {
    vi.useFakeTimers();
    const s = createSampler({ stepMs: 1000 });
    s.registerRoute(1, null, null);
    s.start();
    s.start(); // idempotent
    s.observe(1, Op.Read, 1);
    vi.advanceTimersByTime(3000);
    s.stop();
    vi.advanceTimersByTime(3000);
    expect(s.stats().columns).toBe(3);
    expect(totals(s.snapshot()).reads).toBe(1);
  });

  // Real timers: setTimeout's own limit is what is under test (a delay above 2^31 − 1 ms fires
  // after 1 ms), and fake timers do not have it.
  it("a step longer than setTimeout's limit waits it out instead of flushing every millisecond", async () => {
    const far = createSampler({ stepMs: 2 ** 40, now: () => 0 });
    far.start();
    await new Promise((resolve) => setTimeout(resolve, 40));
    far.stop();
    expect(far.stats().flushes).toBe(0);
    // …and a step boundary within reach is still met: 5 ms before it, a flush (two when the timer
    // fires a fraction of a millisecond before the clock reaches it: one just before, one at it).
    let t0 = performance.now();
    const near = createSampler({ stepMs: 2 ** 40, now: () => 2 ** 40 - 5 + Math.floor(performance.now() - t0) });
    t0 = performance.now(); // from start(): creating the sampler may take longer than 5 ms on a loaded machine
    near.start();
    await new Promise((resolve) => setTimeout(resolve, 40));
    near.stop();
    expect(near.stats().flushes).toBeGreaterThanOrEqual(1);
    expect(near.stats().flushes).toBeLessThanOrEqual(2);
  });
});

describe("observeKey argument forms", () => {
  // observeKey has no parameter defaults (see Sampler.observeKey): an omitted or undefined
  // valueLen counts as 0 and an omitted, undefined or empty label as no label, on the dense
  // route ids (inline path) and beyond them (out of line) alike, at K = 1 and K > 1.
  it("counts omitted, undefined and explicit defaults the same way", () => {
    for (const k of [1, 16]) {
      for (const id of [1, 5_000_000]) {
        const counts = (observe: (s: ReturnType<typeof createSampler>, key: Uint8Array) => void) => {
          const { s, tick } = clockedSampler({ keyBucketsPerRoute: k, labels: ["redis"] });
          s.registerRoute(id, bytes(0x00), bytes(0x40));
          for (const b of [0x00, 0x05, 0x17, 0x2a, 0x3f, 0x41]) observe(s, bytes(b, 7));
          tick();
          s.flush();
          return s
            .snapshot()[0]!
            .rows.map((r) => [r.label, r.subBucket, r.reads, r.writes, r.readBytes, r.writeBytes].join(" "))
            .sort();
        };
        const expected = counts((s, key) => s.observeKey(id, Op.Write, key, 0, ""));
        expect(expected.length).toBeGreaterThan(0);
        expect(counts((s, key) => s.observeKey(id, Op.Write, key))).toEqual(expected);
        expect(counts((s, key) => s.observeKey(id, Op.Write, key, undefined, undefined))).toEqual(expected);
        expect(counts((s, key) => s.observeKey(id, Op.Write, key, 0))).toEqual(expected);
        expect(counts((s, key) => s.observeKey(id, Op.Write, key, 0, "unknown"))).toEqual(expected);
        const labelled = counts((s, key) => s.observeKey(id, Op.Write, key, 3, "redis"));
        expect(labelled.every((r) => r.startsWith("redis "))).toBe(true);
      }
    }
  });
});

describe("after close()", () => {
  it("refuses flush() and start() (their columns would not be stored); reads still answer, observe stays silent", () => {
    const { s, tick } = clockedSampler();
    s.registerRoute(1, null, null);
    s.observe(1, Op.Write, 3);
    tick();
    s.close();
    s.close(); // idempotent
    expect(() => s.flush()).toThrow(new Error("sampler is closed: flush() after close() would not be stored"));
    expect(() => s.start()).toThrow(/sampler is closed: start\(\)/);
    expect(() => s.observe(1, Op.Write, 3)).not.toThrow();
    expect(totals(s.snapshot()).writes).toBe(1); // the column close() flushed
    expect(s.matrix({ series: "writes" }).rows).toHaveLength(1);
    expect(s.stats().flushes).toBe(1);
  });
});
