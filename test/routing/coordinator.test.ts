import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { Coordinator, type CoordinatorSampler, type ReadPool } from "../../src/routing/coordinator.js";
import { MemoryGroup } from "../../src/testing/index.js";
import { NotLeaderError, type GroupBackend, type Mutation } from "../../src/routing/group-backend.js";
import { createRouteTable, type RouteSpec, type RouteTable } from "../../src/routing/route-table.js";
import { createSampler, type Sampler } from "../../src/sampler/sampler.js";
import { compareBytes, compareEnd, compareStart } from "../../src/keys/bytes.js";
import type { Column, Key } from "../../src/types.js";
import { assertProperAxis } from "../helpers.js";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array | undefined) => (b === undefined ? undefined : new TextDecoder().decode(b));

type Call = [method: string, ...args: unknown[]];

/** Implements exactly the sampler methods the coordinator uses, recording every call. */
class RecordingSampler implements CoordinatorSampler {
  readonly calls: Call[] = [];
  onReplace: (() => void) | undefined;
  registerRoute(routeId: number, start: Key, end: Key, groupId?: number): boolean {
    this.calls.push(["registerRoute", routeId, start, end, groupId]);
    return true;
  }
  removeRoute(routeId: number): void {
    this.calls.push(["removeRoute", routeId]);
  }
  observeKey(routeId: number, op: 0 | 1, key: Uint8Array, valueLen?: number, label?: string): void {
    this.calls.push(["observeKey", routeId, op, key, valueLen, label]);
  }
  setLeaderTerm(groupId: number, term: number): void {
    this.calls.push(["setLeaderTerm", groupId, term]);
  }
  replaceRoutes(oldIds: number[], newRoutes: RouteSpec[]): void {
    this.calls.push(["replaceRoutes", oldIds, newRoutes]);
    this.onReplace?.();
  }
  of(method: string): unknown[][] {
    return this.calls.filter((c) => c[0] === method).map((c) => c.slice(1));
  }
  clear(): void {
    this.calls.length = 0;
  }
}

function twoRoutes(): RouteSpec[] {
  return [
    { routeId: 1, start: null, end: enc("m"), groupId: 1 },
    { routeId: 2, start: enc("m"), end: null, groupId: 2 },
  ];
}

function setup(sampler: CoordinatorSampler | undefined = new RecordingSampler()) {
  const g1 = new MemoryGroup({ groupId: 1 });
  const g2 = new MemoryGroup({ groupId: 2, term: 5 });
  const groups = new Map<number, GroupBackend>([
    [1, g1],
    [2, g2],
  ]);
  const c = new Coordinator({ routes: twoRoutes(), groups, sampler });
  return { c, g1, g2, sampler: sampler as RecordingSampler };
}

/** A coordinator over a route table the test keeps, to change it behind the coordinator's back. */
function overTable(sampler: CoordinatorSampler) {
  const table = createRouteTable(twoRoutes());
  const groups = new Map<number, GroupBackend>([
    [1, new MemoryGroup({ groupId: 1 })],
    [2, new MemoryGroup({ groupId: 2 })],
  ]);
  return { table, c: new Coordinator({ routes: table, groups, sampler }) };
}

