// The sliced fan-out merge (issue 10.6) gives exactly the synchronous merge's answer, also when
// several run at once and a synchronous merge runs while one is paused.
import { describe, expect, it } from "vitest";
import { matrixJsonBytes } from "../../src/matrix/json-writer.js";
import { mergeCheckedTable } from "../../src/matrix/merge.js";
import { mergeCheckedTableSliced } from "../../src/matrix/merge-sliced.js";
import { runSteps, runStepsSliced } from "../../src/steps.js";
import { matrixOf } from "../server/fixtures.js";

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

function node(seed: number, rows: number) {
  const columns = [1000, 2000, 3000, 4000].filter((_, j) => (seed + j) % 3 !== 0);
  return matrixOf(
    "writes",
    columns,
    Array.from({ length: rows }, (_, i) => ({
      id: `route:${i + 1}`,
      start: i === 0 ? null : `k${String(i).padStart(4, "0")}`,
      end: i === rows - 1 ? null : `k${String(i + 1).padStart(4, "0")}`,
      values: columns.map((_, j) => (i * 7 + j * seed) % 11),
      groups: columns.map(() => 1 + (i % 3)),
      terms: columns.map(() => seed),
    })),
  );
}

describe("sliced merge", () => {
  it("pauses between rows and answers what the synchronous merge answers, even interleaved", async () => {
    const a = [node(1, 40), node(2, 40)];
    const b = [node(3, 30), node(4, 30), node(5, 30)];
    const expected = [a, b].map((inputs) =>
      text(matrixJsonBytes({ ...mergeCheckedTable(inputs, { rows: 16, nowMs: 0 }) })),
    );
    let pauses = 0;
    const slicing = {
      sliceMs: 0,
      pause: () => (
        (pauses++, mergeCheckedTable(b, { rows: 3, nowMs: 0 })),
        new Promise<void>((r) => setTimeout(r, 0))
      ),
    };
    const got = await Promise.all(
      [a, b].map((inputs) =>
        mergeCheckedTableSliced(inputs, { rows: 16, nowMs: 0 }, slicing, async (t) => text(matrixJsonBytes(t))),
      ),
    );
    expect(got).toEqual(expected);
    expect(pauses).toBeGreaterThan(70); // one per row at least, in both merges
  });

  it("a failing use() does not block the next sliced merge", async () => {
    const slicing = { sliceMs: 0, pause: () => Promise.resolve() };
    await expect(
      mergeCheckedTableSliced([node(1, 3)], {}, slicing, () => Promise.reject(new Error("client gone"))),
    ).rejects.toThrow("client gone");
    expect(await mergeCheckedTableSliced([node(1, 3)], {}, slicing, async (t) => t.heads.length)).toBe(3);
  });

  it("runSteps and runStepsSliced return the generator's value; the sliced one pauses after each slice", async () => {
    function* steps() {
      for (let i = 0; i < 5; i++) yield;
      return "done";
    }
    expect(runSteps(steps())).toBe("done");
    let pauses = 0;
    expect(await runStepsSliced(steps(), 0, async () => void pauses++)).toBe("done");
    expect(pauses).toBe(5);
  });
});
