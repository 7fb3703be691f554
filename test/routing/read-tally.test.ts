import { describe, expect, it } from "vitest";
import { ReadTally } from "../../src/routing/read-tally.js";

/** A pool that records what it is handed. */
function recordingPool() {
  const added: [number, number, number][] = [];
  return { added, add: (id: number, n: number, bytes: number) => void added.push([id, n, bytes]), close() {} };
}

describe("ReadTally", () => {
  it("keeps each route's group and hands over exactly the reads tallied since the last drain", () => {
    const tally = new ReadTally(["g-a", "g-b", "g-c"], [10, 20, 30]);
    expect([0, 1, 2].map((i) => tally.group(i))).toEqual(["g-a", "g-b", "g-c"]);
    tally.count(2, 5);
    tally.count(0, 3);
    tally.count(2, 7);
    const pool = recordingPool();
    tally.drainInto(pool);
    expect(pool.added).toEqual([
      [10, 1, 3],
      [30, 2, 12],
    ]);
    tally.drainInto(pool); // nothing new
    expect(pool.added).toHaveLength(2);
    tally.count(1, 0); // an empty key still counts as a read
    tally.drainInto(pool);
    expect(pool.added.at(-1)).toEqual([20, 1, 0]);
    expect(tally.group(1)).toBe("g-b");
  });

  it("stays exact past small-integer counts", () => {
    const tally = new ReadTally([{}], [7]);
    const big = 2 ** 31 - 3;
    tally.count(0, big);
    tally.count(0, big);
    tally.count(0, 9);
    const pool = recordingPool();
    tally.drainInto(pool);
    expect(pool.added).toEqual([[7, 3, 2 * big + 9]]);
  });
});