describe("Coordinator observations", () => {
  it("registers every route and the group terms at construction", () => {
    const { sampler } = setup();
    expect(sampler.of("registerRoute")).toEqual([
      [1, null, enc("m"), 1],
      [2, enc("m"), null, 2],
    ]);
    expect(sampler.of("setLeaderTerm")).toEqual([
      [1, 1],
      [2, 5],
    ]);
  });

  it("records exactly one read per linearizable and per lease read", async () => {
    const { c, g1, g2, sampler } = setup();
    await c.dispatch([
      { type: "put", key: enc("apple"), value: enc("red") },
      { type: "put", key: enc("zebra"), value: enc("stripes") },
    ]);
    sampler.clear();
    const k1 = enc("apple");
    expect(dec(await c.linearizableReadForKey(k1))).toBe("red");
    expect(sampler.calls).toEqual([["observeKey", 1, 0, k1, 0, undefined]]);
    sampler.clear();
    const k2 = enc("zebra");
    expect(dec(await c.leaseReadForKey(k2))).toBe("stripes");
    expect(sampler.calls).toEqual([["observeKey", 2, 0, k2, 0, undefined]]);
    expect(g1.stats.linearizableReads).toBe(1);
    expect(g2.stats.leaseReads).toBe(1);
    expect(await c.leaseReadForKey(enc("missing"))).toBeUndefined();
  });

  it("never observes the three leadership checks", async () => {
    const { c, g2, sampler } = setup();
    sampler.clear();
    expect(c.isLeaderForKey(enc("a"))).toBe(true);
    await c.verifyLeaderForKey(enc("a"));
    expect(c.leaderForKey(enc("z"))).toBe("node-2");
    g2.setLeader(false);
    expect(c.isLeaderForKey(enc("z"))).toBe(false);
    expect(c.leaderForKey(enc("z"))).toBeNull();
    await expect(c.verifyLeaderForKey(enc("z"))).rejects.toBeInstanceOf(NotLeaderError);
    expect(sampler.calls).toEqual([]);
  });

  it("records one write per mutation, in the right route, before proposing", async () => {
    const sampler = new RecordingSampler();
    const { c, g1, g2 } = setup(sampler);
    const seenAtPropose: number[] = [];
    for (const g of [g1, g2]) {
      const propose = g.propose.bind(g);
      g.propose = (ms: Mutation[]) => {
        seenAtPropose.push(sampler.of("observeKey").length);
        return propose(ms);
      };
    }
    sampler.clear();
    const muts: Mutation[] = [
      { type: "put", key: enc("a1"), value: enc("xyz") },
      { type: "put", key: enc("n1"), value: enc("") },
      { type: "del", key: enc("b2") },
      { type: "put", key: enc("z9"), value: new Uint8Array(100) },
    ];
    await c.dispatch(muts);
    expect(sampler.of("observeKey")).toEqual([
      [1, 1, muts[0]!.key, 3, undefined],
      [2, 1, muts[1]!.key, 0, undefined],
      [1, 1, muts[2]!.key, 0, undefined],
      [2, 1, muts[3]!.key, 100, undefined],
    ]);
    expect(seenAtPropose).toEqual([4, 4]); // one proposal per route, after all observations
    expect(g1.stats.proposals).toBe(1);
    expect(g2.stats.proposals).toBe(1);
    expect(dec(g1.peek(enc("a1")))).toBe("xyz");
    expect(g2.peek(enc("z9"))).toEqual(new Uint8Array(100));
    expect(g1.peek(enc("z9"))).toBeUndefined();
    await c.dispatch([{ type: "del", key: enc("a1") }]);
    expect(g1.peek(enc("a1"))).toBeUndefined();
    await c.dispatch([]);
  });

  it("still counts reads and writes whose group check fails", async () => {
    const { c, g1, g2, sampler } = setup();
    sampler.clear();
    g1.failNext("linearizableRead", new Error("boom"));
    await expect(c.linearizableReadForKey(enc("a"))).rejects.toThrow("boom");
    g2.setLeader(false);
    await expect(c.leaseReadForKey(enc("z"))).rejects.toBeInstanceOf(NotLeaderError);
    await expect(c.dispatch([{ type: "put", key: enc("zz"), value: enc("v") }])).rejects.toBeInstanceOf(NotLeaderError);
    expect(sampler.of("observeKey").map((o) => o.slice(0, 2))).toEqual([
      [1, 0],
      [2, 0],
      [2, 1],
    ]);
  });

  it("labels observations of a withLabel view and shares the table", async () => {
    const { c, sampler } = setup();
    const redis = c.withLabel("redis");
    sampler.clear();
    const k = enc("q");
    await redis.leaseReadForKey(k);
    await redis.dispatch([{ type: "put", key: k, value: enc("v") }]);
    await c.withLabel("").leaseReadForKey(k);
    expect(sampler.of("observeKey")).toEqual([
      [2, 0, k, 0, "redis"],
      [2, 1, k, 1, "redis"],
      [2, 0, k, 0, undefined],
    ]);
    const [l] = redis.split(2, enc("t"));
    expect(c.routeForKey(k).routeId).toBe(l);
    expect(() => c.withLabel("a:b")).toThrow(RangeError);
    expect(() => c.withLabel("x#2")).toThrow('label must not contain "#", got "x#2"');
    expect(() => c.withLabel(3 as never)).toThrow(TypeError);
  });

  it("works the same with no sampler", async () => {
    const { c } = setup(undefined);
    await c.dispatch([{ type: "put", key: enc("k"), value: enc("v") }]);
    expect(dec(await c.linearizableReadForKey(enc("k")))).toBe("v");
    expect(dec(await c.withLabel("x").leaseReadForKey(enc("k")))).toBe("v");
    const [l, r] = c.split(1, enc("c"));
    expect(c.merge(l, r)).toBe(5);
    expect(c.routeForKey(enc("k"))).toEqual({ routeId: 5, groupId: 1 });
  });

  it("forwards term changes until closed", () => {
    const { c, g2, sampler } = setup();
    sampler.clear();
    expect(g2.bumpTerm()).toBe(6);
    expect(sampler.calls).toEqual([["setLeaderTerm", 2, 6]]);
    c.close();
    g2.bumpTerm();
    expect(sampler.calls).toHaveLength(1);
  });
});

