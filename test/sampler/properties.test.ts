// Property tests: random register/remove/split/merge/observe/flush sequences against a reference
// model that just remembers every counted observation with its key and route.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { assertProperAxis, clockedSampler, cmpStart, inRange } from "../helpers.js";
import type { Key, Row } from "../../src/types.js";

// A fixed partition of the key space: routes span 1 to 3 consecutive pieces of it.
const EDGES: Key[] = [null, ...["c", "f", "fa", "k", "p", "p\x00", "w"].map((s) => new TextEncoder().encode(s)), null];
const PIECES = EDGES.length - 1;
const ALL = { start: null, end: null };

interface Span {
  from: number;
  to: number;
}
const rangeOf = (s: Span) => ({ start: EDGES[s.from]!, end: EDGES[s.to]! });

type Cmd =
  | { t: "register"; id: number; piece: number; span: number }
  | { t: "remove"; id: number }
  | { t: "split"; id: number; at: number; a: number; b: number }
  | { t: "merge"; a: number; b: number; id: number }
  | { t: "observeKey"; id: number; op: 0 | 1; suffix: number[]; valueLen: number; label: string }
  | { t: "observe"; id: number; op: 0 | 1; keyLen: number; valueLen: number }
  | { t: "flush"; advance: number };

const id = fc.nat(9);
const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant("register" as const),
      id,
      piece: fc.nat(PIECES - 1),
      span: fc.integer({ min: 1, max: 3 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("remove" as const), id }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("split" as const), id, at: fc.nat(3), a: id, b: id }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("merge" as const), a: id, b: id, id }) },
  {
    weight: 6,
    arbitrary: fc.record({
      t: fc.constant("observeKey" as const),
      id,
      op: fc.constantFrom(0 as const, 1 as const),
      suffix: fc.array(fc.nat(255), { maxLength: 12 }),
      valueLen: fc.integer({ min: -3, max: 50 }),
      label: fc.constantFrom("", "a", "b", "zz"),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant("observe" as const),
      id,
      op: fc.constantFrom(0 as const, 1 as const),
      keyLen: fc.nat(30),
      valueLen: fc.integer({ min: -3, max: 50 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("flush" as const), advance: fc.nat(9000) }) },
);

/** A key inside range `r`: its start (or 0x00) followed by `suffix`, clamped below the end. */
function keyIn(r: { start: Key; end: Key }, suffix: number[]): Uint8Array {
  const base = r.start ?? new Uint8Array([0]);
  const key = new Uint8Array([...base, ...suffix]);
  return inRange(key, r.start, r.end) ? key : base;
}

const overlaps = (a: { start: Key; end: Key }, b: { start: Key; end: Key }) =>
  (a.end === null || b.start === null || cmpStart(b.start, a.end) < 0) &&
  (b.end === null || a.start === null || cmpStart(a.start, b.end) < 0);

const hull = (a: { start: Key; end: Key }, b: { start: Key; end: Key }) => ({
  start: cmpStart(a.start, b.start) <= 0 ? a.start : b.start,
  end: a.end === null || b.end === null ? null : cmpStart(a.end, b.end) >= 0 ? a.end : b.end,
});

interface Obs {
  key: Uint8Array;
  /** Slot label the sample lands in ("" for unlabelled). */
  label: string;
  op: 0 | 1;
  bytes: number;
  routeId: number;
  /** The range of the route it was counted in (grown by the routes it may have moved into). */
  route: { start: Key; end: Key };
  /** Its route was removed before the flush... */
  removed: boolean;
  /** ...and a route was registered after that: its pending count may be re-homed. */
  rehomable: boolean;
}

/**
 * Where an observation may be counted. Its row holds its key, unless its route was removed
 * and another registered within the step: then its count may have been re-homed by key-space
 * overlap onto any row overlapping its route's range, grown by every route registered over it
 * since (it may have moved into one, and on again when that one was removed too); once routes
 * were folded into virtual buckets, whose ranges the model does not track, anywhere.
 */
function mayLandIn(o: Obs, row: Row, everFolded: boolean): boolean {
  if (!o.rehomable) return inRange(o.key, row.start, row.end);
  return overlaps(everFolded ? ALL : o.route, row);
}

/**
 * Rows an observation may land in are one group (union-find over rows); each group's four
 * totals must equal its observations' exactly, so nothing is lost, doubled or moved outside
 * the rows that may hold it.
 */
function checkColumn(rows: Row[], pending: Obs[], everFolded: boolean, labelled: boolean): void {
  const parent = rows.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
  const homes = pending.map((o) => {
    const at = rows.flatMap((r, i) => (mayLandIn(o, r, everFolded) ? [i] : []));
    expect(at.length, `no row may hold a count of key ${o.key.join(",")}`).toBeGreaterThan(0);
    for (const i of at) parent[find(i)] = find(at[0]!);
    return at[0]!;
  });
  const groups = new Map<number, { rows: Row[]; obs: Obs[] }>();
  rows.forEach((r, i) => {
    const g = groups.get(find(i)) ?? { rows: [], obs: [] };
    g.rows.push(r);
    groups.set(find(i), g);
  });
  pending.forEach((o, i) => groups.get(find(homes[i]!))!.obs.push(o));
  const totals = (rs: Row[]) => [
    rs.reduce((a, r) => a + r.reads, 0),
    rs.reduce((a, r) => a + r.writes, 0),
    rs.reduce((a, r) => a + r.readBytes, 0),
    rs.reduce((a, r) => a + r.writeBytes, 0),
  ];
  const expected = (os: Obs[]) =>
    [0, 1, 0, 1].map((op, f) => os.filter((o) => o.op === op).reduce((a, o) => a + (f < 2 ? 1 : o.bytes), 0));
  for (const g of groups.values()) {
    expect(totals(g.rows)).toEqual(expected(g.obs));
    // Labels are checked only where no virtual bucket was involved: a sample counted in a
    // bucket is unlabelled from then on, even if its counts later move on.
    if (!labelled || everFolded || rows.some((r) => r.aggregate)) continue;
    for (const label of new Set(g.rows.map((r) => r.label))) {
      expect(totals(g.rows.filter((r) => r.label === label))).toEqual(expected(g.obs.filter((o) => o.label === label)));
    }
  }
  expect(totals(rows)).toEqual(expected(pending));
}

describe("sampler properties", () => {
  it("conserves every count, keeps the key axis proper and each count in a row that may hold it, across splits and merges by hand", () => {
    fc.assert(
      fc.property(
        fc.array(cmd, { minLength: 10, maxLength: 150, size: "max" }),
        fc.integer({ min: 1, max: 6 }),
        fc.constantFrom(1, 2, 4, 16),
        fc.boolean(),
        (cmds, budget, k, labelled) => {
          const labels = labelled ? ["a", "b"] : [];
          const { s, tick } = clockedSampler({
            maxTrackedRoutes: budget,
            keyBucketsPerRoute: k,
            historyColumns: 1000,
            labels,
          });
          const live = new Map<number, Span>();
          let everFolded = false;
          let pending: Obs[] = [];
          const register = (rid: number, span: Span) => {
            if (live.has(rid) || [...live.values()].some((l) => overlaps(rangeOf(l), rangeOf(span)))) return; // would throw
            const r = rangeOf(span);
            // Past the budget a route folds, or takes the slot of two rows folded elsewhere (one
            // live holder more unless rows were folded: fold-pairs.ts).
            const before = s.stats();
            const own = s.registerRoute(rid, r.start, r.end);
            const after = s.stats();
            const folded =
              after.trackedRoutes !== before.trackedRoutes + 1 || after.virtualBuckets !== before.virtualBuckets;
            if (!own || folded) everFolded = true;
            live.set(rid, span);
            for (const o of pending) {
              if (!o.removed) continue;
              o.rehomable = true;
              // its count may move into this route, and from there (if it is removed too) on
              if (overlaps(o.route, r)) o.route = hull(o.route, r);
            }
          };
          const remove = (rid: number) => {
            s.removeRoute(rid);
            if (live.delete(rid)) for (const o of pending) if (o.routeId === rid) o.removed = true;
          };
          const count = (rid: number, key: Uint8Array, label: string, op: 0 | 1, bytes: number) => {
            const span = live.get(rid);
            if (span !== undefined)
              pending.push({
                key,
                label,
                op,
                bytes,
                routeId: rid,
                route: rangeOf(span),
                removed: false,
                rehomable: false,
              });
          };
          const check = () => {
            tick(1);
            s.flush();
            const cols = s.snapshot();
            const rows = cols[cols.length - 1]!.rows;
            assertProperAxis(rows);
            checkColumn(rows, pending, everFolded, labelled);
            // A bucket formed only to settle a hand split's counts does not stay.
            if (!everFolded) expect(s.stats().virtualBuckets).toBe(0);
            pending = [];
          };
          for (const c of cmds) {
            if (c.t === "register") register(c.id, { from: c.piece, to: Math.min(c.piece + c.span, PIECES) });
            else if (c.t === "remove") remove(c.id);
            else if (c.t === "split") {
              const span = live.get(c.id);
              if (span === undefined || span.to - span.from < 2 || c.a === c.b) continue;
              const cut = span.from + 1 + (c.at % (span.to - span.from - 1));
              remove(c.id);
              register(c.a, { from: span.from, to: cut });
              register(c.b, { from: cut, to: span.to });
            } else if (c.t === "merge") {
              const a = live.get(c.a);
              const b = live.get(c.b);
              if (a === undefined || b === undefined || a.to !== b.from) continue;
              remove(c.a);
              remove(c.b);
              register(c.id, { from: a.from, to: b.to });
            } else if (c.t === "observeKey") {
              const span = live.get(c.id);
              const key = keyIn(rangeOf(span ?? { from: 0, to: 1 }), c.suffix);
              s.observeKey(c.id, c.op, key, c.valueLen, c.label);
              count(c.id, key, labels.includes(c.label) ? c.label : "", c.op, key.length + Math.max(c.valueLen, 0));
            } else if (c.t === "observe") {
              const span = live.get(c.id);
              s.observe(c.id, c.op, c.keyLen, c.valueLen);
              // the numeric observe counts into the first sub-bucket: the route's start key
              if (span !== undefined)
                count(c.id, keyIn(rangeOf(span), []), "", c.op, c.keyLen + Math.max(c.valueLen, 0));
            } else {
              tick(c.advance);
              check();
            }
          }
          check();
        },
      ),
      { numRuns: Number(process.env.KEYVIZ_PROPERTY_RUNS ?? 300) },
    );
  });
});

describe("observeKey sub-bucket choice", () => {
  it("matches the SPEC §3.1 reference for any key, inside the route or not", async () => {
    const { subBucketIndex, subrangeLayout } = await import("../../src/keys/subrange.js");
    const { compareBytes } = await import("../../src/keys/bytes.js");
    const bytesArb = fc.uint8Array({ minLength: 0, maxLength: 12 });
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(0x00, 0x10, 0x7f, 0xff), { maxLength: 6 }),
        bytesArb,
        bytesArb,
        fc.option(bytesArb, { nil: null }),
        fc.constantFrom(2, 4, 16, 256),
        (prefix, a, b, key, k) => {
          const p = Uint8Array.from(prefix);
          let start: Uint8Array | null = Uint8Array.from([...p, ...a]);
          let end: Uint8Array | null = Uint8Array.from([...p, ...b]);
          if (compareBytes(start, end) > 0) [start, end] = [end, start];
          if (compareBytes(start, end) === 0) end = null;
          if (start.length === 0) start = null;
          const x =
            key === null
              ? Uint8Array.from([...p, ...a, 1])
              : Uint8Array.from([...p.subarray(0, key.length % (p.length + 1)), ...key]);
          const { s, tick } = clockedSampler({ keyBucketsPerRoute: k });
          s.registerRoute(1, start, end);
          s.observeKey(1, 1, x);
          tick();
          s.flush();
          const row = s.snapshot()[0]!.rows[0]!;
          expect(row.subBucket).toBe(subBucketIndex(subrangeLayout(start, end, k), start, end, x));
        },
      ),
      { numRuns: 400 },
    );
  });
});
