// Test helpers for the `.kvz` tests: random sampler histories (splits, merges, labels,
// sub-buckets, terms, virtual buckets) and access to a sampler's stored history.
import fc from "fast-check";
import type { Sampler } from "../../src/sampler/sampler.js";
import type { History } from "../../src/history/history.js";
import { clockedSampler } from "../helpers.js";
import type { Key, RowMeta } from "../../src/types.js";

const te = new TextEncoder();
const EDGES: Key[] = [null, ...["c", "f", "fa", "k", "p", "p\x00", "w"].map((s) => te.encode(s)), null];

export type Cmd =
  | { t: "register"; id: number; at: number }
  | { t: "remove"; id: number }
  | { t: "observe"; id: number; op: 0 | 1; suffix: number[]; valueLen: number; label: string; times: number }
  | { t: "huge"; id: number }
  | { t: "term"; group: number; term: number }
  | { t: "split"; id: number; suffix: number; newId: number }
  | { t: "merge"; left: number; right: number }
  | { t: "flush"; advance: number };

export const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({ t: fc.constant("register" as const), id: fc.nat(11), at: fc.nat(EDGES.length - 2) }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("remove" as const), id: fc.nat(11) }) },
  {
    weight: 8,
    arbitrary: fc.record({
      t: fc.constant("observe" as const),
      id: fc.nat(11),
      op: fc.constantFrom(0 as const, 1 as const),
      suffix: fc.array(fc.nat(255), { maxLength: 6 }),
      valueLen: fc.integer({ min: 0, max: 300 }),
      label: fc.constantFrom("", "a", "b"),
      times: fc.integer({ min: 1, max: 3 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("huge" as const), id: fc.nat(11) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant("term" as const),
      group: fc.integer({ min: 1, max: 3 }),
      term: fc.nat(2 ** 40),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant("split" as const),
      id: fc.nat(11),
      suffix: fc.nat(255),
      newId: fc.integer({ min: 12, max: 2 ** 40 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("merge" as const), left: fc.nat(11), right: fc.nat(11) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("flush" as const), advance: fc.nat(3000) }) },
);

export const historyArb = fc.record({
  cmds: fc.array(cmdArb, { minLength: 5, maxLength: 120 }),
  k: fc.constantFrom(1, 2, 4),
  labelled: fc.boolean(),
  budget: fc.integer({ min: 1, max: 4 }),
});

/** The metadata of a plain route `id` (no range, label or group). */
export const plainMeta = (id: number): RowMeta => ({
  bucketId: `route:${id}`,
  routeId: id,
  label: "",
  start: null,
  end: null,
  aggregate: false,
  memberRoutes: [id],
  memberRoutesTotal: 1,
  groupId: 0,
  subBucket: 0,
  subBucketCount: 1,
});

/** The sampler's stored history (internal: one of the parts components.ts builds). */
export function historyOf(s: Sampler): History {
  return (s as unknown as { parts: { history: History } }).parts.history;
}

/** Runs commands on a fresh sampler; every invalid step is skipped (a RangeError from the API). */
export function runHistory(
  h: { cmds: Cmd[]; k: number; labelled: boolean; budget: number },
  afterEach?: (s: Sampler) => void,
): Sampler {
  const { s, tick } = clockedSampler({
    keyBucketsPerRoute: h.k,
    labels: h.labelled ? ["a", "b"] : [],
    maxTrackedRoutes: h.budget,
    historyColumns: 1000,
  });
  const ranges = new Map<number, { start: Key; end: Key }>();
  for (const c of h.cmds) {
    try {
      apply(s, c, ranges);
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
    }
    if (c.t === "flush") {
      tick(c.advance + 1);
      s.flush();
    }
    afterEach?.(s);
  }
  tick(1);
  s.flush();
  return s;
}

/** The `i`-th live route id (commands address live routes by index, so most of them act). */
function pick(ranges: Map<number, unknown>, i: number): number {
  const ids = [...ranges.keys()];
  return ids.length === 0 ? -1 : ids[i % ids.length]!;
}

function apply(s: Sampler, c: Cmd, ranges: Map<number, { start: Key; end: Key }>): void {
  switch (c.t) {
    case "register": {
      const r = { start: EDGES[c.at]!, end: EDGES[c.at + 1]! };
      s.registerRoute(c.id, r.start, r.end, 1 + (c.id % 3));
      ranges.set(c.id, r);
      return;
    }
    case "remove": {
      const id = pick(ranges, c.id);
      s.removeRoute(id);
      ranges.delete(id);
      return;
    }
    case "observe": {
      const id = pick(ranges, c.id);
      const r = ranges.get(id);
      const key = new Uint8Array([...(r?.start ?? [0]), ...c.suffix]);
      for (let i = 0; i < c.times; i++) s.observeKey(id, c.op, key, c.valueLen, c.label);
      return;
    }
    case "huge": {
      // Values past 2^32 (the history stores those apart): exact through the file too.
      const id = pick(ranges, c.id);
      for (let i = 0; i < 3; i++) s.observe(id, 1, 10, 2 ** 31 - 1);
      return;
    }
    case "term":
      s.setLeaderTerm(c.group, c.term);
      return;
    case "split": {
      const id = pick(ranges, c.id);
      const r = ranges.get(id);
      if (r === undefined || ranges.has(c.newId)) return;
      const mid = new Uint8Array([...(r.start ?? []), c.suffix + 1]);
      if (r.end !== null && !(compare(mid, r.end) < 0)) return;
      s.replaceRoutes(
        [id],
        [
          { routeId: id, start: r.start, end: mid, groupId: 1 + (id % 3) },
          { routeId: c.newId, start: mid, end: r.end, groupId: 1 + (c.newId % 3) },
        ],
      );
      ranges.set(c.newId, { start: mid, end: r.end });
      ranges.set(id, { start: r.start, end: mid });
      return;
    }
    case "merge": {
      // The route right after the picked one, if adjacent.
      const left = pick(ranges, c.left);
      const a = ranges.get(left);
      const right = [...ranges.entries()].find(
        ([, r]) => a?.end != null && r.start !== null && compare(a.end, r.start) === 0,
      )?.[0];
      const b = right === undefined ? undefined : ranges.get(right);
      if (a === undefined || b === undefined || right === undefined) return;
      s.replaceRoutes([left, right], [{ routeId: left, start: a.start, end: b.end, groupId: 1 + (left % 3) }]);
      ranges.delete(right);
      ranges.set(left, { start: a.start, end: b.end });
      return;
    }
    case "flush":
      return;
  }
}

function compare(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}