describe("Coordinator errors", () => {
  it("rejects unknown groups, bad options and bad keys", async () => {
    const g1 = new MemoryGroup({ groupId: 1 });
    expect(() => new Coordinator({ routes: twoRoutes(), groups: new Map([[1, g1]]) })).toThrow(
      /route 2 belongs to group 2, which is not in groups/,
    );
    expect(() => new Coordinator({ routes: twoRoutes(), groups: {} as never })).toThrow(TypeError);
    expect(() => new Coordinator({ routes: twoRoutes(), groups: new Map([[1, {} as never]]) })).toThrow(/implement/);
    expect(() => new Coordinator({ routes: twoRoutes(), groups: new Map([[1, g1]]), sampler: {} as never })).toThrow(
      /sampler must implement/,
    );
    expect(() => new Coordinator(undefined as never)).toThrow(TypeError);
    const { c, sampler } = setup();
    sampler.clear();
    await expect(c.leaseReadForKey("a" as never)).rejects.toThrow(TypeError);
    expect(() => c.routeForKey(null as never)).toThrow(TypeError);
    await expect(c.dispatch([{ type: "put", key: enc("a") } as Mutation])).rejects.toThrow(/mutations\[0\].value/);
    await expect(
      c.dispatch([{ type: "put", key: enc("a"), value: enc("1") }, { type: "upsert", key: enc("b") } as never]),
    ).rejects.toThrow(/mutations\[1\].type/);
    await expect(c.dispatch("x" as never)).rejects.toThrow(TypeError);
    expect(sampler.calls).toEqual([]); // nothing observed for rejected input
    expect(() => c.split(9, enc("a"))).toThrow(/no route 9/);
    expect(() => c.split(1, enc("z"))).toThrow(/strictly inside/);
    expect(() => c.merge(2, 1)).toThrow(RangeError);
  });

  it("a closed coordinator (and its views) refuses every call", async () => {
    const { c } = setup();
    const view = c.withLabel("l");
    c.close();
    c.close();
    const k = enc("a");
    await expect(c.linearizableReadForKey(k)).rejects.toThrow(/closed/);
    await expect(view.leaseReadForKey(k)).rejects.toThrow(/closed/);
    await expect(c.dispatch([])).rejects.toThrow(/closed/);
    await expect(c.verifyLeaderForKey(k)).rejects.toThrow(/closed/);
    expect(() => c.isLeaderForKey(k)).toThrow(/closed/);
    expect(() => c.leaderForKey(k)).toThrow(/closed/);
    expect(() => c.routeForKey(k)).toThrow(/closed/);
    expect(() => c.split(1, enc("c"))).toThrow(/closed/);
    expect(() => c.merge(1, 2)).toThrow(/closed/);
  });

  it("a failed sampler.replaceRoutes leaves the table unchanged", () => {
    const { c, sampler } = setup();
    sampler.onReplace = () => {
      throw new Error("sampler refused");
    };
    expect(() => c.split(2, enc("t"))).toThrow("sampler refused");
    expect(c.routeForKey(enc("u")).routeId).toBe(2);
    sampler.onReplace = undefined;
    expect(c.split(2, enc("t"))).toEqual([3, 4]);
  });
});

