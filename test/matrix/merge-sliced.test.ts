// The sliced fan-out merge (issue 10.6) gives exactly the synchronous merge's answer, also when
// several run at once, a synchronous merge runs while one is paused, or the local node's table
// (whose buffers its next build reuses) is overwritten while one is paused.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { matrixJsonBytes } from "../../src/matrix/json-writer.js";
import { mergeCheckedTable } from "../../src/matrix/merge.js";
import { mergeLocalAndPeersSliced } from "../../src/matrix/merge-sliced.js";
import { runSteps, runStepsSliced } from "../../src/steps.js";
import { toWireMatrix, type MatrixTable } from "../../src/matrix/table.js";
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

/**
 * A table as a builder leaves it: rows in output order pointing at cell rows in another order,
 * some rows with one identity throughout (their per-cell identity cells left as junk, which the
 * merge must not read), columns ascending, or (`repeat`) with a timestamp twice, and sometimes
 * with conflict flags (the last two take tableInput's wire-row path).
 */
const tableArb = fc
  .record({ width: fc.integer({ min: 1, max: 5 }), rows: fc.integer({ min: 1, max: 8 }), repeat: fc.boolean() })
  .chain(({ width, rows, repeat }) =>
    fc.record({
      times: fc
        .uniqueArray(fc.integer({ min: 1, max: 6 }), { minLength: width, maxLength: width })
        .map((t) => t.sort((a, b) => a - b).map((x, j) => 1000 * (repeat && j > 0 ? t[j - 1]! : x))),
      values: fc.array(fc.nat(9), { minLength: rows * width, maxLength: rows * width }),
      groups: fc.array(fc.nat(3), { minLength: rows * width, maxLength: rows * width }),
      terms: fc.array(fc.nat(3), { minLength: rows * width, maxLength: rows * width }),
      whole: fc.array(fc.option(fc.tuple(fc.nat(3), fc.nat(3))), { minLength: rows, maxLength: rows }),
      order: fc.shuffledSubarray([...Array(rows).keys()], { minLength: rows, maxLength: rows }),
      conflicts: fc.option(fc.array(fc.nat(1), { minLength: rows * width, maxLength: rows * width })),
    }),
  )
  .map(({ times, values, groups, terms, whole, order, conflicts }): MatrixTable => {
    const rows = order.length;
    const key = (i: number) => Buffer.from(`k${String(i).padStart(4, "0")}`).toString("base64");
    return {
      series: "writes",
      generated_at: "2026-01-01T00:00:00.000Z",
      column_unix_ms: times,
      heads: order.map((_, i) => ({
        bucket_id: `route:${i + 1}`,
        label: "",
        start: i === 0 ? null : key(i),
        end: i === rows - 1 ? null : key(i + 1),
        aggregate: false,
        route_ids: [100 + i], // not on the wire for a non-aggregate row: must not reach the merge
        route_count: 1,
      })),
      cellRow: Uint32Array.from(order),
      values: Float64Array.from(values),
      groups: Float64Array.from(groups, (g, c) => (whole[Math.floor(c / times.length)] ? 99 : g)),
      terms: Float64Array.from(terms, (t, c) => (whole[Math.floor(c / times.length)] ? 99 : t)),
      identity: {
        group: Float64Array.from(whole, (w) => w?.[0] ?? 0),
        term: Float64Array.from(whole, (w) => w?.[1] ?? 0),
        perCell: Uint8Array.from(whole, (w) => (w === null ? 1 : 0)),
      },
      conflicts: conflicts === null ? null : Uint8Array.from(conflicts),
    };
  });

describe("sliced merge", () => {
  it("property: a local MatrixTable merges as its wire matrix does, though its buffers are overwritten mid-merge", async () => {
    await fc.assert(
      fc.asyncProperty(
        tableArb,
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 12 }),
        async (table, seed, rows) => {
          const peers = [node(seed, 5)];
          const opts = { rows, nowMs: 0 }; // small budgets fold rows, reading their heads' route ids
          const expected = text(matrixJsonBytes(mergeCheckedTable([toWireMatrix(table), ...peers], opts)));
          // The sampler's next build reuses the table's buffers: every pause writes over them.
          const slicing = {
            sliceMs: 0,
            pause: async () => {
              for (const a of [table.values, table.groups, table.terms]) a.fill(7);
              table.identity!.group.fill(7);
            },
          };
          const got = await mergeLocalAndPeersSliced(
            () => table,
            peers,
            opts,
            slicing,
            async (t) => text(matrixJsonBytes(t)),
          );
          expect(got).toBe(expected);
        },
      ),
      { numRuns: 200 },
    );
  });

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
        mergeLocalAndPeersSliced(
          () => inputs[0]!,
          inputs.slice(1),
          { rows: 16, nowMs: 0 },
          slicing,
          async (t) => text(matrixJsonBytes(t)),
        ),
      ),
    );
    expect(got).toEqual(expected);
    expect(pauses).toBeGreaterThan(70); // one per row at least, in both merges
  });

  it("a failing use() does not block the next sliced merge", async () => {
    const slicing = { sliceMs: 0, pause: () => Promise.resolve() };
    await expect(
      mergeLocalAndPeersSliced(
        () => node(1, 3),
        [],
        {},
        slicing,
        () => Promise.reject(new Error("client gone")),
      ),
    ).rejects.toThrow("client gone");
    expect(
      await mergeLocalAndPeersSliced(
        () => node(1, 3),
        [],
        {},
        slicing,
        async (t) => t.heads.length,
      ),
    ).toBe(3);
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
