// Route lookup in workers over a shared route table, in one thread: the worker's lookup equals the
// owner's for random tables and keys (fast-check), old versions and dropped route ids stay intact
// until every worker has passed them, handle checks, close.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { attachCoordinator, Coordinator, createSampler, type GroupBackend } from "../../src/index.js";
import { MemoryGroup } from "../../src/testing/index.js";
import { SharedTableReader } from "../../src/routing/shared-lookup.js";
import { SharedTableWriter, E_ROUTE } from "../../src/routing/shared-table.js";
import { createRouteTable, validateRoutes, type RouteSpec } from "../../src/routing/route-table.js";
import type { WorkerGrace } from "../../src/sampler/shared/grace.js";

const enc = (s: string) => new TextEncoder().encode(s);

function groups(): Map<number, GroupBackend> {
  return new Map<number, GroupBackend>([
    [1, new MemoryGroup({ groupId: 1 })],
    [2, new MemoryGroup({ groupId: 2 })],
  ]);
}

function sharedCoordinator(routes: RouteSpec[] = [{ routeId: 1, start: null, end: null, groupId: 1 }]) {
  const sampler = createSampler({ shared: { maxWorkers: 4 }, stepMs: 1000, historyColumns: 1000 });
  const c = new Coordinator({ routes, groups: groups(), sampler });
  return { sampler, c };
}

/** Keys over a small alphabet behind an optional long common prefix: windows often tie. */
const keyArb = fc
  .tuple(
    fc.constantFrom("", "user/", "tenant-0042/orders/"),
    fc.uint8Array({ minLength: 0, maxLength: 14 }).map((b) => b.map((x) => [0, 1, 0x61, 0x62, 0xfe, 0xff][x % 6]!)),
  )
  .map(([p, tail]) => {
    const k = new Uint8Array(p.length + tail.length);
    k.set(enc(p));
    k.set(tail, p.length);
    return k;
  });

