// The hot-keys endpoint as a Go node and the reference's admin page see it (issue 9 items 1, 6,
// 7 and the merged-row answer): integer error_bound, the snapshot window, the reference's codes
// and messages, any unsigned 64-bit route id. A real sampler behind a real loopback server.
import { describe, expect, it } from "vitest";
import { Op } from "../../src/index.js";
import type { Logger } from "../../src/logger.js";
import { bytes, clockedSampler, enc } from "../helpers.js";
import { FakeSampler, request, startRawServer, startServer } from "./fixtures.js";

const HOTKEYS = "/admin/api/v1/keyviz/hotkeys";
const b64 = (b: Uint8Array | string): string => Buffer.from(b).toString("base64");

/** Route 1 [0x00, 0x40) in 4 sub-buckets, route 2 registered but never written; one flush at 1 001 000 ms (step 1000). */
async function liveServer(): Promise<string> {
  const { s, tick } = clockedSampler({
    labels: ["redis"],
    keyBucketsPerRoute: 4,
    hotKeys: { enabled: true, sampleRate: 1, perRoute: 4 },
  });
  s.registerRoute(1, bytes(0x00), bytes(0x40));
  s.registerRoute(2, bytes(0x40), null);
  for (const k of [0x05, 0x15, 0x15, 0x16, 0x17, 0x30]) s.observeKey(1, Op.Write, bytes(k));
  s.observeKey(1, Op.Write, enc("r"), 0, "redis");
  tick();
  s.flush();
  const { url } = await startServer({ sampler: s });
  return url;
}

const get = async (url: string, qs: string) => request(`${url}${HOTKEYS}?${qs}`);

describe("hot keys: error_bound is an unsigned integer (a Go node decodes it)", () => {
  it("error_bound = floor(R × sampled_n / m)", async () => {
    const r = await get(await liveServer(), "route_id=1");
    expect(r.status).toBe(200);
    // R = 1, N = 6 samples, m = 4: 6 / 4 = 1.5 → 1.
    expect(r.json).toMatchObject({ sample_rate: 1, sampled_n: 6, error_bound: 1 });
    expect(r.text).toContain('"error_bound":1,');
  });
});

describe("hot keys honour from_unix_ms/to_unix_ms against [snapshot_at − step, snapshot_at]", () => {
  it.each([
    ["from_unix_ms=1000500&to_unix_ms=1000600", 200],
    ["from_unix_ms=1000000&to_unix_ms=1000000", 200], // touching the window's start
    ["from_unix_ms=1001000", 200], // from the snapshot on: overlaps at snapshot_at
    ["to_unix_ms=1000000", 200],
    ["from_unix_ms=0&to_unix_ms=0", 200], // 0 = omitted
    ["from_unix_ms=1001001", 400],
    ["to_unix_ms=999999", 400],
    ["from_unix_ms=1&to_unix_ms=2", 400],
  ])("%s → %i", async (qs, status) => {
    const r = await get(await liveServer(), `route_id=1&${qs}`);
    expect(r.status).toBe(status);
    if (status === 400) {
      expect(r.json).toEqual({
        error: "out_of_snapshot_window",
        message:
          "requested time window does not overlap the current snapshot; v1 returns only the current keyvizStep window",
      });
    }
  });

  it("an inverted window is 400 invalid_query", async () => {
    const r = await get(await liveServer(), "route_id=1&from_unix_ms=1001000&to_unix_ms=1000000");
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ error: "invalid_query", message: "from_unix_ms must be <= to_unix_ms" });
  });
});

