import { describe, expect, it } from "vitest";
import { SlotPool } from "../../src/sampler/slots.js";

describe("SlotPool activity", () => {
  it("halves every flush and follows counts moved into another slot", () => {
    const pool = new SlotPool(4);
    pool.beginFlush();
    pool.addActivity(0, 8);
    pool.addActivity(1, 4);
    expect(pool.activityOf([0, 1])).toBe(6);
    pool.beginFlush();
    expect(pool.activityOf([0])).toBe(2);
    // Slot 1's counts folded into slot 0: a bucket as busy as both, and slot 1 starts cold.
    pool.moveActivity(1, 0);
    expect(pool.activityOf([0])).toBe(3);
    expect(pool.activityOf([1])).toBe(0);
    pool.addActivity(0, 2);
    pool.beginFlush();
    expect(pool.activityOf([0])).toBe(2);
    expect(pool.flushes).toBe(3);
  });
});
