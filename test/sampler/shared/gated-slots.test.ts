import { describe, expect, it } from "vitest";
import { GatedSlotPool } from "../../../src/sampler/shared/owner-parts.js";
import type { Holder } from "../../../src/sampler/holders.js";

describe("GatedSlotPool.freesNow", () => {
  it("says a slot frees at once exactly when releasing it returns it to the free list", () => {
    const pool = new GatedSlotPool(4);
    const owner = {} as Holder;
    const [a, b] = [pool.take(owner, 0), pool.take(owner, 0)];
    expect(pool.freesNow(a)).toBe(true); // no gate: every release frees
    const unsettled = new Set([b]);
    pool.gate = { settled: (s) => !unsettled.has(s), freed: () => {}, held: () => {}, strand: () => {} };
    expect([pool.freesNow(a), pool.freesNow(b)]).toEqual([true, false]);
    pool.release(a);
    pool.release(b);
    expect(pool.freeCount).toBe(3); // b is held
    unsettled.clear();
    pool.settleHeld();
    expect(pool.freeCount).toBe(4);
  });
});
