// The bench runner's core-speed gauge (bench/lib/gauge.mjs): which rounds it names as run on a
// slowed core. Timing itself is not asserted (benchmarks never are in tests), only that it is a
// positive number of nanoseconds.
import { describe, expect, it } from "vitest";
import { gaugeNs, markSlowCoreRounds, typedArraysChecked } from "../../bench/lib/gauge.mjs";

describe("bench gauge", () => {
  it("flags the rounds more than 15 % slower than the run's fastest, and only those", () => {
    const rounds: { gaugeNs?: number; slowCore?: boolean }[] = [
      { gaugeNs: 0.6 },
      { gaugeNs: 0.69 }, // 15 % above: still fine
      { gaugeNs: 0.691 },
      { gaugeNs: 1.2 },
      {}, // an error or a skip: no gauge
    ];
    markSlowCoreRounds(rounds);
    expect(rounds.map((r) => r.slowCore === true)).toEqual([false, false, true, true, false]);
  });

  it("flags nothing when no round reported a gauge", () => {
    const rounds: { gaugeNs?: number; slowCore?: boolean }[] = [{}, {}];
    markSlowCoreRounds(rounds);
    expect(rounds.some((r) => r.slowCore)).toBe(false);
  });

  it("tells whether typed-array accesses are checked (a boolean; its timing is not asserted)", () => {
    expect(typeof typedArraysChecked(gaugeNs())).toBe("boolean");
  });

  it("measures a positive, finite time per element", () => {
    const ns = gaugeNs();
    expect(Number.isFinite(ns) && ns > 0).toBe(true);
  });
});
