// Tiers: columns ageing out of a tier merge into the next, conserving every series exactly and
// never leaving overlapping rows, with memory bounded by the tier sizes.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ColumnBuilder, History, type StoredColumn } from "../../src/history/history.js";
import { openHistory } from "../../src/history/replay.js";
import { mergeColumns } from "../../src/history/tier-merge.js";
import { defaultTiers } from "../../src/history/tier-options.js";
import { rangesOverlap } from "../../src/keys/ranges.js";
import { createSampler } from "../../src/sampler/sampler.js";
import type { Column, Key, RowMeta } from "../../src/types.js";
import { clockedSampler, enc } from "../helpers.js";
import { historyOf } from "./history-file.js";

const SERIES = ["reads", "writes", "readBytes", "writeBytes"] as const;
const key = (k: number | null): Key => (k === null ? null : Uint8Array.of(k));

function sums(rows: readonly { reads: number; writes: number; readBytes: number; writeBytes: number }[]): number[] {
  return SERIES.map((s) => rows.reduce((n, r) => n + r[s], 0));
}

/** Pairs of rows of one column that overlap in key space within one label (must be none). */
function overlaps(col: Column): string[] {
  const out: string[] = [];
  col.rows.forEach((a, i) =>
    col.rows.slice(i + 1).forEach((b) => {
      if (a.label === b.label && rangesOverlap(a.start, a.end, b.start, b.end))
        out.push(`${a.bucketId} × ${b.bucketId} at ${col.atMs}`);
    }),
  );
  return out;
}

// ---- mergeColumns against a simple model ------------------------------------------------------

const metaArb = fc
  .record({
    a: fc.integer({ min: 0, max: 12 }),
    len: fc.integer({ min: 1, max: 8 }),
    open: fc.boolean(),
    label: fc.constantFrom("", "x"),
  })
  .map(({ a, len, open, label }): RowMeta => {
    const start = a === 0 ? null : key(a * 10);
    const end = open ? null : key(Math.min(250, a * 10 + len * 10));
    return {
      bucketId: `b${a}-${len}`,
      routeId: a,
      label,
      start,
      end,
      aggregate: false,
      memberRoutes: [a],
      memberRoutesTotal: 1,
      groupId: 1,
      subBucket: 0,
      subBucketCount: 1,
    };
  });

/** Columns of random rows; within one column rows never overlap (as the sampler flushes them). */
const mergeCaseArb = fc.record({
  metas: fc.array(metaArb, { minLength: 1, maxLength: 10 }),
  cols: fc.array(
    fc.array(
      fc.record({
        m: fc.nat(),
        v: fc.array(fc.nat({ max: 2 ** 33 }), { minLength: 4, maxLength: 4 }),
        term: fc.nat({ max: 5 }),
      }),
      { maxLength: 8 },
    ),
    { minLength: 1, maxLength: 6 },
  ),
});

function buildCase(c: MergeCase): { metas: RowMeta[]; cols: StoredColumn[] } {
  const metas = c.metas.map((m, i) => ({ ...m, bucketId: `m${i}` })); // one id per description
  const cols = c.cols.map((rows, t) => {
    const chosen: { id: number; v: number[]; term: number }[] = [];
    for (const r of rows) {
      const id = r.m % metas.length;
      const m = metas[id]!;
      if (
        chosen.some(
          (x) =>
            x.id === id ||
            (metas[x.id]!.label === m.label && rangesOverlap(metas[x.id]!.start, metas[x.id]!.end, m.start, m.end)),
        )
      )
        continue;
      if (r.v.every((x) => x === 0)) continue;
      chosen.push({ id, v: r.v, term: r.term });
    }
    chosen.sort((x, y) => x.id - y.id);
    const b = new ColumnBuilder().reset(1000 * t, 1000 * (t + 1), chosen.length);
    for (const x of chosen) b.add(x.id, x.v[0]!, x.v[1]!, x.v[2]!, x.v[3]!, x.term);
    return b.finish();
  });
  return { metas, cols };
}

