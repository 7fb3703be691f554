import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Op } from "../../src/index.js";
import { assertProperAxis, clockedSampler, enc, totals } from "../helpers.js";

describe("replaceRoutes (split/merge continuity)", () => {
  it("split: past rows and pending counts move onto the children, totals unchanged", () => {
    const { s, tick } = clockedSampler();
    s.registerRoute(1, enc("a"), enc("e"), 3);
    s.registerRoute(9, enc("e"), null, 3);
    for (let i = 0; i < 10; i++) s.observe(1, Op.Write, 1);
    s.observe(9, Op.Write, 1);
    tick();
    s.flush();
    s.observe(1, Op.Write, 1, 1); // pending at split time
    const before = totals(s.snapshot());
    s.replaceRoutes(
      [1],
      [
        { routeId: 1, start: enc("a"), end: enc("c"), groupId: 3 },
        { routeId: 2, start: enc("c"), end: enc("e"), groupId: 3 },
      ],
    );
    expect(totals(s.snapshot())).toEqual(before);
    const past = s.snapshot()[0]!.rows;
    assertProperAxis(past);
    expect(past.map((r) => [r.bucketId, r.writes])).toEqual([
      ["route:1", 5],
      ["route:2", 5],
      ["route:9", 1],
    ]);
    expect(past[1]!.start).toEqual(enc("c"));
    s.observe(2, Op.Write, 1);
    tick();
    s.flush();
    const now = s.snapshot()[1]!.rows;
    assertProperAxis(now);
    expect(now.reduce((a, r) => a + r.writes, 0)).toBe(2);
    expect(now.map((r) => r.bucketId)).toEqual(
      ["route:1", "route:2"].filter((id) => now.some((r) => r.bucketId === id)),
    );
  });

  it("merge: rows of both sides sum into the merged route, exactly", () => {
    const { s, tick } = clockedSampler();
    s.registerRoute(1, null, enc("m"));
    s.registerRoute(2, enc("m"), null);
    s.observe(1, Op.Read, 2);
    s.observe(2, Op.Read, 3);
    s.observe(2, Op.Read, 3);
    tick();
    s.flush();
    s.replaceRoutes([1, 2], [{ routeId: 3, start: null, end: null }]);
    const rows = s.snapshot()[0]!.rows;
    expect(rows.map((r) => [r.bucketId, r.reads, r.readBytes])).toEqual([["route:3", 3, 8]]);
    s.observe(1, Op.Read, 1); // old ids are gone
    expect(s.stats().misses).toBe(1);
  });

  it("validates its arguments before changing anything", () => {
    const { s } = clockedSampler();
    s.registerRoute(1, null, enc("m"));
    s.registerRoute(2, enc("m"), null);
    expect(() => s.replaceRoutes([7], [{ routeId: 3, start: null, end: null }])).toThrow(/not registered/);
    expect(() => s.replaceRoutes([1], [{ routeId: 3, start: null, end: enc("n") }])).toThrow(/cover exactly/);
    expect(() => s.replaceRoutes([1], [{ routeId: 2, start: null, end: enc("m") }])).toThrow(/already registered/);
    expect(() =>
      s.replaceRoutes(
        [1],
        [
          { routeId: 3, start: null, end: enc("c") },
          { routeId: 4, start: enc("d"), end: enc("m") },
        ],
      ),
    ).toThrow(/contiguous/);
    // One id for two pieces: the second could never be removed on its own.
    expect(() =>
      s.replaceRoutes(
        [2],
        [
          { routeId: 9, start: enc("m"), end: enc("t") },
          { routeId: 9, start: enc("t"), end: null },
        ],
      ),
    ).toThrow(/route id 9 is given twice/);
    expect(() => s.replaceRoutes([1, 1], [{ routeId: 3, start: null, end: enc("m") }])).toThrow(/listed twice/);
    expect(s.stats().trackedRoutes).toBe(2);
    expect(s.registerRoute(1, null, enc("m"))).toBe(true); // both still there, unchanged
    expect(s.registerRoute(2, enc("m"), null)).toBe(true);
  });
});

describe("replaceRoutes over keys a removed route left uncovered", () => {
  it("keeps that route's rows (nowhere to go) and re-homes the rest", () => {
    // Found by the coordinator's tally-vs-observeKey property: the rows of a route removed by hand
    // with nothing registered over its keys had no target, and the rewrite threw at read time.
    const { s, tick } = clockedSampler({ maxTrackedRoutes: 2, labels: ["redis"] });
    s.registerRoute(1, null, null, 1);
    s.observeKey(1, Op.Read, enc("a\0"));
    tick();
    s.flush();
    s.replaceRoutes(
      [1],
      [
        { routeId: 2, start: null, end: enc("a"), groupId: 1 },
        { routeId: 3, start: enc("a"), end: null, groupId: 1 },
      ],
    );
    s.removeRoute(2);
    s.replaceRoutes(
      [3],
      [
        { routeId: 4, start: enc("a"), end: enc("a\0"), groupId: 1 },
        { routeId: 5, start: enc("a\0"), end: null, groupId: 1 },
      ],
    );
    const cols = s.snapshot();
    for (const c of cols) assertProperAxis(c.rows);
    expect(totals(cols).reads).toBe(1);
  });
});

