import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { createRouteTable, validateRoutes, type RouteSpec } from "../../src/routing/route-table.js";
import { compareBytes } from "../../src/keys/bytes.js";

const enc = (s: string) => new TextEncoder().encode(s);

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Routes with the given sorted distinct start keys (route 0 starts at null), ids 10, 11, … */
function routesFromStarts(starts: Uint8Array[], groupOf = (i: number) => i % 3): RouteSpec[] {
  const bounds: (Uint8Array | null)[] = [null, ...starts, null];
  return bounds.slice(0, -1).map((start, i) => ({ routeId: 10 + i, start, end: bounds[i + 1]!, groupId: groupOf(i) }));
}

/** Reference: linear scan for the route with start ≤ key < end. */
function referenceRoute(routes: RouteSpec[], key: Uint8Array): number {
  const hits = routes.filter(
    (r) => (r.start === null || compareBytes(r.start, key) <= 0) && (r.end === null || compareBytes(key, r.end) < 0),
  );
  expect(hits).toHaveLength(1);
  return hits[0]!.routeId;
}

// Keys drawn from a tiny alphabet after a shared prefix: lots of equal words, prefix relations
// ("a" < "a\0" < "a\0\0") and 0xff bytes, which is where a word-wise compare could go wrong.
const shared = fc.uint8Array({ minLength: 0, maxLength: 21 });
const suffix = fc
  .array(fc.constantFrom(0x00, 0x01, 0x61, 0x7f, 0x80, 0xff), { maxLength: 11 })
  .map((a) => Uint8Array.from(a));

function sortedDistinct(keys: Uint8Array[]): Uint8Array[] {
  const sorted = keys.filter((k) => k.length > 0).sort(compareBytes);
  return sorted.filter((k, i) => i === 0 || compareBytes(sorted[i - 1]!, k) !== 0);
}

describe("createRouteTable validation", () => {
  const a = enc("a");
  const m = enc("m");
  it("accepts unsorted input and routes by start order", () => {
    const t = createRouteTable([
      { routeId: 2, start: m, end: null, groupId: 1 },
      { routeId: 1, start: null, end: m, groupId: 1 },
    ]);
    expect(t.routeForKey(enc("b"))).toEqual({ routeId: 1, groupId: 1 });
    expect(t.routeForKey(m)).toEqual({ routeId: 2, groupId: 1 });
    expect(t.routes().map((r) => r.routeId)).toEqual([1, 2]);
  });
  it("names the routes that overlap", () => {
    expect(() =>
      createRouteTable([
        { routeId: 1, start: null, end: m, groupId: 1 },
        { routeId: 2, start: a, end: null, groupId: 1 },
      ]),
    ).toThrow(/routes 1 .* and 2 .* overlap/);
    expect(() =>
      createRouteTable([
        { routeId: 1, start: null, end: null, groupId: 1 },
        { routeId: 2, start: null, end: null, groupId: 1 },
      ]),
    ).toThrow(RangeError);
  });
  it("names the routes around a gap and the missing ends", () => {
    expect(() =>
      createRouteTable([
        { routeId: 1, start: null, end: a, groupId: 1 },
        { routeId: 2, start: m, end: null, groupId: 1 },
      ]),
    ).toThrow(/routes 1 .* and 2 .* leave a gap/);
    expect(() => createRouteTable([{ routeId: 7, start: a, end: null, groupId: 1 }])).toThrow(/below route 7/);
    expect(() => createRouteTable([{ routeId: 8, start: null, end: a, groupId: 1 }])).toThrow(/above route 8/);
  });
  it("rejects duplicate ids, empty ranges and bad types", () => {
    expect(() =>
      createRouteTable([
        { routeId: 3, start: null, end: m, groupId: 1 },
        { routeId: 3, start: m, end: null, groupId: 1 },
      ]),
    ).toThrow(/duplicate routeId 3/);
    expect(() =>
      createRouteTable([
        { routeId: 1, start: null, end: m, groupId: 1 },
        { routeId: 4, start: m, end: a, groupId: 1 },
        { routeId: 5, start: a, end: null, groupId: 1 },
      ]),
    ).toThrow(/route 4: start m must be below end a$/);
    expect(() => createRouteTable([])).toThrow(RangeError);
    expect(() => createRouteTable("x" as never)).toThrow(TypeError);
    expect(() => createRouteTable(null as never)).toThrow(
      new TypeError("routes must be an array of { routeId, start, end, groupId }"),
    );
    expect(() => createRouteTable([{ routeId: "1", start: null, end: null, groupId: 1 } as never])).toThrow(TypeError);
    expect(() => createRouteTable([{ routeId: -1, start: null, end: null, groupId: 1 }])).toThrow(RangeError);
    expect(() => createRouteTable([{ routeId: 1, start: null, end: null, groupId: 1.5 }])).toThrow(/groupId/);
    expect(() => createRouteTable([{ routeId: 1, start: "a" as never, end: null, groupId: 1 }])).toThrow(TypeError);
  });
  it("normalises empty keys to null and copies key bytes", () => {
    const end = enc("m");
    const t = createRouteTable([
      { routeId: 1, start: new Uint8Array(0), end, groupId: 1 },
      { routeId: 2, start: enc("m"), end: new Uint8Array(0), groupId: 1 },
    ]);
    end[0] = 0x00; // the caller's later change must not affect the table
    expect(t.routes()).toEqual([
      { routeId: 1, start: null, end: enc("m"), groupId: 1 },
      { routeId: 2, start: enc("m"), end: null, groupId: 1 },
    ]);
    expect(t.routeForKey(enc("l")).routeId).toBe(1);
  });
});

