// Property tests: random register/remove/observe/flush sequences against a reference model that
// just remembers every counted observation with its key.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { assertProperAxis, clockedSampler, inRange } from "../helpers.js";
import type { Key } from "../../src/types.js";

// A fixed partition of the key space: routes are placed on these ranges.
const EDGES: Key[] = [null, ...["c", "f", "fa", "k", "p", "p\x00", "w"].map((s) => new TextEncoder().encode(s)), null];
const RANGES = EDGES.slice(0, -1).map((start, i) => ({ start, end: EDGES[i + 1]! }));

type Cmd =
  | { t: "register"; id: number; range: number }
  | { t: "remove"; id: number }
  | { t: "observeKey"; id: number; op: 0 | 1; suffix: number[]; valueLen: number; label: string }
  | { t: "observe"; id: number; op: 0 | 1; keyLen: number; valueLen: number }
  | { t: "flush"; advance: number };

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ t: fc.constant("register" as const), id: fc.nat(9), range: fc.nat(RANGES.length - 1) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("remove" as const), id: fc.nat(9) }) },
  {
    weight: 6,
    arbitrary: fc.record({
      t: fc.constant("observeKey" as const),
      id: fc.nat(9),
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
      id: fc.nat(9),
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

interface Obs {
  key: Uint8Array;
  /** Slot label the sample lands in ("" for unlabelled). */
  label: string;
  op: 0 | 1;
  bytes: number;
}

describe("sampler properties", () => {
  it("conserves every count, keeps the key axis proper and each key inside its row", () => {
    fc.assert(
      fc.property(
        fc.array(cmd, { minLength: 10, maxLength: 150, size: "max" }),
        fc.integer({ min: 1, max: 6 }),
        fc.constantFrom(1, 2, 4, 16),
        fc.boolean(),
        (cmds, budget, k, labelled) => {
          const labels = labelled ? ["a", "b"] : [];
          const { s, tick } = clockedSampler({ maxTrackedRoutes: budget, keyBucketsPerRoute: k, historyColumns: 1000, labels });
          const live = new Map<number, number>(); // route id → range index
          let everFolded = false;
          let pending: Obs[] = [];
          const check = () => {
            tick(1);
            s.flush();
            const cols = s.snapshot();
            const rows = cols[cols.length - 1].rows;
            assertProperAxis(rows);
            // Rows of one range (a route's label slots) share its keys: compare each range's total.
            // Labels are checked per row only where no virtual bucket was involved: a sample
            // counted in a bucket is unlabelled from then on, even if its counts later move on.
            const ranges = new Map<string, typeof rows>();
            for (const row of rows) {
              const id = `${row.start?.join(",") ?? "-"}|${row.end?.join(",") ?? "+"}`;
              ranges.set(id, [...(ranges.get(id) ?? []), row]);
            }
            for (const group of ranges.values()) {
              const row = group[0];
              const mine = pending.filter((o) => inRange(o.key, row.start, row.end));
              const sum = (op: 0 | 1, f: (o: Obs) => number) => mine.filter((o) => o.op === op).reduce((a, o) => a + f(o), 0);
              const got = (f: (r: (typeof rows)[number]) => number) => group.reduce((a, r) => a + f(r), 0);
              expect([got((r) => r.reads), got((r) => r.writes), got((r) => r.readBytes), got((r) => r.writeBytes)]).toEqual([
                sum(0, () => 1),
                sum(1, () => 1),
                sum(0, (o) => o.bytes),
                sum(1, (o) => o.bytes),
              ]);
              if (!everFolded) {
                for (const r of group) {
                  const labelled = mine.filter((o) => o.label === r.label);
                  expect(r.reads + r.writes).toBe(labelled.length);
                }
              }
            }
            const counted = rows.reduce((a, r) => a + r.reads + r.writes, 0);
            expect(counted).toBe(pending.length);
            pending = [];
          };
          for (const c of cmds) {
            if (c.t === "register") {
              const taken = [...live.values()].includes(c.range);
              if (taken || live.has(c.id)) continue;
              if (!s.registerRoute(c.id, RANGES[c.range].start, RANGES[c.range].end)) everFolded = true;
              live.set(c.id, c.range);
            } else if (c.t === "remove") {
              s.removeRoute(c.id);
              live.delete(c.id);
            } else if (c.t === "observeKey") {
              const r = live.get(c.id);
              const key = keyIn(RANGES[r ?? 0], c.suffix);
              s.observeKey(c.id, c.op, key, c.valueLen, c.label);
              const label = labels.includes(c.label) ? c.label : "";
              if (r !== undefined) pending.push({ key, label, op: c.op, bytes: key.length + Math.max(c.valueLen, 0) });
            } else if (c.t === "observe") {
              const r = live.get(c.id);
              s.observe(c.id, c.op, c.keyLen, c.valueLen);
              // the numeric observe counts into the first sub-bucket: the route's start key
              if (r !== undefined) pending.push({ key: keyIn(RANGES[r], []), label: "", op: c.op, bytes: c.keyLen + Math.max(c.valueLen, 0) });
            } else {
              tick(c.advance);
              check();
            }
          }
          check();
        },
      ),
      { numRuns: 300 },
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
          const x = key === null ? Uint8Array.from([...p, ...a, 1]) : Uint8Array.from([...p.subarray(0, key.length % (p.length + 1)), ...key]);
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
