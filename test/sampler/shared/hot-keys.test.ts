// Hot keys of writes observed in workers (shared sampler with hotKeys on): in one thread, the
// ring's records (samples, too-long keys, drops while full) reach sampler.hotKeys() as the owner's
// own writes would; from real worker_threads with R = 1, every write of every worker is exactly
// one of sampled, dropped or skipped in its route's published hot keys.
import { afterEach, describe, expect, it } from "vitest";
import { Worker } from "node:worker_threads";
import { attachSampler, createSampler } from "../../../src/index.js";

const enc = (s: string) => new TextEncoder().encode(s);
const b64 = (s: string) => Buffer.from(s).toString("base64");
const WORKER_URL = new URL("./hot-key-worker.mjs", import.meta.url);

let workers: Worker[] = [];
afterEach(async () => {
  await Promise.all(workers.map((w) => w.terminate()));
  workers = [];
});

function hotSampler(hotKeys: object, labels: string[] = []) {
  const s = createSampler({ shared: true, stepMs: 1000, labels, hotKeys: { enabled: true, ...hotKeys } });
  s.registerRoute(1, null, enc("m"));
  s.registerRoute(2, enc("m"), null);
  return s;
}

describe("hot keys from workers", () => {
  it("worker writes show in hotKeys() per route and label, reads do not", () => {
    const s = hotSampler({ sampleRate: 1, perRoute: 4, maxKeyLen: 8 }, ["bg"]);
    const o = attachSampler(s.workerHandle());
    for (let i = 0; i < 5; i++) o.observeKey(1, 1, enc("hot"), 3);
    o.observeKey(1, 1, enc("cold"));
    o.observeKey(1, 0, enc("read-only"));
    o.observeKey(1, 1, enc("lab"), 0, "bg");
    o.observeKey(1, 1, enc("far-too-long"));
    o.observeKey(9, 1, enc("unregistered"));
    s.flush();
    expect(s.hotKeys(1)).toMatchObject({
      keys: [
        { key_b64: b64("hot"), count: 5 },
        { key_b64: b64("cold"), count: 1 },
      ],
      sampled_n: 6,
      skipped_long_keys: 1,
      degraded: true,
    });
    expect(s.hotKeys(1, { label: "bg" })!.keys).toEqual([{ key_b64: b64("lab"), count: 1 }]);
    expect(s.hotKeys(2)).toBeNull(); // never written
    s.close();
  });

  it("a worker sample of a route removed before the harvest never counts for the id registered again", () => {
    const s = hotSampler({ sampleRate: 1 });
    const o = attachSampler(s.workerHandle());
    o.observeKey(2, 1, enc("old-route-key"));
    s.removeRoute(2);
    s.registerRoute(2, enc("m"), enc("z")); // the same id, another route
    o.observeKey(2, 1, enc("new-route-key"));
    s.flush();
    expect(s.hotKeys(2)).toMatchObject({ keys: [{ key_b64: b64("new-route-key"), count: 1 }], sampled_n: 1 });
    s.close();
  });

  it("a full ring drops samples and reports them once there is room again", () => {
    const s = hotSampler({ sampleRate: 1 });
    const o = attachSampler(s.workerHandle());
    const key = new Uint8Array(1000).fill(0x61); // 253 words a record: the 2^16-word ring holds 259
    for (let i = 0; i < 300; i++) o.observeKey(1, 1, key);
    s.flush(); // drains the 259 kept, and 3 drops that fit in the 9 words left (a 3-word record each)
    const first = s.hotKeys(1)!;
    expect([first.sampled_n, first.dropped_samples]).toEqual([259, 3]);
    o.quiescent(); // room again: the other 38 dropped are reported
    s.flush();
    const second = s.hotKeys(1)!;
    expect([second.sampled_n, second.dropped_samples]).toEqual([0, 38]);
    s.close();
  });

  it("from worker threads with R = 1: sampled + dropped + skipped = writes, per route", async () => {
    const s = hotSampler({ sampleRate: 1, maxKeyLen: 6, queueSize: 65536 });
    const control = new Int32Array(new SharedArrayBuffer(4));
    const results: Promise<number[]>[] = [];
    const reported: Promise<unknown>[] = [];
    for (let i = 0; i < 2; i++) {
      const w = new Worker(WORKER_URL, {
        workerData: { handle: s.workerHandle(), seed: 7 + i, control: control.buffer },
      });
      workers.push(w);
      await new Promise((resolve, reject) => {
        w.once("message", resolve);
        w.once("error", reject);
      });
      const next = () =>
        new Promise((resolve, reject) => {
          w.once("message", resolve);
          w.once("error", reject);
        });
      results.push(next().then((m) => (reported.push(next()), m as number[])));
    }
    await new Promise((r) => setTimeout(r, 600)); // harvests every 250 ms drain the rings meanwhile
    Atomics.store(control, 0, 1);
    const writes = (await Promise.all(results)).reduce((a, t) => [a[0]! + t[0]!, a[1]! + t[1]!], [0, 0]);
    // Drops kept in a worker while its ring was full are reported once a harvest made room.
    await new Promise((r) => setTimeout(r, 300));
    for (const w of workers) w.postMessage("report");
    await Promise.all(reported);
    s.flush(); // the one publish: every sample since the start
    for (const id of [1, 2]) {
      const hk = s.hotKeys(id)!;
      expect(hk.sampled_n + hk.dropped_samples + hk.skipped_long_keys).toBe(writes[id - 1]);
      expect(hk.skipped_long_keys).toBeGreaterThan(0);
      expect(hk.sampled_n).toBeGreaterThan(1000);
    }
    s.close();
  }, 20_000);
});
