// A server's whole life, with the options whose memory used to grow (labels with 16 sub-buckets,
// a route table of 100 000 routes split and merged), must not grow any Wasm memory: growing
// detaches its ArrayBuffer, and after the first detach in a process V8's optimized code checks
// every typed-array access for the rest of the process, the embedding application's included
// (scripts/build-wasm.mjs, INITIAL_PAGES and CALLER_SIZED). Requests go through node:http: Node's
// own fetch detaches buffers itself.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createSampler, Coordinator, openHistory } from "../../src/index.js";
import { MemoryGroup } from "../../src/testing/index.js";
import { grownMemories, withRecordedMemories } from "../wasm/recorded-memories.js";
import { request, startServer } from "./fixtures.js";

const ROUTES = 100_000;
// 32 bytes: two published layouts of 100 000 such routes (9.6 MB) outgrew the fixed 8 MiB.
const key = (i: number) => new TextEncoder().encode(`user:${String(i).padStart(9, "0")}:${"x".repeat(17)}`);

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("a server's life grows no Wasm memory", () => {
  it("labels with K = 16, hot keys, storage, 100 000 routes split and merged, reads, fan-out, export, replay", async () => {
    const dir = mkdtempSync(join(tmpdir(), "keyviz-detach-"));
    dirs.push(dir);
    const { firstBuffer } = await withRecordedMemories(async () => {
      const sampler = createSampler({
        labels: ["redis", "grpc"],
        keyBucketsPerRoute: 16,
        hotKeys: { enabled: true, sampleRate: 4 },
        storage: { dir },
      });
      const routes = Array.from({ length: ROUTES }, (_, i) => ({
        routeId: i + 1,
        start: i === 0 ? null : key(i),
        end: i === ROUTES - 1 ? null : key(i + 1),
        groupId: 1 + (i % 4),
      }));
      const groups = new Map([1, 2, 3, 4].map((g) => [g, new MemoryGroup({ groupId: g })]));
      const store = new Coordinator({ sampler, groups, routes });
      for (let i = 0; i < 2_000; i++)
        await store.dispatch([{ type: "put", key: key((i * 7919) % ROUTES), value: key(i) }]);
      for (let i = 0; i < 500; i++) await store.leaseReadForKey(key((i * 104_729) % ROUTES));
      for (let i = 0; i < 200; i++) await store.withLabel("redis").leaseReadForKey(key(i));
      sampler.flush();
      const [left, right] = store.split(5, new TextEncoder().encode("user:000000004:y"));
      store.merge(left, right);
      sampler.flush();

      const peerSampler = createSampler();
      peerSampler.registerRoute(1, null, null, 1);
      peerSampler.observe(1, 1, 3, 3);
      peerSampler.flush();
      const peer = await startServer({ sampler: peerSampler });
      const { url } = await startServer({ sampler, peers: [peer.url] });
      const matrix = await request(`${url}/admin/api/v1/keyviz/matrix?series=writes&rows=1024`);
      expect(matrix.status).toBe(200);
      const hot = await request(`${url}/admin/api/v1/keyviz/hotkeys?route_id=2`);
      expect([200, 404], hot.text).toContain(hot.status);
      expect((await request(`${url}/`)).status).toBe(200);

      expect(sampler.matrix({ series: "reads", rows: 256 }).rows.length).toBeGreaterThan(0);
      expect(sampler.snapshot().length).toBe(2); // the two flushes
      const replay = openHistory(sampler.exportHistory());
      expect(replay.matrix({ series: "writes", rows: 256 }).rows.length).toBeGreaterThan(0);
      store.close();
      sampler.close();
      peerSampler.close();
    });
    // The sampler's, the peer's and the route table's memories, the matrix and hot-keys modules'.
    expect(firstBuffer.size).toBeGreaterThanOrEqual(5);
    expect(grownMemories(firstBuffer)).toEqual([]);
  });
});