describe("Coordinator split and merge", () => {
  it("tells the sampler before any request can resolve to the new routes", () => {
    const { c, sampler } = setup();
    sampler.clear();
    const seen: number[] = [];
    sampler.onReplace = () => seen.push(c.routeForKey(enc("x")).routeId);
    const [l, r] = c.split(2, enc("t"));
    expect([l, r]).toEqual([3, 4]);
    expect(seen).toEqual([2]); // during replaceRoutes the old table still serves
    expect(sampler.of("replaceRoutes")).toEqual([
      [
        [2],
        [
          { routeId: 3, start: enc("m"), end: enc("t"), groupId: 2 },
          { routeId: 4, start: enc("t"), end: null, groupId: 2 },
        ],
      ],
    ]);
    expect(c.routeForKey(enc("x"))).toEqual({ routeId: 4, groupId: 2 });
    sampler.clear();
    expect(c.merge(3, 4)).toBe(5);
    expect(sampler.of("replaceRoutes")).toEqual([[[3, 4], [{ routeId: 5, start: enc("m"), end: null, groupId: 2 }]]]);
    expect(seen).toEqual([2, 4]);
    expect(sampler.of("registerRoute")).toEqual([]); // replaceRoutes registers the new routes
  });

  it("uses a RouteTable as given and tells the sampler of routes changed behind its back", () => {
    const sampler = new RecordingSampler();
    const { table, c } = overTable(sampler);
    expect(c.table).toBe(table);
    sampler.clear();
    table.split(1, enc("f"));
    expect(c.routeForKey(enc("g"))).toEqual({ routeId: 4, groupId: 1 });
    // As for its own split: the replaced route and what covers its keys now, nothing else.
    expect(sampler.of("registerRoute")).toEqual([]);
    expect(sampler.of("replaceRoutes")).toEqual([
      [
        [1],
        [
          { routeId: 3, start: null, end: enc("f"), groupId: 1 },
          { routeId: 4, start: enc("f"), end: enc("m"), groupId: 1 },
        ],
      ],
    ]);
    table.replace([{ routeId: 9, start: null, end: null, groupId: 7 }]);
    expect(() => c.routeForKey(enc("g"))).toThrow(/group 7, which is not in groups/);
  });
});