type MergeCase = typeof mergeCaseArb extends fc.Arbitrary<infer T> ? T : never;

describe("mergeColumns", () => {
  it("sums every series exactly, keeps rows apart, keeps the latest description, and leaves rows that overlap nothing as plain sums", () => {
    fc.assert(
      fc.property(mergeCaseArb, (c) => {
        const { metas, cols } = buildCase(c);
        const h = new History(cols.length);
        for (const m of metas) h.addMeta(m);
        for (const col of cols) h.append(col);
        const inputs = h.snapshot();
        const merged = mergeColumns(h.columns(), (id) => h.meta(id));
        const probe = new History(1);
        for (const m of metas) probe.addMeta(m);
        probe.append(merged);
        const out = probe.snapshot()[0]!;
        // Model 1: totals of every series are the inputs' sums.
        expect(sums(out.rows)).toEqual(sums(inputs.flatMap((col) => col.rows)));
        // Model 2: no two rows of one label overlap.
        expect(overlaps(out)).toEqual([]);
        // Model 3: a description that overlaps no other used description keeps exactly its own sums.
        const used = [...new Set(inputs.flatMap((col) => col.rows.map((r) => r.bucketId)))];
        const byId = new Map(metas.map((m) => [m.bucketId, m]));
        for (const id of used) {
          const m = byId.get(id)!;
          const alone = used.every(
            (o) =>
              o === id ||
              byId.get(o)!.label !== m.label ||
              !rangesOverlap(byId.get(o)!.start, byId.get(o)!.end, m.start, m.end),
          );
          if (!alone) continue;
          const mine = inputs.flatMap((col) => col.rows.filter((r) => r.bucketId === id));
          const row = out.rows.find((r) => r.bucketId === id);
          expect(row === undefined ? [0, 0, 0, 0] : sums([row])).toEqual(sums(mine));
        }
        // Model 4: every row of the last input keeps its description.
        for (const r of inputs.at(-1)!.rows) expect(out.rows.some((o) => o.bucketId === r.bucketId)).toBe(true);
        expect(out.windowStartMs).toBe(cols[0]!.windowStartMs);
        expect(out.atMs).toBe(cols.at(-1)!.atMs);
      }),
      { numRuns: 300 },
    );
  });
});

// ---- a sampler with tiers, against the model of what each flush counted ----------------------

type Op =
  | { kind: "traffic"; seed: number }
  | { kind: "split" }
  | { kind: "merge" }
  | { kind: "move" }
  | { kind: "flush"; n: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("traffic" as const), seed: fc.nat({ max: 1000 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: "split" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "merge" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "move" as const }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("flush" as const), n: fc.integer({ min: 1, max: 4 }) }) },
);