describe("replaceRoutes over routes folded into virtual buckets", () => {
  it("moves the buckets' past rows too, so a merged route's row never overlaps them", () => {
    // Routing audit: the bucket's row stayed in the past column beside route 5's, which the
    // second merge placed there over every key.
    const { s, tick } = clockedSampler({ maxTrackedRoutes: 2 });
    s.registerRoute(1, null, enc("b"));
    s.registerRoute(2, enc("b"), enc("c"));
    expect(s.registerRoute(3, enc("c"), null)).toBe(false);
    for (const id of [1, 2, 3]) s.observe(id, Op.Write, 1);
    tick();
    s.flush();
    s.replaceRoutes([2, 3], [{ routeId: 4, start: enc("b"), end: null }]);
    s.observe(4, Op.Write, 1);
    tick();
    s.flush();
    s.replaceRoutes([1, 4], [{ routeId: 5, start: null, end: null }]);
    const cols = s.snapshot();
    expect(cols.map((c) => c.rows.map((r) => [r.bucketId, r.writes]))).toEqual([[["route:5", 3]], [["route:5", 1]]]);
  });
});

// Hand-made route changes (remove + register, as a caller without replaceRoutes does) between
// replaceRoutes calls leave rows of removed routes in past columns; a later replaceRoutes over
// their keys must re-home those too, or a rewritten column holds overlapping rows (SPEC §4).
describe("replaceRoutes after hand-made changes: a property", () => {
  type Live = { id: number; start: number; end: number }; // boundaries: 0 = lowest, 8 = unbounded
  const key = (b: number) => (b === 0 || b === 8 ? null : enc(String.fromCharCode(0x60 + b)));
  const op = fc.oneof(
    {
      weight: 3,
      arbitrary: fc.record({ kind: fc.constant("observe" as const), at: fc.nat(), n: fc.integer({ min: 1, max: 5 }) }),
    },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("flush" as const) }) },
    fc.record({ kind: fc.constant("handSplit" as const), at: fc.nat() }),
    fc.record({ kind: fc.constant("handRenew" as const), at: fc.nat() }),
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant("replace" as const),
        at: fc.nat(),
        count: fc.integer({ min: 1, max: 3 }),
        cut: fc.boolean(),
        reuse: fc.boolean(),
      }),
    },
  );

  it.each([
    ["unlabelled, one bucket per route", {}],
    ["with a label and 2 sub-buckets per route", { labels: ["x"], keyBucketsPerRoute: 2 }],
    // Past the budget routes fold into virtual buckets, whose rows must move as well.
    ["with a budget of 2 routes (virtual buckets)", { maxTrackedRoutes: 2 }],
  ])("keeps every column free of overlapping rows and every total exact: %s", (_name, opts) => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 30 }), (ops) => {
        const { s, tick } = clockedSampler(opts);
        let nextId = 1;
        const live: Live[] = [
          { id: nextId++, start: 0, end: 3 },
          { id: nextId++, start: 3, end: 5 },
          { id: nextId++, start: 5, end: 8 },
        ];
        for (const r of live) s.registerRoute(r.id, key(r.start), key(r.end));
        let observed = 0;
        for (const o of ops) {
          if (o.kind === "observe") {
            const r = live[o.at % live.length]!;
            // A key inside the route (below its first boundary letter, or that letter + "m"…), in
            // the label for odd n.
            const inside = enc((r.start === 0 ? "0" : String.fromCharCode(0x60 + r.start)) + "m".repeat(o.n));
            s.observeKey(r.id, Op.Write, inside, 0, o.n % 2 === 1 ? "x" : "");
            observed += 1;
          } else if (o.kind === "flush") {
            tick();
            s.flush();
          } else if (o.kind === "handSplit" || o.kind === "handRenew") {
            const i = o.at % live.length;
            const r = live[i]!;
            const mid = Math.floor((r.start + r.end) / 2);
            const pieces =
              o.kind === "handSplit" && mid > r.start
                ? [
                    { id: nextId++, start: r.start, end: mid },
                    { id: nextId++, start: mid, end: r.end },
                  ]
                : [{ id: nextId++, start: r.start, end: r.end }];
            s.removeRoute(r.id);
            for (const p of pieces) s.registerRoute(p.id, key(p.start), key(p.end));
            live.splice(i, 1, ...pieces);
          } else {
            const i = o.at % live.length;
            const olds = live.slice(i, i + o.count);
            const [start, end] = [olds[0]!.start, olds[olds.length - 1]!.end];
            const mid = Math.floor((start + end) / 2);
            const fresh =
              o.cut && mid > start
                ? [
                    { id: nextId++, start, end: mid },
                    { id: nextId++, start: mid, end },
                  ]
                : [{ id: nextId++, start, end }];
            if (o.reuse) fresh[0]!.id = olds[0]!.id; // a new route may take an old one's id
            s.replaceRoutes(
              olds.map((r) => r.id),
              fresh.map((r) => ({ routeId: r.id, start: key(r.start), end: key(r.end) })),
            );
            live.splice(i, olds.length, ...fresh);
          }
        }
        tick();
        s.flush();
        const cols = s.snapshot();
        for (const c of cols) assertProperAxis(c.rows);
        expect(totals(cols).writes).toBe(observed);
      }),
      { numRuns: 500 },
    );
  });
});