describe("route lookup in workers (shared route table)", () => {
  it("the worker's routeForKey equals the coordinator's after every split and merge (fast-check)", () => {
    fc.assert(
      fc.property(
        fc.array(keyArb, { minLength: 1, maxLength: 30 }),
        fc.array(keyArb, { maxLength: 60 }),
        (splits, probes) => {
          const { c } = sharedCoordinator();
          const router = attachCoordinator(c.workerHandle());
          const check = () => {
            for (const k of [...probes, ...splits]) expect(router.routeForKey(k)).toEqual(c.routeForKey(k));
          };
          for (const k of splits) {
            if (k.length === 0) continue;
            const r = c.table.route(c.routeForKey(k).routeId)!;
            if (r.start !== null && Buffer.compare(r.start, k) === 0) {
              // k is already a boundary: merge the route below it into this one instead.
              const below = c.table.routes().find((x) => x.end !== null && Buffer.compare(x.end, k) === 0)!;
              c.merge(below.routeId, r.routeId);
            } else c.split(r.routeId, k);
            check();
          }
          check();
        },
      ),
      { numRuns: 60 },
    );
  });

  it("counts what it routes, in the route the coordinator would have chosen", () => {
    const { sampler, c } = sharedCoordinator([
      { routeId: 1, start: null, end: enc("m"), groupId: 1 },
      { routeId: 2, start: enc("m"), end: null, groupId: 2 },
    ]);
    const router = attachCoordinator(c.workerHandle());
    expect(router.observeKey(0, enc("apple"))).toEqual({ routeId: 1, groupId: 1 });
    expect(router.observeKey(1, enc("zebra"), 10)).toEqual({ routeId: 2, groupId: 2 });
    expect(router.observeKey(1, enc("zebra"))).toBe(router.routeForKey(enc("zz"))); // cached refs
    expect(router.observeKey(2 as 0, enc("a"))).toBeNull();
    expect(router.observeKey(0, "a" as never)).toBeNull();
    sampler.flush();
    const rows = sampler.snapshot().flatMap((col) => col.rows);
    const of = (id: number) => rows.filter((r) => r.routeId === id);
    expect(of(1).reduce((a, r) => a + r.reads, 0)).toBe(1);
    expect(of(2).reduce((a, r) => a + r.writes, 0)).toBe(2);
    expect(of(2).reduce((a, r) => a + r.writeBytes, 0)).toBe(5 + 10 + 5);
    expect(sampler.stats().invalidSamples).toBe(2);
  });

  it("a route id an old table version named keeps counting until every worker has passed the change", () => {
    const { sampler, c } = sharedCoordinator();
    const router = attachCoordinator(c.workerHandle());
    const [left, right] = c.split(1, enc("m"));
    // A worker that looked up route 1 before the split counts it now: not a miss.
    router.observer.observeKey(1, 0, enc("q"));
    sampler.flush();
    expect(sampler.workerMisses().reads).toBe(0);
    router.quiescent(); // passes the split's epoch...
    sampler.flush(); // ...so this harvest clears route 1 for workers
    router.quiescent();
    router.observer.observeKey(1, 0, enc("q"));
    sampler.flush();
    expect(sampler.workerMisses().reads).toBe(1);
    expect(router.routeForKey(enc("q"))!.routeId).toBe(right);
    expect(router.routeForKey(enc("a"))!.routeId).toBe(left);
    const total = sampler
      .snapshot()
      .flatMap((col) => col.rows)
      .reduce((a, r) => a + r.reads, 0);
    expect(total).toBe(1);
  });

  it("an id removed outside the coordinator, or after it closed, is cleared once workers passed it", () => {
    const { sampler, c } = sharedCoordinator();
    const router = attachCoordinator(c.workerHandle());
    c.close();
    sampler.removeRoute(1);
    router.observer.observe(1, 1, 3);
    sampler.flush(); // seals the removal: workers must pass the epoch this flush announces
    router.observer.observe(1, 1, 3);
    expect(sampler.workerMisses().writes).toBe(0);
    router.quiescent();
    sampler.flush(); // all passed: cleared
    router.quiescent();
    router.observer.observe(1, 1, 3);
    sampler.flush();
    expect(sampler.workerMisses().writes).toBe(1);
    const rows = sampler.snapshot().flatMap((col) => col.rows);
    expect(rows.filter((r) => r.routeId === 1).reduce((a, r) => a + r.writes, 0)).toBe(2);
  });

  it("two coordinators over one table: closing one leaves the other's workers routing", () => {
    const sampler = createSampler({ shared: { maxWorkers: 4 }, stepMs: 1000 });
    const table = createRouteTable([{ routeId: 1, start: null, end: null, groupId: 1 }]);
    const a = new Coordinator({ routes: table, groups: groups(), sampler });
    const b = new Coordinator({ routes: table, groups: groups(), sampler });
    const router = attachCoordinator(b.workerHandle());
    a.close();
    expect(router.routeForKey(enc("a"))).toEqual({ routeId: 1, groupId: 1 });
    b.split(1, enc("m"));
    expect(router.routeForKey(enc("z"))?.routeId).toBe(3);
    b.close(); // the last one: now workers' lookups stop
    expect(router.routeForKey(enc("a"))).toBeNull();
    router.detach();
    sampler.close();
  });

  it("close: workers' lookups answer null; bad handles are TypeErrors", () => {
    const { sampler, c } = sharedCoordinator();
    const good = c.workerHandle();
    expect(() => attachCoordinator(null)).toThrow(/handle must be the object/);
    expect(() => attachCoordinator({ ...good, keyviz: "shared-sampler" })).toThrow(/handle.keyviz/);
    expect(() => attachCoordinator({ ...good, routes: {} })).toThrow(/WebAssembly.Memory/);
    expect(() => attachCoordinator({ ...good, routes: new WebAssembly.Memory({ initial: 1 }) })).toThrow(
      /not a shared/,
    );
    const alien = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    expect(() => attachCoordinator({ ...good, routes: alien })).toThrow(/not a keyviz shared route table/);
    expect(() => attachCoordinator({ ...good, sampler: {} })).toThrow(/attachSampler/);
    const router = attachCoordinator(good);
    expect(() => router.routeForKey("a" as never)).toThrow(TypeError);
    expect(router.routeForKey(enc("a"))).toEqual({ routeId: 1, groupId: 1 });
    expect(structuredClone(good).routes).toBeInstanceOf(WebAssembly.Memory);
    c.close();
    expect(router.routeForKey(enc("a"))).toBeNull();
    expect(router.observeKey(0, enc("a"))).toBeNull();
    expect(() => c.workerHandle()).toThrow(/closed/);
    const plain = new Coordinator({
      routes: [{ routeId: 1, start: null, end: null, groupId: 1 }],
      groups: groups(),
      sampler: createSampler(),
    });
    expect(() => plain.workerHandle()).toThrow(/shared: true/);
    router.detach();
    sampler.close();
  });
});