describe("sampler tiers", () => {
  it("merge ageing columns exactly, without overlapping rows, within one interval of their tier, and stay bounded", () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { maxLength: 60 }),
        fc.integer({ min: 1, max: 4 }),
        fc.boolean(),
        (ops, k, labels) => {
          const tiers = [
            { stepMs: 2000, columns: 3 },
            { stepMs: 6000, columns: 4 },
          ];
          const { s, tick } = clockedSampler({
            historyColumns: 3,
            tiers,
            keyBucketsPerRoute: k,
            labels: labels ? ["x"] : [],
          });
          // Routes tile [null, null) over single-byte boundaries; `next` names new routes.
          let bounds: (number | null)[] = [null, 60, 120, 180, null];
          let ids = [1, 2, 3, 4];
          let next = 5;
          const register = () =>
            ids.forEach((id, i) => s.registerRoute(id, key(bounds[i]!), key(bounds[i + 1]!), 1 + (id % 3)));
          register();
          const flushed: { atMs: number; sums: number[] }[] = [];
          // Merged columns never overlap when merged. (Later, replaceRoutes may add an overlap to any
          // stored column: it re-homes the rows of the routes it replaces, not those of a removed
          // route whose range a new route took over — sampler behaviour, not the merge's.)
          const history = historyOf(s);
          const mergedOverlaps: string[] = [];
          history.tiers!.onMerged = (_tier, col) =>
            void mergedOverlaps.push(...overlaps({ ...col, rows: history.rowsOf(col) }));
          for (const op of ops) {
            if (op.kind === "traffic") {
              for (let j = 0; j < 12; j++) {
                const kk = (op.seed * 7 + j * 37) % 256;
                const r = bounds.findIndex((b, i) => i > 0 && (b === null || kk < b)) - 1;
                s.observeKey(ids[r]!, (j % 2) as 0 | 1, Uint8Array.of(kk, j), j * 3, j % 3 === 0 ? "x" : "");
              }
            } else if (op.kind === "split") {
              const i = ids.length - 1;
              const lo = bounds[i] ?? 0;
              const mid = lo + 20;
              if (mid < 250) {
                const a = next++;
                const b = next++;
                s.replaceRoutes(
                  [ids[i]!],
                  [
                    { routeId: a, start: key(bounds[i]!), end: key(mid) },
                    { routeId: b, start: key(mid), end: null },
                  ],
                );
                bounds = [...bounds.slice(0, i + 1), mid, null];
                ids = [...ids.slice(0, i), a, b];
              }
            } else if (op.kind === "merge" && ids.length > 2) {
              const a = next++;
              s.replaceRoutes([ids[0]!, ids[1]!], [{ routeId: a, start: null, end: key(bounds[2]!) }]);
              bounds = [null, ...bounds.slice(2)];
              ids = [a, ...ids.slice(2)];
            } else if (op.kind === "move") {
              // Re-registration with another range (no re-homing): older columns keep the old rows.
              const gone = ids[0]!;
              s.removeRoute(gone);
              ids[0] = next++;
              s.registerRoute(ids[0], null, key(bounds[1]!), 2);
            } else if (op.kind === "flush") {
              for (let n = 0; n < op.n; n++) {
                tick(1000);
                s.flush();
                const col = s.snapshot().at(-1)!;
                flushed.push({ atMs: col.atMs, sums: sums(col.rows) });
                expect(s.stats().columns).toBeLessThanOrEqual(3 + (3 + 2) + (4 + 3));
              }
            }
          }
          const cols = s.snapshot();
          for (let i = 1; i < cols.length; i++) expect(cols[i]!.atMs).toBeGreaterThan(cols[i - 1]!.atMs);
          for (const col of cols) {
            // What was flushed in this column's window, summed: exact whatever re-homing and merging did.
            const inputs = flushed.filter((f) => f.atMs > col.windowStartMs && f.atMs <= col.atMs);
            expect(inputs.length).toBeGreaterThan(0);
            expect(sums(col.rows)).toEqual(SERIES.map((_, f) => inputs.reduce((n, x) => n + x.sums[f]!, 0)));
            // A merged column holds one interval of a tier's step (tier 1's intervals nest in tier 2's).
            if (inputs.length === 2) expect(Math.ceil(inputs[0]!.atMs / 2000)).toBe(Math.ceil(col.atMs / 2000));
            expect(Math.ceil(inputs[0]!.atMs / 6000)).toBe(Math.ceil(col.atMs / 6000));
          }
          expect(mergedOverlaps).toEqual([]);
          // Nothing dropped yet (the chain holds 3 + (3 + 2) + (4 + 3) columns): every flush is in some column.
          if (flushed.length <= 3 + 3 * 2 + 4 * 6) {
            expect(sums(cols.flatMap((c) => c.rows))).toEqual(
              SERIES.map((_, f) => flushed.reduce((n, x) => n + x.sums[f]!, 0)),
            );
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it("serve matrix(), export and replay across tiers: columns of different widths, each with its own time", () => {
    const { s, tick } = clockedSampler({ historyColumns: 4, tiers: [{ stepMs: 5000, columns: 10 }] });
    s.registerRoute(1, null, enc("m"), 1);
    s.registerRoute(2, enc("m"), null, 2);
    for (let c = 0; c < 20; c++) {
      for (let j = 0; j <= c; j++) s.observe(1 + (j % 2), 1, 4, 10);
      tick();
      s.flush();
    }
    const cols = s.snapshot();
    const widths = cols.map((c) => c.atMs - c.windowStartMs);
    expect(widths.slice(-4)).toEqual([1000, 1000, 1000, 1000]); // the base tier
    expect(widths.slice(0, -4).some((w) => w === 5000)).toBe(true); // merged tier columns
    const m = s.matrix({ series: "writes" });
    expect(m.column_unix_ms).toEqual(cols.map((c) => c.atMs));
    const total = m.rows.reduce((n, r) => n + r.values.reduce((a, b) => a + b, 0), 0);
    expect(total).toBe((20 * 21) / 2);
    const replay = openHistory(s.exportHistory());
    expect(replay.columns.map((c) => [c.windowStartMs, c.atMs])).toEqual(cols.map((c) => [c.windowStartMs, c.atMs]));
    expect({ ...replay.matrix({ series: "writes" }), generated_at: "" }).toEqual({ ...m, generated_at: "" });
  });

  it("validate the option, naming what is wrong; default tiers scale with the base tier and need storage", () => {
    const bad: [unknown, RegExp, ErrorConstructor][] = [
      ["x", /^tiers must be an array/, TypeError],
      [[7], /^tiers\[0\] must be an object/, TypeError],
      [[{ stepMs: "1", columns: 2 }], /^tiers\[0\]\.stepMs must be a number/, TypeError],
      [
        [{ stepMs: 1500, columns: 2 }],
        /^tiers\[0\]\.stepMs must be a multiple \(> 1×\) of the base stepMs 1000, got 1500/,
        RangeError,
      ],
      [[{ stepMs: 1000, columns: 2 }], /^tiers\[0\]\.stepMs must be a multiple/, RangeError],
      [
        [
          { stepMs: 2000, columns: 2 },
          { stepMs: 3000, columns: 2 },
        ],
        /^tiers\[1\]\.stepMs must be a multiple \(> 1×\) of tiers\[0\]\.stepMs 2000, got 3000/,
        RangeError,
      ],
      [[{ stepMs: 2000, columns: 0 }], /^tiers\[0\]\.columns must be an integer in 1\.\.100000, got 0/, RangeError],
      [[{ stepMs: 2000, columns: 1.5 }], /^tiers\[0\]\.columns must be an integer/, RangeError],
    ];
    for (const [tiers, message, type] of bad) {
      expect(() => createSampler({ stepMs: 1000, tiers: tiers as never })).toThrow(type);
      expect(() => createSampler({ stepMs: 1000, tiers: tiers as never })).toThrow(message);
    }
    expect(defaultTiers({ stepMs: 60_000, historyColumns: 1440 })).toEqual([
      { stepMs: 600_000, columns: 1008 },
      { stepMs: 3_600_000, columns: 2160 },
    ]);
  });

  it("keep memory bounded by the tier sizes over a long run", () => {
    const { s, tick } = clockedSampler({
      historyColumns: 5,
      tiers: [
        { stepMs: 3000, columns: 4 },
        { stepMs: 12_000, columns: 2 },
      ],
    });
    s.registerRoute(1, null, null);
    let written = 0;
    for (let c = 0; c < 500; c++) {
      s.observe(1, 1, 1);
      tick();
      s.flush();
      written++;
      expect(s.stats().columns).toBeLessThanOrEqual(5 + (4 + 3) + (2 + 4));
    }
    const cols = s.snapshot();
    // The oldest columns are gone; what is kept adds up to the flushes it spans.
    const kept = cols.reduce((n, c) => n + c.rows.reduce((a, r) => a + r.writes, 0), 0);
    expect(kept).toBe((cols.at(-1)!.atMs - cols[0]!.windowStartMs) / 1000);
    expect(kept).toBeLessThan(written);
  });
});