describe("hot keys: the reference's status codes and messages", () => {
  it("sub_bucket out of range for a route with a snapshot → 400; a route without one → 404 first", async () => {
    const url = await liveServer();
    expect((await get(url, "route_id=1&sub_bucket=1")).json.keys.map((k: { key_b64: string }) => k.key_b64)).toEqual([
      b64(bytes(0x15)),
      b64(bytes(0x16)),
      b64(bytes(0x17)),
    ]);
    const r = await get(url, "route_id=1&sub_bucket=9");
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ error: "invalid_query", message: "sub_bucket is out of range for this route" });
    expect((await get(url, "route_id=2&sub_bucket=9")).json.error).toBe("no_snapshot");
  });

  it("a label the sampler is not configured with → 400 invalid_query; a configured one answers", async () => {
    const url = await liveServer();
    expect((await get(url, "route_id=1&label=redis")).json.keys).toEqual([{ key_b64: b64("r"), count: 1 }]);
    const r = await get(url, "route_id=1&label=sql");
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ error: "invalid_query", message: 'label "sql" is not configured (labels: redis)' });
  });

  it.each(["9007199254740993", "18446744073709551615", "3"])(
    "any unsigned 64-bit route_id (%s) without a route → 404 no_snapshot",
    async (id) => {
      const r = await get(await liveServer(), `route_id=${id}`);
      expect(r.status).toBe(404);
      expect(r.json.error).toBe("no_snapshot");
    },
  );

  it("hot keys off → 503 hotkeys_disabled, no sampler → 503 keyviz_disabled", async () => {
    const { s } = clockedSampler();
    const off = await startServer({ sampler: s });
    expect((await get(off.url, "route_id=1")).json.error).toBe("hotkeys_disabled");
    const none = await startServer({});
    expect((await get(none.url, "route_id=1")).json.error).toBe("keyviz_disabled");
  });

  it("a sampler that throws → 500 internal_error without details, logged once", async () => {
    const lines: string[] = [];
    const logger: Logger = { info() {}, warn() {}, error: (m, f) => lines.push(`${m} ${JSON.stringify(f)}`) };
    const sampler = new FakeSampler();
    sampler.hotKeysEnabled = true;
    sampler.hotKeysResult = () => {
      throw new Error("secret detail");
    };
    const { url } = await startServer({ sampler, logger });
    const r = await get(url, "route_id=1");
    expect(r.status).toBe(500);
    expect(r.json).toEqual({ error: "internal_error", message: "internal server error" });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("secret detail");
  });
});

describe("hot keys for a row named by bucket_id, including merged: rows", () => {
  it("a merged: or virtual: row is an aggregate: 404 no_snapshot saying to ask its member routes", async () => {
    const url = await liveServer();
    for (const id of ["merged:route:1..route:2", "virtual:18446744073709551615"]) {
      const r = await get(url, `bucket_id=${encodeURIComponent(id)}`);
      expect(r.status).toBe(404);
      expect(r.json).toEqual({
        error: "no_snapshot",
        message: `${id} is an aggregate row (several routes folded together) and has no hot keys of its own; ask for each of its route_ids`,
      });
    }
  });

  it("route:<id>[:<label>][#<sub>] is the same query as route_id, label and sub_bucket", async () => {
    const url = await liveServer();
    expect((await get(url, `bucket_id=${encodeURIComponent("route:1:redis")}`)).json).toEqual(
      (await get(url, "route_id=1&label=redis")).json,
    );
    expect((await get(url, `bucket_id=${encodeURIComponent("route:1#1")}`)).json).toEqual(
      (await get(url, "route_id=1&sub_bucket=1")).json,
    );
  });

  it("peers are asked with route_id, label and sub_bucket (what every node reads)", async () => {
    const raw = await startRawServer((_req, res) => {
      res.writeHead(404, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ error: "no_snapshot", message: "none" }));
    });
    const { s, tick } = clockedSampler({ labels: ["redis"], hotKeys: { enabled: true, sampleRate: 1 } });
    s.registerRoute(1, null, null);
    s.observeKey(1, Op.Write, enc("k"), 0, "redis");
    tick();
    s.flush();
    const { url } = await startServer({ sampler: s, peers: [raw.url] });
    const r = await get(url, `bucket_id=${encodeURIComponent("route:1:redis")}&top=3`);
    expect(r.status).toBe(200);
    const seen = new URL(raw.requests[0]!.url!, "http://x").searchParams;
    expect(Object.fromEntries(seen)).toEqual({ route_id: "1", label: "redis", top: "256" });
  });
});
