// Property test over random interleavings of the worker protocol with the owner's operations.
// A stepped worker performs the two steps of one observe (read the index entry, write the
// counter words) as separate events, exactly as attachSampler's observer does them in one call,
// so any owner operation can fall between them (what a preempted worker thread sees); between
// observes it may publish its epoch (what the observer's timer or quiescent() does). Against a simple model: every series' total is what was sent minus what missed,
// and every count lands in a row overlapping the range of the route it was read for.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createSampler, type Sampler, type WorkerHandle } from "../../../src/index.js";
import {
  ATTACHED,
  CELL_WORDS,
  H_EPOCH,
  RESERVED,
  W_EPOCH,
  W_STATE,
  WORKER_WORDS,
  readHandle,
  stripeWord,
  type Layout,
} from "../../../src/sampler/shared/layout.js";
import { Churn, historyTotals } from "./helpers.js";

interface Read {
  entry: number;
  k: number;
  range: [number, number] | null;
}

/** The observer's algorithm, one step per call (see observer.ts). */
class SteppedWorker {
  private readonly words: Int32Array;
  private readonly stripe: Int32Array;
  private readonly at: number;
  private seen: number;
  pending: Read | null = null;

  constructor(
    handle: WorkerHandle,
    private readonly layout: Layout = readHandle(handle).layout,
  ) {
    const buf = handle.memory.buffer;
    this.words = new Int32Array(buf);
    this.at = layout.workers + handle.stripe * WORKER_WORDS;
    const reserved = stripeWord(handle.ticket, RESERVED);
    expect(Atomics.compareExchange(this.words, this.at + W_STATE, reserved, stripeWord(handle.ticket, ATTACHED))).toBe(
      reserved,
    );
    this.stripe = new Int32Array(buf, (layout.stripes + handle.stripe * layout.stripeWords) * 4, layout.stripeWords);
    this.seen = Atomics.load(this.words, H_EPOCH);
    Atomics.store(this.words, this.at + W_EPOCH, this.seen);
  }

  /** Between observes only: what the idle timer and quiescent() do. */
  quiescent(): void {
    expect(this.pending).toBe(null);
    const g = Atomics.load(this.words, H_EPOCH);
    if (g !== this.seen) {
      this.seen = g;
      Atomics.store(this.words, this.at + W_EPOCH, g);
    }
  }

  /** The index entry of `routeId` now (1 + the slot's first stripe word, 0 = none). */
  peek(routeId: number): number {
    return this.words[this.layout.index + routeId]!;
  }

  /** Step 1: the index entry of `routeId` and its slot's sub-bucket count. */
  read(routeId: number, range: [number, number] | null): void {
    const entry = this.words[this.layout.index + routeId]!;
    const k = entry > 0 ? this.words[this.layout.kOf + (entry - 1) / (this.layout.maxK * CELL_WORDS)]! : 0;
    this.pending = { entry, k, range };
  }

  /** Step 2: the counter words (sub-bucket `sub` mod k), or the miss cell. */
  write(op: 0 | 1, bytes: number, sub: number): Read {
    const p = this.pending!;
    const at = p.entry > 0 ? p.entry - 1 + (sub % p.k) * CELL_WORDS + op : this.layout.cells * CELL_WORDS + op;
    const s = this.stripe;
    s[at] = s[at]! + 1;
    s[at + 2] = s[at + 2]! + (bytes & 0xffff);
    s[at + 4] = s[at + 4]! + (bytes >>> 16);
    this.pending = null;
    return p;
  }
}

type Ev =
  | { t: "worker"; w: number; id: number; op: 0 | 1; bytes: number; sub: number }
  | { t: "owner"; r: number }
  | { t: "flush" };

const ev: fc.Arbitrary<Ev> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      t: fc.constant("worker" as const),
      w: fc.nat(2),
      id: fc.integer({ min: 1, max: 40 }),
      op: fc.constantFrom<0 | 1>(0, 1),
      bytes: fc.oneof(fc.nat(300), fc.constant(2 ** 32 - 2)),
      sub: fc.nat(7),
    }),
  },
  { weight: 3, arbitrary: fc.record({ t: fc.constant("owner" as const), r: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("flush" as const) }) },
);

