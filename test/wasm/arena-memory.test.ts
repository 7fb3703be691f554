// The matrix and route-table modules start with memory enough for the sizes the API serves, so a
// build or a table of those sizes never grows it: growing detaches the memory's ArrayBuffer, and
// the first detach in a process makes every typed-array access in V8's optimized code pay a check
// for the rest of the process, the embedding application's included (scripts/build-wasm.mjs,
// INITIAL_PAGES; a route table's memory is sized for its first routes, CALLER_SIZED). Larger
// matrix builds and route tables move to a bigger memory instead of growing one.
import { describe, expect, it } from "vitest";
import { buildMatrix, buildMatrixJs, buildMatrixTable } from "../../src/matrix/build.js";
import { planRowGroups } from "../../src/matrix/row-budget.js";
import { layoutPivotFits } from "../../src/matrix/layout-pivot.js";
import { createRouteTable, type RouteSpec } from "../../src/routing/route-table.js";
import type { RoutesExports } from "../../src/wasm/routes.wasm.js";
import { matrixModule } from "../../src/wasm/matrix.js";
import { MAX_ROWS } from "../../src/wire/types.js";
import { meta, view } from "../matrix/build-fixtures.js";
import { grownMemories, withRecordedMemories } from "./recorded-memories.js";

/** `columns` columns over `metaCount` routes, each column with its own id array: no shared layout. */
function unsharedLayouts(metaCount: number, columns: number) {
  const metas = Array.from({ length: metaCount }, (_, i) =>
    meta(
      i,
      i === 0 ? null : `k${String(i).padStart(6, "0")}`,
      i === metaCount - 1 ? null : `k${String(i + 1).padStart(6, "0")}`,
    ),
  );
  const values = Uint32Array.from({ length: metaCount }, (_, i) => 1 + (i % 97));
  const terms = new Uint32Array(metaCount).fill(3);
  const cols = Array.from({ length: columns }, (_, c) => ({
    windowStartMs: c * 60_000,
    atMs: (c + 1) * 60_000,
    metaIds: Uint32Array.from({ length: metaCount }, (_, i) => i),
    values,
    terms,
  }));
  return view(metas, cols);
}

/** `fn`'s result; fails if it grew any memory, the matrix instance made before it included. */
async function withoutGrowingMemory<T>(fn: () => T): Promise<T> {
  const start = matrixModule(); // made before the recording: its buffer is checked by hand
  const startBuffer = start.wasm.memory.buffer;
  const { result, firstBuffer } = await withRecordedMemories(fn);
  expect(grownMemories(firstBuffer)).toEqual([]);
  expect(start.wasm.memory.buffer).toBe(startBuffer);
  return result;
}

describe("matrix module memory", () => {
  it("a build of MAX_ROWS rows × 1 440 columns through the general pivot keeps the buffer", () => {
    const v = unsharedLayouts(2 * MAX_ROWS, 1440);
    expect(layoutPivotFits(v.columns)).toBe(false); // the pivot that takes 41 bytes a cell
    const module = matrixModule();
    const before = module.wasm.memory.buffer;
    const table = buildMatrixTable(v, { rows: MAX_ROWS, nowMs: 0 });
    expect(table.heads.length).toBe(MAX_ROWS);
    expect(matrixModule()).toBe(module);
    expect(module.wasm.memory.buffer).toBe(before);
    expect(before.byteLength).toBe(1024 * 65536); // not detached
  });

  it("a build past its memory (2 500 columns × 1 024 rows, 105 MB) moves to a bigger instance, never growing one", async () => {
    const v = unsharedLayouts(MAX_ROWS, 2500);
    expect(layoutPivotFits(v.columns)).toBe(false);
    const opts = { rows: MAX_ROWS, nowMs: 0 };
    const start = matrixModule();
    const built = await withoutGrowingMemory(() => buildMatrix(v, opts));
    expect(matrixModule()).not.toBe(start);
    expect(JSON.stringify(built)).toBe(JSON.stringify(buildMatrixJs(v, opts)));
    // The instance past 256 MiB is dropped after its build; this one (128 MiB) is kept.
    expect(matrixModule().arena.memoryBytes).toBeGreaterThan(64 << 20);
  });

  it("a row-budget plan past the instance's memory moves to a bigger one", async () => {
    const n = 900_000; // 80 bytes a row in Wasm (assembly/lib/matrix-budget.ts): past 64 MiB
    const totals = Float64Array.from({ length: n }, (_, i) => (i * 7919) % 1000);
    const starts = await withoutGrowingMemory(() => planRowGroups(totals, 1000));
    // A plan of 1 000 contiguous runs over every row (its choices are checked against the JS
    // reference at small sizes: test/matrix/build-properties.test.ts).
    expect(starts.length).toBe(1001);
    expect([starts[0], starts[1000]]).toEqual([0, n]);
    for (let k = 1; k <= 1000; k++) expect(starts[k]!).toBeGreaterThan(starts[k - 1]!);
  });
});

