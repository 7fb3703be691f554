// Shared sampler API edges: handle checks, one attachment per handle, options, id limit, and the
// non-shared sampler refusing the shared-only methods.
import { describe, expect, it } from "vitest";
import { attachSampler, createSampler } from "../../../src/index.js";

describe("shared sampler handles", () => {
  it("bad handles are TypeErrors that say what is wrong", () => {
    const s = createSampler({ shared: true });
    const good = s.workerHandle();
    expect(() => attachSampler(null)).toThrow(/handle must be the object/);
    expect(() => attachSampler({})).toThrow(TypeError);
    expect(() => attachSampler({ ...good, keyviz: "x" })).toThrow(/handle.keyviz/);
    expect(() => attachSampler({ ...good, memory: new WebAssembly.Memory({ initial: 1 }) })).toThrow(/not shared/);
    expect(() => attachSampler({ ...good, memory: {} })).toThrow(/WebAssembly.Memory/);
    const alien = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    expect(() => attachSampler({ ...good, memory: alien })).toThrow(/not a keyviz shared sampler memory/);
    expect(() => attachSampler({ ...good, stripe: 99 })).toThrow(/handle.stripe must be an integer/);
    expect(() => attachSampler({ ...good, stripe: 1.5 })).toThrow(TypeError);
    expect(() => attachSampler({ ...good, labels: ["x"] })).toThrow(/does not match/);
    expect(() => attachSampler({ ...good, labels: "x" })).toThrow(/labels must be an array/);
    attachSampler(good);
    expect(() => attachSampler(good)).toThrow(/already attached/);
    expect(() => s.releaseWorker({ ...good, memory: alien })).toThrow(/this sampler/);
  });

  it("options and limits", () => {
    expect(() => createSampler({ shared: 3 as never })).toThrow(TypeError);
    // The option rule of SPEC §3: non-positive → default, too large → clamped, a fraction → RangeError.
    const defaults = createSampler({ shared: { maxWorkers: 0, routeIdLimit: -1 } });
    for (let i = 0; i < 8; i++) defaults.workerHandle();
    expect(() => defaults.workerHandle()).toThrow(/all 8 worker stripes are in use/);
    expect(() => defaults.registerRoute(2 ** 20)).toThrow(/not below routeIdLimit 1048576/);
    const clamped = createSampler({ shared: { maxWorkers: 1000, routeIdLimit: 2 ** 30 } });
    expect(() => clamped.registerRoute(2 ** 24)).toThrow(/not below routeIdLimit 16777216/);
    expect(() => createSampler({ shared: { maxWorkers: 1.5 } })).toThrow(/shared.maxWorkers must be an integer/);
    expect(() => createSampler({ shared: { routeIdLimit: "9" as never } })).toThrow(TypeError);
    const s = createSampler({ shared: { maxWorkers: 2, routeIdLimit: 1000 } });
    expect(() => s.registerRoute(1000)).toThrow(/not below routeIdLimit 1000/);
    s.registerRoute(999, new Uint8Array([1]));
    s.registerRoute(1, null, new Uint8Array([1]));
    expect(() => s.replaceRoutes([999], [{ routeId: 5000, start: new Uint8Array([1]), end: null }])).toThrow(
      /newRoutes\[0\].routeId 5000/,
    );
    s.workerHandle();
    const h = s.workerHandle();
    expect(() => s.workerHandle()).toThrow(/all 2 worker stripes are in use/);
    s.releaseWorker(h);
    expect(s.workerHandle().stripe).toBe(h.stripe);
    const plain = createSampler();
    expect(() => plain.workerHandle()).toThrow(/shared: true/);
    expect(() => plain.workerMisses()).toThrow(TypeError);
  });

  it("a released handle is dead: it cannot attach to, or release, the stripe's next worker", () => {
    const s = createSampler({ shared: { maxWorkers: 1 } });
    s.registerRoute(7);
    const old = s.workerHandle();
    s.releaseWorker(old); // e.g. a worker that never started
    const fresh = s.workerHandle();
    expect(fresh.stripe).toBe(old.stripe);
    expect(() => attachSampler(old)).toThrow(/already attached or released/);
    const o = attachSampler(fresh); // the stale try left the stripe reserved for it
    s.releaseWorker(old); // again: a no-op, not a release of the new worker
    expect(() => s.workerHandle()).toThrow(/all 1 worker stripes are in use/);
    o.observe(7, 1, 1);
    s.flush();
    expect(s.snapshot()[0]!.rows[0]!.writes).toBe(1);
    expect(() => attachSampler({ ...fresh, ticket: 0.5 })).toThrow(/handle.ticket/);
  });

  it("a worker released while it still runs (misuse) stops counting at its next quiescent()", () => {
    const s = createSampler({ shared: { maxWorkers: 1 } });
    s.registerRoute(7);
    const h = s.workerHandle();
    const running = attachSampler(h);
    s.releaseWorker(h);
    running.quiescent(); // what its event loop does every 50 ms
    running.observe(7, 1, 1); // not counted: the stripe serves another worker from now on
    const next = attachSampler(s.workerHandle());
    next.observe(7, 1, 1);
    running.detach(); // detaching late does not release the new worker's stripe
    expect(() => s.workerHandle()).toThrow(/all 1 worker stripes are in use/);
    s.flush();
    expect(s.snapshot()[0]!.rows[0]!.writes).toBe(1);
  });

  it("a new worker gets a never-used stripe before a released one", () => {
    const s = createSampler({ shared: { maxWorkers: 3 } });
    const a = s.workerHandle();
    s.releaseWorker(a);
    expect([s.workerHandle().stripe, s.workerHandle().stripe, s.workerHandle().stripe]).toEqual([1, 2, a.stripe]);
  });

  it("the handle survives structured cloning", () => {
    const s = createSampler({ shared: true, labels: ["a"] });
    const h = structuredClone(s.workerHandle());
    const o = attachSampler(h);
    s.registerRoute(7);
    o.observe(7, 1, 3, 4);
    o.observeKey(7, 0, new Uint8Array([1, 2]), 5, "a");
    o.observe(8, 0, 1);
    o.observe(7, 2 as never, 1);
    s.flush();
    const rows = s.snapshot()[0]!.rows;
    expect(rows.map((r) => [r.label, r.reads, r.writes, r.readBytes, r.writeBytes])).toEqual([
      ["", 0, 1, 0, 7],
      ["a", 1, 0, 7, 0],
    ]);
    expect(s.stats()).toMatchObject({ misses: 1, invalidSamples: 1 });
    expect(s.workerMisses()).toEqual({ reads: 1, writes: 0, readBytes: 1, writeBytes: 0 });
    o.observe(7, 0, 1);
    s.close(); // the last flush harvests the worker's counts too
    expect(
      s
        .snapshot()
        .at(-1)!
        .rows.map((r) => r.reads),
    ).toEqual([1]);
    o.detach();
    expect(() => o.observe(7, 1, 3)).not.toThrow(); // detached: counts nothing, never throws
    expect(() => s.flush()).toThrow(/sampler is closed/);
    expect(s.snapshot()).toHaveLength(2);
  });

  it("a removed route's slot is reused only after every worker has passed the change (quiescent)", () => {
    let now = 1_000_000;
    // Two routes tracked, so four slots (two kept for removed routes draining).
    const s = createSampler({ shared: true, maxTrackedRoutes: 2, stepMs: 1000, now: () => now });
    const o = attachSampler(s.workerHandle()); // its event loop never turns in this test
    const k = (b: number) => new Uint8Array([b]);
    for (const id of [1, 2, 3, 4]) {
      expect(s.registerRoute(id, k(id * 10), k(id * 10 + 5))).toBe(true);
      s.removeRoute(id);
    }
    now += 10_000; // past the grace window
    s.flush();
    // The worker may still hold an index entry of a removed route: no slot is reclaimed, no room.
    expect(s.registerRoute(5, k(50), k(55))).toBe(false);
    s.removeRoute(5);
    o.quiescent(); // between observes: it has seen every change
    now += 10_000;
    s.flush();
    expect(s.registerRoute(6, k(60), k(65))).toBe(true);
  });
});