describe("Coordinator edge cases", () => {
  it("a table split and merged behind its back keeps working over a real sampler, counts conserved", () => {
    let now = 1_000_000;
    const sampler = createSampler({ stepMs: 1000, now: () => now });
    const { table, c } = overTable(sampler);
    c.routeForKey(enc("a"));
    const write = (k: string) => c.dispatch([{ type: "put", key: enc(k), value: enc("v") }]);
    void write("a");
    void write("p");
    now += 1000;
    sampler.flush();
    table.split(1, enc("f"));
    void write("g"); // the first call after the change: the sampler learns it here
    const [left, right] = [3, 4];
    table.merge(left, right);
    void write("b");
    now += 1000;
    sampler.flush();
    const cols = sampler.snapshot();
    expect(cols.reduce((n, col) => n + col.rows.reduce((m, r) => m + r.writes, 0), 0)).toBe(4);
    for (const col of cols) assertProperAxis(col.rows);
  });

  it("a coordinator that fails to build leaves the sampler as it found it", () => {
    const sampler = createSampler({ stepMs: 1000 });
    sampler.registerRoute(7, enc("x"), enc("y"));
    const groups = new Map<number, GroupBackend>([
      [1, new MemoryGroup({ groupId: 1 })],
      [2, new MemoryGroup({ groupId: 2, term: 5 })],
    ]);
    expect(() => new Coordinator({ routes: twoRoutes(), groups, sampler })).toThrow(/route 2 overlaps live route 7/);
    expect([sampler.hasRoute(1), sampler.hasRoute(2), sampler.hasRoute(7)]).toEqual([false, false, true]);
    expect(sampler.stats().trackedRoutes).toBe(1);
    // A bad term is found before any route is registered or any listener attached.
    const broken = new MemoryGroup({ groupId: 2 });
    broken.term = () => -1;
    const fresh = createSampler({ stepMs: 1000 });
    expect(
      () =>
        new Coordinator({
          routes: twoRoutes(),
          groups: new Map([
            [1, groups.get(1)!],
            [2, broken],
          ]),
          sampler: fresh,
        }),
    ).toThrow(/term\(\) returned -1/);
    expect(fresh.stats().trackedRoutes).toBe(0);
    (groups.get(2) as MemoryGroup).bumpTerm(); // no listener of the failed coordinators is left
    expect(() => (groups.get(1) as MemoryGroup).bumpTerm()).not.toThrow();
  });

  it("group 0 ('no group') works with a sampler as without one: never stamped", () => {
    const sampler = new RecordingSampler();
    const groups = new Map<number, GroupBackend>([[0, new MemoryGroup({ groupId: 0 })]]);
    const c = new Coordinator({ routes: [{ routeId: 1, start: null, end: null, groupId: 0 }], groups, sampler });
    expect(c.routeForKey(enc("x"))).toEqual({ routeId: 1, groupId: 0 });
    expect(sampler.of("setLeaderTerm")).toEqual([]);
  });

  it("a term that is not one is refused at construction and skipped when a group reports it", () => {
    const bad = new MemoryGroup({ groupId: 1 });
    bad.term = () => Number.NaN;
    const groups = new Map<number, GroupBackend>([[1, bad]]);
    const routes = [{ routeId: 1, start: null, end: null, groupId: 1 }];
    expect(() => new Coordinator({ routes, groups, sampler: new RecordingSampler() })).toThrow(
      new TypeError("groups: group 1 term() returned NaN; a term is a non-negative integer"),
    );
    let report: (term: number) => void = () => {};
    const g = new MemoryGroup({ groupId: 1, term: 3 });
    g.onTermChange = (listener) => {
      report = listener;
      return () => {};
    };
    const sampler = new RecordingSampler();
    new Coordinator({ routes, groups: new Map<number, GroupBackend>([[1, g]]), sampler });
    expect(() => report(1.5)).not.toThrow();
    expect(() => report(-1)).not.toThrow();
    report(4);
    expect(sampler.of("setLeaderTerm")).toEqual([
      [1, 3],
      [1, 4],
    ]);
  });

  it("a sparse mutation list is refused before anything is observed or proposed", async () => {
    const { c, sampler, g1 } = setup();
    sampler.clear();
    // eslint-disable-next-line no-sparse-arrays
    const sparse = [{ type: "put", key: enc("a"), value: enc("v") }, , { type: "put", key: enc("b"), value: enc("v") }];
    await expect(c.dispatch(sparse as Mutation[])).rejects.toThrow(new TypeError("mutations[1] must be an object"));
    expect(sampler.calls).toEqual([]);
    expect(g1.stats.proposals).toBe(0);
  });

  it("a group whose propose throws instead of rejecting does not stop the other batches", async () => {
    const { c, g1, g2 } = setup();
    g1.propose = () => {
      throw new Error("broken backend");
    };
    await expect(
      c.dispatch([
        { type: "put", key: enc("a"), value: enc("v") },
        { type: "put", key: enc("z"), value: enc("v") },
      ]),
    ).rejects.toThrow("broken backend");
    expect(g2.stats.proposals).toBe(1);
  });
});

