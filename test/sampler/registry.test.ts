// The holders registry keeps one explicit state per holder: random register/remove/flush
// sequences never leave a holder whose state disagrees with the lists and slots that hold it.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { clockedSampler, enc } from "../helpers.js";
import type { Holder } from "../../src/sampler/holders.js";
import type { HolderRegistry } from "../../src/sampler/registry.js";
import type { SlotPool } from "../../src/sampler/slots.js";
import type { Sampler } from "../../src/sampler/sampler.js";

const EDGES = [null, enc("c"), enc("f"), enc("k"), enc("p"), null];

function internals(s: Sampler): { registry: HolderRegistry; slots: SlotPool } {
  const registry = (s as unknown as { registry: HolderRegistry }).registry;
  return { registry, slots: (registry as unknown as { slots: SlotPool }).slots };
}

/** Every holder's state matches where the registry and the slot pool keep it. */
function checkStates(s: Sampler, seen: Set<Holder>): void {
  const { registry, slots } = internals(s);
  for (const h of registry.live) expect(h.state).toBe("live");
  for (const h of registry.graced) expect(h.state).toBe("graced");
  const listed = new Set<Holder>([...registry.live, ...registry.graced]);
  for (const h of listed) seen.add(h);
  for (const h of seen) {
    const own = h.kind === "route" ? h.slots : [h.slot];
    if (h.state === "reclaimed") for (const slot of own) expect(slots.ownerOf(slot)).not.toBe(h);
    if (listed.has(h)) for (const slot of own) expect(slots.ownerOf(slot)).toBe(h);
    if (h.kind === "route" && h.state === "live") expect(registry.route(h.routeId)).toBe(h);
    if (h.kind === "route" && h.state !== "live") expect(registry.route(h.routeId)).not.toBe(h);
  }
}

describe("holders registry", () => {
  it("moves a route live → graced → reclaimed, and bumps its version on each change", () => {
    const { s, tick } = clockedSampler({ stepMs: 1000 });
    const { registry } = internals(s);
    const v0 = registry.version;
    s.registerRoute(1, null, enc("m"));
    const r = registry.route(1)!;
    expect(r.state).toBe("live");
    expect(registry.version).toBeGreaterThan(v0);
    const v1 = registry.version;
    s.observe(1, 1, 3);
    s.removeRoute(1);
    expect(r.state).toBe("graced");
    expect(registry.version).toBeGreaterThan(v1);
    tick(6000);
    s.flush();
    expect(r.state).toBe("reclaimed");
    expect(registry.graced).not.toContain(r);
  });

  it("keeps states, lists and slot owners in step under random register/remove/flush", () => {
    const op = fc.oneof(
      // spans of 1–2 pieces, so routes are also removed and re-registered over other ranges (hand splits and merges)
      fc.record({
        t: fc.constant("reg" as const),
        id: fc.nat(7),
        range: fc.nat(EDGES.length - 2),
        span: fc.integer({ min: 1, max: 2 }),
      }),
      fc.record({ t: fc.constant("rm" as const), id: fc.nat(7) }),
      fc.record({ t: fc.constant("obs" as const), id: fc.nat(7) }),
      fc.record({ t: fc.constant("flush" as const), advance: fc.nat(4000) }),
    );
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 80 }),
        fc.integer({ min: 1, max: 4 }),
        fc.boolean(),
        (ops, budget, labelled) => {
          const { s, tick } = clockedSampler({ maxTrackedRoutes: budget, labels: labelled ? ["a"] : [] });
          const seen = new Set<Holder>();
          for (const o of ops) {
            if (o.t === "reg") {
              try {
                s.registerRoute(o.id, EDGES[o.range], EDGES[Math.min(o.range + o.span, EDGES.length - 1)]);
              } catch (e) {
                expect(e).toBeInstanceOf(RangeError); // overlaps a live route, or another range
              }
            } else if (o.t === "rm") s.removeRoute(o.id);
            else if (o.t === "obs") s.observe(o.id, 1, 4);
            else {
              tick(o.advance);
              s.flush();
            }
            checkStates(s, seen);
          }
        },
      ),
      { numRuns: Number(process.env.KEYVIZ_PROPERTY_RUNS ?? 150) },
    );
  });
});