describe("route table module memory", () => {
  const key = (i: number) => new TextEncoder().encode(`${"p".repeat(152)}${String(i).padStart(8, "0")}`); // 160 bytes
  const routes = (n: number): RouteSpec[] =>
    Array.from({ length: n }, (_, i) => ({
      routeId: i + 1,
      start: i === 0 ? null : key(i),
      end: i === n - 1 ? null : key(i + 1),
      groupId: 1,
    }));
  const memoryOf = (t: unknown) => (t as { wasm: RoutesExports }).wasm.memory;

  it("10 000 routes with 160-byte start keys, published twice after growing from 5 000, keep the buffer", () => {
    const table = createRouteTable(routes(5000));
    const before = memoryOf(table).buffer;
    table.replace(routes(10_000));
    table.replace(routes(10_000));
    expect(table.size).toBe(10_000);
    expect(table.routeForKey(key(9_999)).routeId).toBe(10_000);
    expect(memoryOf(table).buffer).toBe(before);
    expect(before.byteLength).toBe(128 * 65536);
  });

  it("a table past the minimum is made with memory for twice its routes; past that it moves to a bigger memory, never growing one", async () => {
    // 5.3 MB a layout: a fixed 8 MiB grew at the second publish.
    const { result, firstBuffer } = await withRecordedMemories(() => {
      const table = createRouteTable(routes(30_000));
      const memory = memoryOf(table);
      table.replace(routes(30_000));
      table.replace(routes(60_000));
      table.replace(routes(60_000));
      const sameMemory = memoryOf(table) === memory; // both layouts doubled: still the first memory
      expect(table.routeForKey(key(59_999)).routeId).toBe(60_000);
      // Staging 130 000 routes outgrows it: the table moves while the 60 000 stay published.
      const staged = table.stage(routes(130_000));
      const moved = memoryOf(table) !== memory;
      const beforePublish = table.routeForKey(key(100_000)).routeId;
      table.publish(staged);
      return { table, sameMemory, moved, beforePublish };
    });
    const { table, sameMemory, moved, beforePublish } = result;
    expect(sameMemory).toBe(true);
    expect(moved).toBe(true);
    expect(beforePublish).toBe(60_000); // the last route of the published table, unbounded above
    expect(grownMemories(firstBuffer)).toEqual([]);
    expect(table.routeForKey(key(129_999)).routeId).toBe(130_000);
    expect(table.routeForKey(key(100_000)).routeId).toBe(100_001);
    expect(table.routeForKey(key(12_345)).routeId).toBe(12_346);
    // Keys longer than a window take the full search through the moved scratch.
    const long = new Uint8Array([...key(77_777), 1, 2, 3]);
    expect(table.routeForKey(long).routeId).toBe(77_778);
    table.replace(routes(130_000));
    table.split(130_000, new TextEncoder().encode("z"));
    expect(table.size).toBe(130_001);
    expect(grownMemories(firstBuffer)).toEqual([]);
  });
});