describe("routeForKey", () => {
  it("handles empty, equal, prefix and long keys", () => {
    const t = createRouteTable(routesFromStarts([enc("a"), enc("a\0"), enc("abcdefghij"), enc("abcdefghijk")]));
    expect(t.routeForKey(new Uint8Array(0)).routeId).toBe(10);
    expect(t.routeForKey(enc("a")).routeId).toBe(11);
    expect(t.routeForKey(enc("a\0")).routeId).toBe(12);
    expect(t.routeForKey(enc("a\0\0")).routeId).toBe(12);
    expect(t.routeForKey(enc("abcdefghi")).routeId).toBe(12);
    expect(t.routeForKey(enc("abcdefghij")).routeId).toBe(13);
    expect(t.routeForKey(enc("abcdefghij\0")).routeId).toBe(13);
    expect(t.routeForKey(enc("abcdefghik")).routeId).toBe(14);
    const long = new Uint8Array(100_000).fill(0x61); // bigger than the initial scratch area
    long.set(enc("abcdefghij"));
    expect(t.routeForKey(long).routeId).toBe(13);
    long[10] = 0x6c;
    expect(t.routeForKey(long).routeId).toBe(14);
    expect(t.routeForKey(enc("b")).routeId).toBe(14);
  });
  it("returns the same frozen object per route and rejects non-bytes", () => {
    const t = createRouteTable(routesFromStarts([enc("m")]));
    const r = t.routeForKey(enc("x"));
    expect(t.routeForKey(enc("y"))).toBe(r);
    expect(Object.isFrozen(r)).toBe(true);
    expect(t.routeAt(t.routeIndexForKey(enc("x")))).toBe(r);
    expect(() => t.routeForKey("x" as never)).toThrow(TypeError);
    expect(() => t.routeAt(5)).toThrow(RangeError);
  });
  it("routes 65 536 routes correctly (memory grows once at build)", () => {
    const starts: Uint8Array[] = [];
    for (let i = 1; i < 65536; i++) starts.push(enc(`user/profile/${String(i).padStart(6, "0")}`));
    const t = createRouteTable(routesFromStarts(starts));
    expect(t.size).toBe(65536);
    expect(t.routeForKey(enc("user/profile/000123/x")).routeId).toBe(10 + 123);
    expect(t.routeForKey(enc("user/profile/065535")).routeId).toBe(10 + 65535);
    expect(t.routeForKey(enc("user/profile/000000")).routeId).toBe(10);
  });
  it("matches a reference linear scan on random tables with long shared prefixes", () => {
    fc.assert(
      fc.property(
        shared,
        fc.array(suffix, { maxLength: 40 }),
        fc.array(fc.tuple(fc.boolean(), suffix), { minLength: 1, maxLength: 60 }),
        (prefix, startSuffixes, probes) => {
          const starts = sortedDistinct(startSuffixes.map((s) => concat(prefix, s)));
          const routes = routesFromStarts(starts);
          const t = createRouteTable(routes);
          const keys = probes.map(([usePrefix, s]) => (usePrefix ? concat(prefix, s) : s));
          keys.push(...starts, ...starts.map((k) => k.subarray(0, k.length - 1)));
          for (const key of keys) expect(t.routeForKey(key).routeId).toBe(referenceRoute(routes, key));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("atomic updates", () => {
  it("a staged table is invisible until published; only the latest staged publishes", () => {
    const t = createRouteTable(routesFromStarts([enc("m")]));
    const staged = t.stage(routesFromStarts([enc("c"), enc("m")]));
    expect(t.routeForKey(enc("d")).routeId).toBe(10);
    expect(t.size).toBe(2);
    const v = t.version;
    t.publish(staged);
    expect(t.version).toBe(v + 1);
    expect(t.routeForKey(enc("d")).routeId).toBe(11);
    expect(() => t.publish(staged)).toThrow(RangeError);
    const first = t.stage(routesFromStarts([enc("x")]));
    t.stage(routesFromStarts([enc("y")]));
    expect(() => t.publish(first)).toThrow(RangeError);
    const gapped = routesFromStarts([enc("b"), enc("a")])
      .reverse()
      .slice(1);
    expect(() => t.stage(gapped)).toThrow(RangeError);
    expect(t.routeForKey(enc("d")).routeId).toBe(11); // a failed stage leaves the table as it was
    // …and leaves the table staged before it publishable.
    const good = t.stage(routesFromStarts([enc("e")]));
    expect(() => t.stage(gapped)).toThrow(RangeError);
    expect(() => t.stage({} as never)).toThrow(TypeError);
    t.publish(good);
    expect(t.routeForKey(enc("f")).routeId).toBe(11);
  });

  it("split and merge refuse to make ids past 2^53 − 1", () => {
    const top = Number.MAX_SAFE_INTEGER;
    const t = createRouteTable([
      { routeId: top - 1, start: null, end: enc("m"), groupId: 1 },
      { routeId: top, start: enc("m"), end: null, groupId: 1 },
    ]);
    expect(() => t.split(top, enc("t"))).toThrow(
      new RangeError(
        `split: no route ids left (new ids start at ${top + 1}, above 2^53 − 1, 1 + the largest id this table held)`,
      ),
    );
    expect(() => t.merge(top - 1, top)).toThrow(/merge: no route ids left/);
    expect(t.routes().map((r) => r.routeId)).toEqual([top - 1, top]);
  });
  it("a planned split stages invisibly and goes stale once the table changes", () => {
    const t = createRouteTable(routesFromStarts([enc("m")]));
    const change = t.planSplit(11, enc("t"));
    expect(change).toEqual({
      oldIds: [11],
      newRoutes: [
        { routeId: 12, start: enc("m"), end: enc("t"), groupId: 1 },
        { routeId: 13, start: enc("t"), end: null, groupId: 1 },
      ],
    });
    const staged = t.stage(change);
    expect(t.routeForKey(enc("x")).routeId).toBe(11);
    t.publish(staged);
    expect(t.routeForKey(enc("x")).routeId).toBe(13);
    const stale = t.planMerge(12, 13);
    t.split(10, enc("c"));
    expect(() => t.stage(stale)).toThrow(/older version/);
    expect(() => t.stage({ oldIds: [1], newRoutes: [] })).toThrow(TypeError);
    expect(t.routes().map((r) => r.routeId)).toEqual([14, 15, 12, 13]);
  });
  it("replace grows the region and keeps routing right", () => {
    const t = createRouteTable(routesFromStarts([enc("m")]));
    const starts = Array.from({ length: 5000 }, (_, i) => enc(`k${String(i).padStart(5, "0")}`));
    t.replace(routesFromStarts(starts));
    expect(t.routeForKey(enc("k02500x")).routeId).toBe(10 + 2501);
    t.replace(routesFromStarts([enc("m")]));
    expect(t.routeForKey(enc("k02500x")).routeId).toBe(10);
  });
});

describe("split and merge", () => {
  it("allocates ids 1 + the largest id ever held and validates arguments", () => {
    const t = createRouteTable([
      { routeId: 1, start: null, end: enc("m"), groupId: 1 },
      { routeId: 2, start: enc("m"), end: null, groupId: 2 },
    ]);
    expect(t.split(2, enc("t"))).toEqual([3, 4]);
    expect(t.routeForKey(enc("s"))).toEqual({ routeId: 3, groupId: 2 });
    expect(t.routeForKey(enc("t"))).toEqual({ routeId: 4, groupId: 2 });
    expect(t.merge(3, 4)).toBe(5);
    expect(t.route(5)).toEqual({ routeId: 5, start: enc("m"), end: null, groupId: 2 });
    expect(t.split(5, enc("x"))).toEqual([6, 7]); // 3, 4 and 5 are never reused
    expect(() => t.split(1, enc("m"))).toThrow(/strictly inside route 1/);
    expect(() => t.split(1, new Uint8Array(0))).toThrow(RangeError);
    expect(() => t.split(99, enc("a"))).toThrow(/no route 99/);
    expect(() => t.split(1, "a" as never)).toThrow(TypeError);
    expect(() => t.merge(6, 1)).toThrow(/must directly follow/);
    expect(() => t.merge(1, 6)).toThrow(/different groups/);
  });
  it("random split/merge sequences keep the table valid and routing right", () => {
    const step = fc.record({ merge: fc.boolean(), pick: fc.nat(), key: suffix });
    fc.assert(
      fc.property(
        shared,
        fc.array(step, { maxLength: 40 }),
        fc.array(suffix, { maxLength: 20 }),
        (prefix, steps, probes) => {
          const t = createRouteTable([{ routeId: 0, start: null, end: null, groupId: 1 }]);
          const held = new Set<number>([0]);
          for (const s of steps) {
            const routes = t.routes();
            if (s.merge && routes.length > 1) {
              const i = s.pick % (routes.length - 1);
              const id = t.merge(routes[i]!.routeId, routes[i + 1]!.routeId);
              expect(held.has(id)).toBe(false);
              held.add(id);
            } else {
              const r = routes[s.pick % routes.length]!;
              const key = concat(prefix, s.key);
              const inside =
                key.length > 0 &&
                (r.start === null || compareBytes(r.start, key) < 0) &&
                (r.end === null || compareBytes(key, r.end) < 0);
              if (!inside) {
                expect(() => t.split(r.routeId, key)).toThrow(RangeError);
                continue;
              }
              const [l, rr] = t.split(r.routeId, key);
              expect(held.has(l) || held.has(rr)).toBe(false);
              held.add(l).add(rr);
            }
            const now = t.routes();
            expect(validateRoutes(now)).toEqual(now);
            for (const p of probes) {
              const key = concat(prefix, p);
              expect(t.routeForKey(key).routeId).toBe(referenceRoute(now, key));
            }
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