describe("shared table versions (read-copy-update)", () => {
  class Grace implements WorkerGrace {
    epoch = 0;
    seen = 0;
    deferClears(): void {}
    announce(): number {
      return ++this.epoch;
    }
    passed(epoch: number): boolean {
      return this.seen >= epoch;
    }
    workerHandle(): never {
      throw new Error("unused");
    }
  }

  const table = (n: number, id0: number): RouteSpec[] =>
    validateRoutes(
      Array.from({ length: n }, (_, i) => ({
        routeId: id0 + i,
        start: i === 0 ? null : enc(`k${String(i).padStart(4, "0")}`),
        end: i === n - 1 ? null : enc(`k${String(i + 1).padStart(4, "0")}`),
        groupId: 1,
      })),
    );

  // The entry first: a lookup refreshes the reader's views when the memory grew.
  const idAt = (r: SharedTableReader, key: string) => {
    const e = r.entryAt(r.indexForKey(enc(key)));
    return r.words[e + E_ROUTE];
  };

  function publish(w: SharedTableWriter, routes: RouteSpec[]): void {
    w.prepare(routes.length, (i) => routes[i]!, enc("k"));
    w.publish();
  }

  it("a retired version is written again only once every worker has passed it", () => {
    const grace = new Grace();
    const w = new SharedTableWriter(grace);
    const r = new SharedTableReader(w.memory);
    publish(w, table(50, 100));
    const held = r.entryAt(r.indexForKey(enc("k0007x"))); // a lookup in progress in version 1
    expect(r.words[held + E_ROUTE]).toBe(107);
    for (let v = 0; v < 5; v++) publish(w, table(50, 1000 * (v + 1)));
    expect(r.words[held + E_ROUTE]).toBe(107); // nobody passed: new space each time
    expect(idAt(r, "k0007x")).toBe(5007);
    const bytes = w.memoryBytes;
    grace.seen = grace.epoch;
    for (let v = 0; v < 20; v++) {
      publish(w, table(50, 10_000 * (v + 1)));
      grace.seen = grace.epoch;
    }
    expect(w.memoryBytes).toBe(bytes); // passed versions are reused
    expect(idAt(r, "k0007x")).toBe(200_007);
  });

  it("the memory grows for a larger table and readers follow it", () => {
    const grace = new Grace();
    const w = new SharedTableWriter(grace);
    const r = new SharedTableReader(w.memory);
    publish(w, table(3, 1));
    expect(idAt(r, "k0002")).toBe(3);
    publish(w, table(9000, 1));
    expect(w.memoryBytes).toBeGreaterThan(65536);
    expect(idAt(r, "k8999")).toBe(9000);
    expect(idAt(r, "k0000")).toBe(1);
  });
});
