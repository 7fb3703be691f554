// observe's and observeKey's length checks: whatever the lengths are, the bytes counted are exactly
// sampleLen(keyLen) + sampleLen(valueLen) (observe takes a one-test path when both are valid
// and must agree with the per-length rule everywhere else), and observe never throws.
import { describe, expect, it } from "vitest";
import { sampleLen } from "../../src/sampler/samples.js";
import { clockedSampler } from "../helpers.js";

const hostile = {
  valueOf(): number {
    throw new Error("valueOf must not be called");
  },
};
const lengths: unknown[] = [
  0,
  -0,
  1,
  7,
  2 ** 31 - 1,
  2 ** 31,
  2 ** 32,
  -1,
  -(2 ** 31),
  1.5,
  -1.5,
  NaN,
  Infinity,
  -Infinity,
  "5",
  null,
  undefined,
  true,
  5n,
  Symbol("x"),
  hostile,
  [3],
  {},
];

describe("observe byte counting", () => {
  it("counts sampleLen(keyLen) + sampleLen(valueLen) for every pair of lengths", () => {
    const pairs = lengths.flatMap((a) => lengths.map((b) => [a, b] as const));
    const { s, tick } = clockedSampler({ maxTrackedRoutes: pairs.length });
    pairs.forEach((_, id) =>
      s.registerRoute(id, Uint8Array.of(id >> 8, id & 255), Uint8Array.of(id >> 8, id & 255, 0)),
    );
    pairs.forEach(([a, b], id) => {
      s.observe(id, 0, a as number, b as number);
      s.observe(id, 1, 3, 4); // a valid write on the same route: the fast path after the slow one
    });
    tick();
    s.flush();
    const rows = s.snapshot().at(-1)!.rows;
    pairs.forEach(([a, b], id) => {
      const row = rows.find((r) => r.routeId === id)!;
      expect([row.reads, row.readBytes, row.writes, row.writeBytes]).toEqual([
        1,
        sampleLen(a as number) + sampleLen(b as number),
        1,
        7,
      ]);
    });
  });

  it("observeKey counts key.length + sampleLen(valueLen) for every value length", () => {
    const { s, tick } = clockedSampler({ maxTrackedRoutes: lengths.length });
    lengths.forEach((_, id) => s.registerRoute(id, Uint8Array.of(id), Uint8Array.of(id, 0)));
    const key = (id: number) => Uint8Array.of(id, 0, 0);
    lengths.forEach((len, id) => {
      s.observeKey(id, 0, key(id), len as number);
      s.observeKey(id, 1, key(id), 4);
    });
    tick();
    s.flush();
    const rows = s.snapshot().at(-1)!.rows;
    lengths.forEach((len, id) => {
      const row = rows.find((r) => r.routeId === id)!;
      expect([row.reads, row.readBytes, row.writes, row.writeBytes]).toEqual([1, 3 + sampleLen(len as number), 1, 7]);
    });
  });
});

describe("observe's op and route tests", () => {
  // observe checks the op with `op >>> 0 === op && op < 2` on its fast path: every other value
  // must be rejected (counted in invalidSamples), and no op may be read through valueOf.
  const badOps: unknown[] = [2, -1, 0.5, 1.5, NaN, Infinity, 2 ** 32, 2 ** 32 + 1, "0", "1", true, null, undefined];
  badOps.push(1n, Symbol("op"), hostile, [1], {});

  it("counts ops 0, 1 and -0, and rejects every other op without counting or throwing", () => {
    const { s, tick } = clockedSampler();
    s.registerRoute(1, null, null);
    for (const op of badOps) expect(() => s.observe(1, op as 0, 3, 4)).not.toThrow();
    s.observe(1, 0, 3, 0);
    s.observe(1, -0 as 0, 5, 0);
    s.observe(1, 1, 3, 4);
    tick();
    s.flush();
    const row = s.snapshot().at(-1)!.rows[0]!;
    expect([row.reads, row.readBytes, row.writes, row.writeBytes]).toEqual([2, 8, 1, 7]);
    expect(s.stats()).toMatchObject({ invalidSamples: badOps.length, misses: 0 });
  });

  it("counts ids past the dense arrays, unregistered ids and non-numbers as misses", () => {
    const { s, tick } = clockedSampler();
    s.registerRoute(1, null, null);
    const strays: unknown[] = [0, 2, 1023, 70_000, (1 << 20) - 1, 2 ** 40, -1, 1.5, NaN, "1", null, {}];
    for (const id of strays) s.observe(id as number, 1, 3, 4);
    tick();
    s.flush();
    expect(s.snapshot().at(-1)?.rows ?? []).toEqual([]);
    expect(s.stats()).toMatchObject({ misses: strays.length, invalidSamples: 0 });
  });
});