describe("Coordinator over a sampler that takes reads in bulk", () => {
  /** RecordingSampler with a read pool: records what is handed over, and drains on demand. */
  class PoolingSampler extends RecordingSampler {
    drain: (() => void) | null = null;
    readonly added: [number, number, number][] = [];
    closed = 0;
    readPool(drain: () => void): ReadPool {
      this.drain = drain;
      return {
        add: (id, n, bytes) => void this.added.push([id, n, bytes]),
        close: () => void this.closed++,
      };
    }
    collect(): [number, number, number][] {
      this.drain!();
      return this.added.splice(0);
    }
  }

  it("tallies unlabelled reads per route and hands them over when the sampler asks", async () => {
    const sampler = new PoolingSampler();
    const { table, c } = overTable(sampler);
    sampler.clear();
    await c.leaseReadForKey(enc("apple"));
    await c.linearizableReadForKey(enc("banana"));
    await c.leaseReadForKey(enc("zebra"));
    expect(sampler.of("observeKey")).toEqual([]);
    expect(sampler.collect()).toEqual([
      [1, 2, 11],
      [2, 1, 5],
    ]);
    expect(sampler.collect()).toEqual([]);
    // A labelled view's reads and every write still go through observeKey.
    await c.withLabel("redis").leaseReadForKey(enc("apple"));
    await c.dispatch([{ type: "put", key: enc("apple"), value: enc("red") }]);
    expect(sampler.of("observeKey")).toEqual([
      [1, 0, enc("apple"), 0, "redis"],
      [1, 1, enc("apple"), 3, undefined],
    ]);
    // The table changed behind the coordinator's back: reads tallied before go to the routes that
    // held their keys then, before the sampler learns the new routes.
    await c.leaseReadForKey(enc("apple"));
    table.split(1, enc("f"));
    sampler.clear();
    await c.leaseReadForKey(enc("apple"));
    expect(sampler.added).toEqual([[1, 1, 5]]);
    expect(sampler.of("replaceRoutes").map((r) => [r[0], (r[1] as RouteSpec[]).map((n) => n.routeId)])).toEqual([
      [[1], [3, 4]],
    ]);
    expect(sampler.collect()).toEqual([
      [1, 1, 5],
      [3, 1, 5],
    ]);
    // Closing hands the tally over and closes the pool.
    await c.leaseReadForKey(enc("zebra"));
    c.close();
    expect(sampler.added).toEqual([[2, 1, 5]]);
    expect(sampler.closed).toBe(1);
  });

  it("hands the tally over before a split or merge re-homes counts", async () => {
    const sampler = new PoolingSampler();
    const { c } = setup(sampler);
    sampler.onReplace = () => sampler.drain!();
    await c.leaseReadForKey(enc("tulip"));
    c.split(2, enc("t"));
    expect(sampler.added).toEqual([[2, 1, 5]]);
  });

  it("refuses a readPool that is not a function", () => {
    const sampler = Object.assign(new RecordingSampler(), { readPool: 1 });
    expect(() => setup(sampler as unknown as CoordinatorSampler)).toThrow(/readPool/);
  });
});

describe("reads tallied by the coordinator, against observeKey per read", () => {
  /** The sampler without `readPool`: the coordinator then counts every read with observeKey. */
  const withoutReadPool = (s: Sampler): CoordinatorSampler => ({
    registerRoute: (...a) => s.registerRoute(...a),
    removeRoute: (id) => s.removeRoute(id),
    observeKey: (...a) => s.observeKey(...a),
    setLeaderTerm: (g, t) => s.setLeaderTerm(g, t),
    replaceRoutes: (o, n) => s.replaceRoutes(o, n),
  });
  const suffix = fc.array(fc.constantFrom(0x00, 0x30, 0x61, 0x7a, 0xff), { minLength: 0, maxLength: 4 });
  const action = fc.oneof(
    { weight: 5, arbitrary: fc.record({ kind: fc.constant("read" as const), key: suffix, labelled: fc.boolean() }) },
    fc.record({ kind: fc.constant("write" as const), key: suffix, len: fc.nat({ max: 20 }) }),
    fc.record({ kind: fc.constant("flush" as const) }),
    fc.record({ kind: fc.constant("stats" as const) }),
    fc.record({ kind: fc.constant("split" as const), pick: fc.nat(), key: suffix }),
    fc.record({ kind: fc.constant("merge" as const), pick: fc.nat() }),
    // Behind the coordinator's back: the table split directly, a route removed from the sampler
    // or registered again there.
    fc.record({ kind: fc.constant("tableSplit" as const), pick: fc.nat(), key: suffix }),
    fc.record({ kind: fc.constant("remove" as const), pick: fc.nat() }),
    fc.record({ kind: fc.constant("register" as const), pick: fc.nat() }),
  );

  it("leaves the sampler with exactly what observeKey per read would, at every point it reports", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(2, 64), fc.array(action, { maxLength: 80 }), async (budget, actions) => {
        let now = 1_000_000;
        const make = () => {
          const sampler = createSampler({ stepMs: 1000, maxTrackedRoutes: budget, labels: ["redis"], now: () => now });
          const table = createRouteTable([{ routeId: 1, start: null, end: null, groupId: 1 }]);
          const groups = new Map<number, GroupBackend>([[1, new MemoryGroup({ groupId: 1 })]]);
          return { sampler, table, groups };
        };
        const fast = make();
        const plain = make();
        const a = new Coordinator({ routes: fast.table, groups: fast.groups, sampler: fast.sampler });
        const b = new Coordinator({
          routes: plain.table,
          groups: plain.groups,
          sampler: withoutReadPool(plain.sampler),
        });
        const keyOf = (s: number[]) => Uint8Array.from([0x61, ...s]);
        type Side = { c: Coordinator; s: Sampler; t: RouteTable };
        // Both sides run each action and must end alike: the same result or the same error.
        const both = async (run: (side: Side) => unknown) => {
          const outcome = async (side: Side) => {
            try {
              return JSON.stringify((await run(side)) ?? null);
            } catch (e) {
              return String(e);
            }
          };
          const x = await outcome({ c: a, s: fast.sampler, t: fast.table });
          expect(x).toBe(await outcome({ c: b, s: plain.sampler, t: plain.table }));
        };
        for (const act of actions) {
          now += 7;
          const routes = a.table.routes();
          const route = (pick: number) => routes[pick % routes.length]!;
          if (act.kind === "read") {
            const key = keyOf(act.key);
            await both(async ({ c }) => void (await (act.labelled ? c.withLabel("redis") : c).leaseReadForKey(key)));
          } else if (act.kind === "write") {
            const key = keyOf(act.key);
            await both(({ c }) => c.dispatch([{ type: "put", key, value: new Uint8Array(act.len) }]));
          } else if (act.kind === "flush") {
            now += 1000;
            await both(({ s }) => s.flush());
          } else if (act.kind === "stats") {
            await both(({ s }) => {
              const { misses, observations, trackedRoutes, virtualBuckets } = s.stats();
              return { misses, observations, trackedRoutes, virtualBuckets };
            });
          } else if (act.kind === "split") {
            await both(({ c }) => c.split(route(act.pick).routeId, keyOf(act.key)));
          } else if (act.kind === "merge" && routes.length >= 2) {
            const i = act.pick % (routes.length - 1);
            await both(({ c }) => c.merge(routes[i]!.routeId, routes[i + 1]!.routeId));
          } else if (act.kind === "tableSplit") {
            await both(({ t }) => void t.split(route(act.pick).routeId, keyOf(act.key)));
          } else if (act.kind === "remove") {
            await both(({ s }) => s.removeRoute(route(act.pick).routeId));
          } else if (act.kind === "register") {
            const r = route(act.pick);
            await both(({ s }) => s.registerRoute(r.routeId, r.start, r.end, r.groupId));
          }
        }
        a.close();
        b.close();
        now += 1000;
        fast.sampler.flush();
        plain.sampler.flush();
        expect(fast.sampler.snapshot()).toEqual(plain.sampler.snapshot());
        expect(fast.sampler.stats().misses).toBe(plain.sampler.stats().misses);
      }),
      { numRuns: 150 },
    );
  });
});