function overlaps(row: { start: Uint8Array | null; end: Uint8Array | null }, [a, b]: [number, number]): boolean {
  const x = (k: Uint8Array | null, dflt: number) => (k === null ? dflt : (k[0]! << 8) | (k[1] ?? 0));
  return x(row.start, 0) < b && a < x(row.end, 65536);
}

/**
 * The key range the slot of `id`'s index entry counts for: the span of every live route whose
 * entry is the same slot (a virtual bucket's members), or null when `id` is not registered.
 */
function slotRange(w: SteppedWorker, churn: Churn, id: number): [number, number] | null {
  const entry = w.peek(id);
  if (entry === 0) return null;
  const same = churn.routes.filter((r) => w.peek(r.id) === entry);
  return [Math.min(...same.map((r) => r.a)), Math.max(...same.map((r) => r.b))];
}

function run(sampler: Sampler, events: Ev[], seed: number): void {
  const rng = fc.sample(fc.nat(), { numRuns: 64, seed }).values();
  const churn = new Churn(sampler, new Int32Array(2), () => rng.next().value ?? 7);
  churn.init(3);
  const workers = [0, 1, 2].map(() => new SteppedWorker(sampler.workerHandle()));
  const sent = [0, 0, 0, 0];
  const landed: Read[] = [];
  const finish = (w: SteppedWorker, op: 0 | 1, bytes: number, sub: number) => {
    const p = w.write(op, bytes, sub);
    sent[op]! += 1;
    sent[2 + op]! += bytes;
    if (p.entry > 0) landed.push(p);
  };
  // A merge re-homes the old routes' stored rows; a later split draws them anywhere in the merged
  // range by key-space overlap (largest remainder): the range a count may land in grows with it.
  churn.onMerge = (a, b) => {
    for (const p of [...landed, ...workers.map((w) => w.pending)]) {
      if (p?.range && p.range[0] < b && a < p.range[1]) p.range = [Math.min(a, p.range[0]), Math.max(b, p.range[1])];
    }
  };
  const last = new Map<SteppedWorker, [0 | 1, number, number]>();
  for (const e of events) {
    if (e.t === "owner") {
      churn.step();
    } else if (e.t === "flush") {
      sampler.flush();
    } else {
      const w = workers[e.w]!;
      if (w.pending === null && e.sub === 0) w.quiescent();
      else if (w.pending === null) {
        w.read(e.id, slotRange(w, churn, e.id));
        last.set(w, [e.op, e.bytes, e.sub]);
      } else finish(w, ...last.get(w)!);
    }
  }
  for (const w of workers) if (w.pending !== null) finish(w, ...last.get(w)!);
  sampler.flush();
  const m = sampler.workerMisses();
  const counted = historyTotals(sampler);
  expect([
    counted[0]! + m.reads,
    counted[1]! + m.writes,
    counted[2]! + m.readBytes,
    counted[3]! + m.writeBytes,
  ]).toEqual(sent);
  // Every route row's requests came from observations read for routes overlapping it. (A
  // virtual bucket's row may also hold a late count of a member whose departure was already
  // flushed, after which the bucket's range no longer shows it: docs/design.md, limits.)
  for (const col of sampler.snapshot()) {
    for (const row of col.rows) {
      if (row.aggregate) continue;
      const possible = landed.filter((p) => p.range !== null && overlaps(row, p.range)).length;
      expect(row.reads + row.writes, `${row.bucketId} after ${churn.log.join(", ")}`).toBeLessThanOrEqual(possible);
    }
  }
}

describe("shared sampler: random interleavings of worker steps and owner operations", () => {
  it("totals exact and counts only in rows overlapping their route (K = 4, few slots)", () => {
    fc.assert(
      fc.property(fc.array(ev, { minLength: 20, maxLength: 300 }), fc.integer(), (events, seed) => {
        run(
          createSampler({
            shared: true,
            stepMs: 1000,
            historyColumns: 10_000,
            keyBucketsPerRoute: 4,
            maxTrackedRoutes: 3,
          }),
          events,
          seed,
        );
      }),
      { numRuns: 400 },
    );
  });

  it("the same with K = 1 and room for every route", () => {
    fc.assert(
      fc.property(fc.array(ev, { minLength: 20, maxLength: 300 }), fc.integer(), (events, seed) => {
        run(createSampler({ shared: true, stepMs: 1000, historyColumns: 10_000 }), events, seed);
      }),
      { numRuns: 100 },
    );
  });
});
