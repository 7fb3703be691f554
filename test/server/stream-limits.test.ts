// Live-stream slots (issue 10.8): per-address limit, a reserve for new viewers, and dropping
// clients whose backlog stays non-empty, whatever the frame size.
import net from "node:net";
import { describe, expect, it } from "vitest";
import type { Column } from "../../src/types.js";
import { eventually, FakeSampler, request, row, SseReader, startServer } from "./fixtures.js";

const STREAM = "/admin/api/v1/keyviz/stream";

async function open(url: string, from: string): Promise<SseReader> {
  const r = await SseReader.open(url + STREAM, {}, from);
  return r;
}

describe("stream slots", () => {
  it("at most maxStreamsPerAddress per client address; other addresses unaffected", async () => {
    const sampler = new FakeSampler();
    const { url } = await startServer({ sampler, maxStreamsPerAddress: 2 });
    const a1 = await open(url, "127.0.0.1");
    const a2 = await open(url, "127.0.0.1");
    await eventually(() => sampler.listeners.size === 2);
    const a3 = await request(url + STREAM);
    expect(a3.status).toBe(503);
    expect(a3.json).toEqual({ error: "too_many_streams", message: "at most 2 streams per client address" });
    const b1 = await open(url, "127.0.0.2");
    expect(b1.status).toBe(200);
    a1.close();
    await eventually(() => sampler.listeners.size === 2);
    const a4 = await open(url, "127.0.0.1");
    expect(a4.status).toBe(200);
    for (const r of [a2, b1, a4]) r.close();
  });

  it("the last streamReserve slots only go to addresses without a stream", async () => {
    const sampler = new FakeSampler();
    const { url } = await startServer({ sampler, maxStreamClients: 4, streamReserve: 2, maxStreamsPerAddress: 10 });
    const hog = [await open(url, "127.0.0.1"), await open(url, "127.0.0.1")];
    await eventually(() => sampler.listeners.size === 2);
    const more = await request(url + STREAM);
    expect(more.status).toBe(503);
    expect(more.json.message).toBe("the last 2 stream slots are kept for new viewers");
    const viewer1 = await open(url, "127.0.0.2");
    const viewer2 = await open(url, "127.0.0.3");
    expect([viewer1.status, viewer2.status]).toEqual([200, 200]);
    await eventually(() => sampler.listeners.size === 4);
    const full = await SseReader.open(url + STREAM, {}, "127.0.0.4");
    expect(full.status).toBe(503);
    for (const r of [...hog, viewer1, viewer2, full]) r.close();
  });
});

describe("stalled stream clients", () => {
  it("a client whose backlog stays non-empty for streamStallMs is dropped even far below the byte bound", async () => {
    const sampler = new FakeSampler();
    const { url } = await startServer({ sampler, streamStallMs: 400, streamMaxBufferedBytes: 512 * 1024 * 1024 });
    const healthy = await SseReader.open(url + STREAM);
    const stalled = net.connect(Number(new URL(url).port), "127.0.0.1");
    stalled.on("error", () => {});
    stalled.write(`GET ${STREAM} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    stalled.pause();
    await eventually(() => sampler.listeners.size === 2);
    // ~20 KB frames: enough to fill the stalled socket's kernel buffers, then leave a small backlog.
    const frame: Column = {
      windowStartMs: 0,
      atMs: 1,
      rows: Array.from({ length: 200 }, (_, i) => row({ bucketId: `route:${i}`, routeId: i, writes: i + 1 })),
    };
    let at = 0;
    const t0 = Date.now();
    while (sampler.listeners.size === 2 && Date.now() - t0 < 10_000) {
      sampler.flush({ ...frame, atMs: ++at });
      await new Promise((r) => setTimeout(r, 5));
      if (at % 20 === 0) await healthy.waitFor((e) => e.id === String(at));
    }
    expect(sampler.listeners.size).toBe(1);
    sampler.flush({ ...frame, atMs: 1e9 });
    await healthy.waitFor((e) => e.id === "1000000000");
    healthy.close();
    stalled.destroy();
  });
});
