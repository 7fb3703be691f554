// A worker's observe counts every argument exactly as the owner's observe does: the fast path
// (small integer lengths) and the out-of-line one (large, fractional, negative or non-number
// lengths, misses, bad ops) against a plain sampler fed the same calls.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { attachSampler, createSampler, type Sampler } from "../../../src/index.js";

const ROUTES = 8;
const LENGTHS = [0, 1, 5, 0x7ffe, 0x7fff, 0x8000, 0xffff, 0x10000, 70_000, 2 ** 31 - 1, 2 ** 31, -1, -0, 1.5, NaN];
const OPS = [0, 1, 2, -1, 0.5, "1", null];

function registered(s: Sampler): Sampler {
  for (let i = 0; i < ROUTES; i++) {
    const at = (x: number) => (x === 0 ? null : new Uint8Array([x]));
    s.registerRoute(i + 1, at(i * 16), i === ROUTES - 1 ? null : at((i + 1) * 16), 1);
  }
  return s;
}

function counts(s: Sampler) {
  s.flush();
  const rows = (s.snapshot().at(-1)?.rows ?? []).map((r) => [r.routeId, r.reads, r.writes, r.readBytes, r.writeBytes]);
  // A call with both an unknown id and a bad op is a miss on the owner and invalid in a worker
  // (its miss words are per op); either way it is counted once and in no row.
  const { misses, invalidSamples } = s.stats();
  return { rows, notCounted: misses + invalidSamples };
}

const call = fc.record({
  routeId: fc.oneof(fc.integer({ min: 0, max: ROUTES + 2 }), fc.constantFrom(-1, 1.5, 2 ** 40)),
  op: fc.constantFrom(...OPS),
  keyLen: fc.oneof(fc.constantFrom(...LENGTHS), fc.integer({ min: 0, max: 2 ** 31 - 1 })),
  valueLen: fc.oneof(fc.constantFrom(...LENGTHS, undefined), fc.integer({ min: 0, max: 0x9000 })),
});

describe("a worker's observe", () => {
  it("keeps byte counts exact past 2^32 in one step (each word takes at most 16 bits a call)", () => {
    const shared = registered(createSampler({ shared: true }));
    const worker = attachSampler(shared.workerHandle());
    for (let i = 0; i < 5; i++) worker.observe(3, 1, 2 ** 31 - 1, 2 ** 31 - 1);
    for (let i = 0; i < 3; i++) worker.observe(3, 0, 0x7fff, 0x7fff);
    shared.flush();
    const row = shared
      .snapshot()
      .at(-1)!
      .rows.find((r) => r.routeId === 3)!;
    expect([row.writes, row.writeBytes, row.reads, row.readBytes]).toEqual([5, 5 * (2 ** 32 - 2), 3, 3 * 0xfffe]);
    worker.detach();
    shared.close();
  });

  it("counts like the owner's observe, whatever the arguments", () => {
    fc.assert(
      fc.property(fc.array(call, { maxLength: 60 }), (calls) => {
        const shared = registered(createSampler({ shared: true }));
        const plain = registered(createSampler());
        const worker = attachSampler(shared.workerHandle());
        for (const c of calls) {
          const args = [c.routeId, c.op, c.keyLen, c.valueLen] as Parameters<Sampler["observe"]>;
          worker.observe(...args);
          plain.observe(...args);
        }
        expect(counts(shared)).toEqual(counts(plain));
        worker.detach();
        shared.close();
        plain.close();
      }),
      { numRuns: 150 },
    );
  });
});
