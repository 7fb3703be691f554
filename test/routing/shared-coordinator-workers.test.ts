// Route lookup from real worker_threads: workers route random keys through attachCoordinator and
// count them while the owner splits and merges every few milliseconds and flushes on a timer.
// Every answer must be a route whose range holds the key (route ids are never reused and each has
// one range, so that is "the owner's answer at some version"; a torn lookup answers a route
// elsewhere), and the matrix totals must equal the workers' tallies, with no misses.
import { afterEach, describe, expect, it } from "vitest";
import { Worker } from "node:worker_threads";
import { Coordinator, createSampler, type GroupBackend, type Key } from "../../src/index.js";
import { MemoryGroup } from "../../src/testing/index.js";
import { compareBytes } from "../../src/keys/bytes.js";
import { historyTotals, tick, xorshift } from "../sampler/shared/helpers.js";

const WORKER_URL = new URL("./router-worker.mjs", import.meta.url);
const ALPHABET = [0, 1, 0x61, 0x62, 0x63, 0xfe, 0xff];

interface Result {
  tally: number[];
  keys: Uint8Array;
  ids: Int32Array;
  nulls: number;
}

let workers: Worker[] = [];
afterEach(async () => {
  await Promise.all(workers.map((w) => w.terminate()));
  workers = [];
});

function randomKey(rand: () => number): Uint8Array {
  const k = new Uint8Array(1 + (rand() % 10));
  for (let i = 0; i < k.length; i++) k[i] = ALPHABET[rand() % ALPHABET.length]!;
  return k;
}

/** Splits or merges one random route of `c`, keeping 2..40 routes. */
function churnStep(c: Coordinator, rand: () => number, ranges: Map<number, { start: Key; end: Key }>): string | null {
  const routes = c.table.routes();
  const i = rand() % routes.length;
  if (rand() % 2 === 0 && routes.length < 40) {
    const key = randomKey(rand);
    const r = c.table.route(c.routeForKey(key).routeId)!;
    if (r.start !== null && compareBytes(r.start, key) === 0) return null;
    for (const id of c.split(r.routeId, key)) ranges.set(id, c.table.route(id)!);
    return "split";
  }
  if (routes.length > 2 && i + 1 < routes.length) {
    const id = c.merge(routes[i]!.routeId, routes[i + 1]!.routeId);
    ranges.set(id, c.table.route(id)!);
    return "merge";
  }
  return null;
}

const holds = (r: { start: Key; end: Key }, key: Uint8Array) =>
  (r.start === null || compareBytes(r.start, key) <= 0) && (r.end === null || compareBytes(key, r.end) < 0);

describe("attachCoordinator from worker threads", () => {
  it("every answer is the owner's at some version, and totals equal the workers' tallies", async () => {
    const sampler = createSampler({ shared: true, stepMs: 1000, historyColumns: 100_000, labels: ["bg"] });
    const groups = new Map<number, GroupBackend>([[1, new MemoryGroup({ groupId: 1 })]]);
    const c = new Coordinator({ routes: [{ routeId: 1, start: null, end: null, groupId: 1 }], groups, sampler });
    const ranges = new Map<number, { start: Key; end: Key }>([[1, { start: null, end: null }]]);
    const control = new Int32Array(new SharedArrayBuffer(4));
    const rand = xorshift(17);
    const results: Promise<Result>[] = [];
    for (let i = 0; i < 2; i++) {
      const w = new Worker(WORKER_URL, {
        workerData: { handle: c.workerHandle(), seed: 1000 + i, control: control.buffer, maxAnswers: 400_000 },
      });
      workers.push(w);
      await new Promise<void>((resolve, reject) => {
        w.once("message", () => resolve());
        w.once("error", reject);
      });
      results.push(
        new Promise((resolve, reject) => {
          w.once("message", resolve);
          w.once("error", reject);
        }),
      );
    }
    const flusher = setInterval(() => sampler.flush(), 15);
    const ops = { split: 0, merge: 0 };
    const until = Date.now() + 1500;
    while (Date.now() < until || (ops.split + ops.merge < 100 && Date.now() < until + 15_000)) {
      const op = churnStep(c, rand, ranges);
      if (op !== null) ops[op as "split" | "merge"]++;
      await tick(1);
    }
    Atomics.store(control, 0, 1);
    const done = await Promise.all(results);
    clearInterval(flusher);
    sampler.flush();

    expect(ops.split).toBeGreaterThan(20);
    expect(ops.merge).toBeGreaterThan(20);
    let answers = 0;
    const wrong: string[] = [];
    for (const r of done) {
      expect(r.nulls).toBe(0);
      let at = 0;
      for (const id of r.ids) {
        const len = r.keys[at]!;
        const key = r.keys.subarray(at + 1, at + 1 + len);
        at += 1 + len;
        const range = ranges.get(id);
        if (range === undefined || !holds(range, key))
          wrong.push(`key ${Buffer.from(key).toString("hex")} -> route ${id}`);
        answers++;
      }
    }
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(answers).toBeGreaterThan(50_000);
    const sent = [0, 0, 0, 0];
    for (const r of done) for (let i = 0; i < 4; i++) sent[i]! += r.tally[i]!;
    expect(historyTotals(sampler)).toEqual(sent);
    const m = sampler.workerMisses();
    expect([m.reads, m.writes]).toEqual([0, 0]);
    c.close();
    sampler.close();
  }, 45_000);
});