describe("split/merge continuity with the real sampler", () => {
  const totals = (cols: Column[]) =>
    cols.map((col) =>
      col.rows.reduce(
        (t, r) => [t[0]! + r.reads, t[1]! + r.writes, t[2]! + r.readBytes, t[3]! + r.writeBytes],
        [0, 0, 0, 0],
      ),
    );
  // Rows are sorted by start; rows of one label never overlap (a route's labelled and unlabeled
  // slots share its range by design).
  const checkAxis = (cols: Column[]) => {
    for (const col of cols) {
      for (let i = 1; i < col.rows.length; i++) {
        expect(compareStart(col.rows[i - 1]!.start, col.rows[i]!.start)).toBeLessThanOrEqual(0);
      }
      for (const label of new Set(col.rows.map((r) => r.label))) {
        const rows = col.rows.filter((r) => r.label === label);
        for (let i = 1; i < rows.length; i++) {
          const b = rows[i]!.start;
          expect(b !== null && compareEnd(rows[i - 1]!.end, b) <= 0).toBe(true);
        }
      }
    }
  };
  const suffix = fc.array(fc.constantFrom(0x00, 0x30, 0x61, 0x62, 0x7a, 0xff), { minLength: 1, maxLength: 6 });
  const action = fc.oneof(
    fc.record({ kind: fc.constant("read" as const), key: suffix, labelled: fc.boolean() }),
    fc.record({ kind: fc.constant("write" as const), key: suffix, len: fc.nat({ max: 50 }), labelled: fc.boolean() }),
    fc.record({ kind: fc.constant("flush" as const) }),
    fc.record({ kind: fc.constant("split" as const), pick: fc.nat(), key: suffix }),
    fc.record({ kind: fc.constant("merge" as const), pick: fc.nat() }),
  );

  it("observes every read and write under the id of the route holding its key, across splits and merges", async () => {
    const holder = (routes: RouteSpec[], key: Uint8Array) =>
      routes.find(
        (r) =>
          (r.start === null || compareBytes(r.start, key) <= 0) && (r.end === null || compareBytes(key, r.end) < 0),
      )!.routeId;
    await fc.assert(
      fc.asyncProperty(fc.array(action, { maxLength: 60 }), async (actions) => {
        const sampler = new RecordingSampler();
        const groups = new Map<number, GroupBackend>([[1, new MemoryGroup({ groupId: 1 })]]);
        const c = new Coordinator({ routes: [{ routeId: 1, start: null, end: null, groupId: 1 }], groups, sampler });
        const keyOf = (s: number[]) => Uint8Array.from([0x61, ...s]);
        for (const a of actions) {
          const routes = c.table.routes();
          if (a.kind === "read" || a.kind === "write") {
            const key = keyOf(a.key);
            sampler.clear();
            if (a.kind === "read") await c.leaseReadForKey(key);
            else await c.dispatch([{ type: "put", key, value: new Uint8Array(1) }]);
            expect(sampler.of("observeKey").map((call) => call[0])).toEqual([holder(routes, key)]);
          } else if (a.kind === "split") {
            const r = routes[a.pick % routes.length]!;
            const key = keyOf(a.key);
            const inside =
              (r.start === null || compareBytes(r.start, key) < 0) && (r.end === null || compareBytes(key, r.end) < 0);
            if (inside) c.split(r.routeId, key);
          } else if (a.kind === "merge" && routes.length >= 2) {
            const i = a.pick % (routes.length - 1);
            c.merge(routes[i]!.routeId, routes[i + 1]!.routeId);
          }
        }
        c.close();
      }),
      { numRuns: 100 },
    );
  });

  it("conserves every column's totals and keeps rows sorted and non-overlapping", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(1, 4), fc.array(action, { maxLength: 60 }), async (k, actions) => {
        let now = 1_000_000;
        const sampler = createSampler({ stepMs: 1000, keyBucketsPerRoute: k, labels: ["redis"], now: () => now });
        const groups = new Map<number, GroupBackend>([[1, new MemoryGroup({ groupId: 1 })]]);
        const c = new Coordinator({ routes: [{ routeId: 1, start: null, end: null, groupId: 1 }], groups, sampler });
        const redis = c.withLabel("redis");
        const expected: number[][] = []; // per flushed column: reads, writes, readBytes, writeBytes
        let pending = [0, 0, 0, 0];
        const prefix = enc("tenant/42/");
        const keyOf = (s: number[]) => Uint8Array.from([...prefix, ...s]);
        for (const a of actions) {
          now += 7;
          if (a.kind === "read" || a.kind === "write") {
            const key = keyOf(a.key);
            const via = a.labelled ? redis : c;
            if (a.kind === "read") {
              await via.leaseReadForKey(key);
              pending = [pending[0]! + 1, pending[1]!, pending[2]! + key.length, pending[3]!];
            } else {
              await via.dispatch([{ type: "put", key, value: new Uint8Array(a.len) }]);
              pending = [pending[0]!, pending[1]! + 1, pending[2]!, pending[3]! + key.length + a.len];
            }
          } else if (a.kind === "flush") {
            now += 1000;
            sampler.flush();
            expected.push(pending);
            pending = [0, 0, 0, 0];
          } else {
            const before = totals(sampler.snapshot());
            const routes = c.table.routes();
            if (a.kind === "split") {
              const r = routes[a.pick % routes.length]!;
              const key = keyOf(a.key);
              const inside =
                (r.start === null || compareBytes(r.start, key) < 0) &&
                (r.end === null || compareBytes(key, r.end) < 0);
              if (!inside) continue;
              c.split(r.routeId, key);
            } else {
              if (routes.length < 2) continue;
              const i = a.pick % (routes.length - 1);
              c.merge(routes[i]!.routeId, routes[i + 1]!.routeId);
            }
            expect(totals(sampler.snapshot())).toEqual(before);
          }
        }
        now += 1000;
        sampler.flush();
        expected.push(pending);
        const cols = sampler.snapshot();
        expect(totals(cols)).toEqual(expected);
        checkAxis(cols);
        expect(sampler.stats().misses).toBe(0);
        c.close();
      }),
      { numRuns: 60 },
    );
  });
});
