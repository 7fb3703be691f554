// GET /admin/api/v1/keyviz/hotkeys: query rules, error cases and fan-out (SPEC §7, issue 5).
import { describe, expect, it } from "vitest";
import type { HotKeysResponse } from "../../src/hotkeys/response.js";
import { hotKeysAnswer as snapshot } from "../helpers.js";
import { FakeSampler, request, startRawServer, startServer } from "./fixtures.js";

const HOTKEYS = "/admin/api/v1/keyviz/hotkeys";

function hotSampler(result: HotKeysResponse | null): FakeSampler {
  const s = new FakeSampler();
  s.hotKeysEnabled = true;
  s.hotKeysResult = () => result;
  return s;
}

describe("hotkeys endpoint: query rules", () => {
  it("passes route, label, sub-bucket and top to the sampler", async () => {
    const sampler = hotSampler(snapshot([["a", 32]]));
    const { url } = await startServer({ sampler });
    const r = await request(`${url}${HOTKEYS}?route_id=7&label=redis&sub_bucket=2&top=5&series=writes`);
    expect(r.status).toBe(200);
    expect(r.headers["cache-control"]).toBe("no-store");
    expect(r.json).toEqual(snapshot([["a", 32]]));
    expect(sampler.hotKeysCalls).toEqual([{ routeId: 7, opts: { label: "redis", subBucket: 2, top: 5 } }]);
  });

  it.each([
    ["route_id=7", { top: 20 }],
    ["route_id=7&top=", { top: 20 }],
    ["route_id=7&top=1024", { top: 1024 }],
    ["route_id=7&top=5000", { top: 1024 }],
    ["route_id=7&label=&sub_bucket=&series=", { top: 20 }],
    ["route_id=0&sub_bucket=0", { subBucket: 0, top: 20 }],
  ])("%s → sampler options %j", async (qs, opts) => {
    const sampler = hotSampler(snapshot([]));
    const { url } = await startServer({ sampler });
    expect((await request(`${url}${HOTKEYS}?${qs}`)).status).toBe(200);
    expect(sampler.hotKeysCalls[0]!.opts).toEqual({ label: undefined, subBucket: undefined, ...opts });
  });

  it.each([
    ["", "route_id is required"],
    ["route_id=", "route_id is required"],
    ["route_id=abc", "route_id must be an unsigned 64-bit integer"],
    ["route_id=-1", "route_id must be an unsigned 64-bit integer"],
    ["route_id=%2B1", "route_id must be an unsigned 64-bit integer"],
    ["route_id=1.5", "route_id must be an unsigned 64-bit integer"],
    ["route_id=18446744073709551616", "route_id must be an unsigned 64-bit integer"],
    ["route_id=1&sub_bucket=x", "sub_bucket must be a non-negative integer"],
    ["route_id=1&sub_bucket=-2", "sub_bucket must be a non-negative integer"],
    ["route_id=1&series=reads", "series: v1 supports only 'writes' (design §5)"],
    ["route_id=1&series=bogus", "series: v1 supports only 'writes' (design §5)"],
    ["route_id=1&top=abc", "top must be a positive integer"],
    ["route_id=1&top=0", "top must be a positive integer"],
    ["route_id=1&top=-4", "top must be a positive integer"],
    ["route_id=1&from_unix_ms=x", "from_unix_ms must be an integer (unix milliseconds)"],
    ["route_id=1&to_unix_ms=1.5", "to_unix_ms must be an integer (unix milliseconds)"],
    ["route_id=1&from_unix_ms=2000&to_unix_ms=1000", "from_unix_ms must be <= to_unix_ms"],
    [
      "route_id=1&bucket_id=route:1",
      "bucket_id names the row on its own: give either bucket_id or route_id (with label, sub_bucket)",
    ],
    ["bucket_id=range:1", "bucket_id must be route:<id>[:<label>][#<sub>], merged:… or virtual:…"],
  ])("%j → 400 invalid_query %j (the reference's messages)", async (qs, message) => {
    const sampler = hotSampler(snapshot([]));
    const { url } = await startServer({ sampler });
    const r = await request(`${url}${HOTKEYS}?${qs}`);
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ error: "invalid_query", message });
    expect(sampler.hotKeysCalls).toEqual([]);
  });

  it("404 no_snapshot when the sampler has none", async () => {
    const { url } = await startServer({ sampler: hotSampler(null) });
    const r = await request(`${url}${HOTKEYS}?route_id=3&label=x`);
    expect(r.status).toBe(404);
    expect(r.json).toEqual({
      error: "no_snapshot",
      message:
        "no hot-keys snapshot is available for this route yet (it may be an aggregate, or no traffic has flushed since the feature was enabled)",
    });
  });

  it("503 keyviz_disabled without a sampler, 503 hotkeys_disabled with hot keys off (as the reference)", async () => {
    const none = await startServer({ sampler: null });
    expect((await request(`${none.url}${HOTKEYS}?route_id=1`)).json).toEqual({
      error: "keyviz_disabled",
      message: "key visualizer sampler is not configured on this node",
    });
    const off = await startServer({ sampler: new FakeSampler() });
    const r = await request(`${off.url}${HOTKEYS}?route_id=1`);
    expect(r.status).toBe(503);
    expect(r.json.error).toBe("hotkeys_disabled");
  });

  it("requires the token when one is set", async () => {
    const { url } = await startServer({ sampler: hotSampler(snapshot([["k", 16]])), token: "hk" });
    expect((await request(`${url}${HOTKEYS}?route_id=7`)).status).toBe(401);
    expect((await request(`${url}${HOTKEYS}?route_id=7`, { headers: { Authorization: "Bearer hk" } })).status).toBe(
      200,
    );
  });
});

describe("hotkeys fan-out", () => {
  it("asks peers (and self) for top=256 and merges to the requested top", async () => {
    const self = hotSampler(
      snapshot(
        [
          ["a", 32],
          ["b", 16],
        ],
        { sampled_n: 3, error_bound: 1 },
      ),
    );
    const p1 = hotSampler(
      snapshot(
        [
          ["b", 48],
          ["c", 16],
        ],
        { sampled_n: 4, error_bound: 2, sample_rate: 32, snapshot_at: "2026-01-01T00:01:00.000Z" },
      ),
    );
    const p2 = hotSampler(null);
    const peer1 = await startServer({ sampler: p1 });
    const peer2 = await startServer({ sampler: p2 });
    const { url } = await startServer({ sampler: self, peers: [peer1.url, peer2.url], nodeName: "me" });
    const r = await request(`${url}${HOTKEYS}?route_id=7&top=2`);
    expect(r.status).toBe(200);
    expect(self.hotKeysCalls[0]!.opts.top).toBe(256);
    expect(p1.hotKeysCalls[0]!.opts.top).toBe(256);
    expect(p2.hotKeysCalls[0]!.opts.top).toBe(256);
    const b64 = (s: string): string => Buffer.from(s).toString("base64");
    expect(r.json.keys).toEqual([
      { key_b64: b64("b"), count: 64 },
      { key_b64: b64("a"), count: 32 },
    ]);
    expect(r.json.sampled_n).toBe(7);
    expect(r.json.error_bound).toBe(3);
    expect(r.json.sample_rate).toBe(32);
    expect(r.json.snapshot_at).toBe("2026-01-01T00:01:00.000Z");
    // A peer without a snapshot answered correctly: it counts as responded.
    expect(r.json.fanout).toEqual({
      nodes: [
        { node: "me", ok: true },
        { node: peer1.url, ok: true },
        { node: peer2.url, ok: true },
      ],
      responded: 3,
      expected: 3,
    });
  });

  it("serves a peer's snapshot when self has none; 404 only when no node has one", async () => {
    const withSnap = await startServer({ sampler: hotSampler(snapshot([["z", 16]])) });
    const without = await startServer({ sampler: hotSampler(null) });
    const broken = await startRawServer((_req, res) => {
      res.writeHead(500);
      res.end();
    });
    const a = await startServer({ sampler: hotSampler(null), peers: [withSnap.url, broken.url] });
    const r = await request(`${a.url}${HOTKEYS}?route_id=7`);
    expect(r.status).toBe(200);
    expect(r.json.keys).toEqual([{ key_b64: Buffer.from("z").toString("base64"), count: 16 }]);
    expect(r.json.fanout.nodes[2]).toEqual({ node: broken.url, ok: false, error: "HTTP 500" });

    const b = await startServer({ sampler: hotSampler(null), peers: [without.url, broken.url] });
    const none = await request(`${b.url}${HOTKEYS}?route_id=7`);
    expect(none.status).toBe(404);
    expect(none.json.error).toBe("no_snapshot");
    expect(none.json.fanout).toMatchObject({ responded: 2, expected: 3 });
  });

  it("forwards label and sub_bucket, rewrites top, sends the peer header", async () => {
    const answer = snapshot([["q", 16]], { label: "sql", sub_bucket: 1 });
    const raw = await startRawServer((_req, res) => res.end(JSON.stringify(answer)));
    const { url } = await startServer({ sampler: hotSampler(null), peers: [raw.url] });
    const r = await request(`${url}${HOTKEYS}?route_id=7&label=sql&sub_bucket=1&top=3`);
    expect(r.status).toBe(200);
    expect(r.json.keys).toEqual(answer.keys);
    const seen = new URL(raw.requests[0]!.url!, "http://x");
    expect(seen.pathname).toBe(HOTKEYS);
    expect(Object.fromEntries(seen.searchParams)).toEqual({ route_id: "7", label: "sql", sub_bucket: "1", top: "256" });
    expect(raw.requests[0]!.headers["x-admin-fanout-peer"]).toBe("1");
  });

  it("a peer request is answered locally with the asked top", async () => {
    const sampler = hotSampler(snapshot([["a", 16]]));
    const recorder = await startRawServer((_req, res) => res.end("{}"));
    const { url } = await startServer({ sampler, peers: [recorder.url] });
    const r = await request(`${url}${HOTKEYS}?route_id=7&top=256`, { headers: { "X-Admin-Fanout-Peer": "1" } });
    expect(r.status).toBe(200);
    expect(r.json.fanout).toBeUndefined();
    expect(recorder.requests).toHaveLength(0);
    expect(sampler.hotKeysCalls[0]!.opts.top).toBe(256);
  });

  it("a malformed peer answer is a failed node", async () => {
    const raw = await startRawServer((_req, res) => res.end(JSON.stringify({ keys: "no" })));
    const { url } = await startServer({ sampler: hotSampler(snapshot([["a", 16]])), peers: [raw.url] });
    const r = await request(`${url}${HOTKEYS}?route_id=7`);
    expect(r.status).toBe(200);
    expect(r.json.fanout.nodes[1]).toEqual({
      node: raw.url,
      ok: false,
      error: 'malformed response: series must be "writes"',
    });
  });

  // A peer that answers for another row (a bug, a version skew, a proxy in the way) must not
  // have that row's keys merged under the asked one's name.
  it.each([
    ["another route", "route_id=7", { route_id: 2 }, "answers for route 2, not route 7"],
    [
      "another label",
      "route_id=7&label=sql",
      { label: "kv" },
      'answers for route 7 label "kv", not route 7 label "sql"',
    ],
    ["no label for a labelled query", "route_id=7&label=sql", {}, 'answers for route 7, not route 7 label "sql"'],
    ["a label for an unlabelled query", "route_id=7", { label: "sql" }, 'answers for route 7 label "sql", not route 7'],
    [
      "another sub-bucket",
      "route_id=7&sub_bucket=1",
      { sub_bucket: 0 },
      "answers for route 7 sub-bucket 0, not route 7 sub-bucket 1",
    ],
    [
      "a sub-bucket for a whole-route query",
      "bucket_id=route:7",
      { sub_bucket: 3 },
      "answers for route 7 sub-bucket 3, not route 7",
    ],
  ])("a peer answering for %s is a failed node, its keys not merged", async (_what, qs, row, error) => {
    const raw = await startRawServer((_req, res) => res.end(JSON.stringify(snapshot([["peer", 99]], row))));
    const { url } = await startServer({ sampler: hotSampler(null), peers: [raw.url] });
    const r = await request(`${url}${HOTKEYS}?${qs}`);
    expect(r.status).toBe(404);
    expect(r.json.error).toBe("no_snapshot");
    expect(r.json.fanout.nodes[1]).toEqual({ node: raw.url, ok: false, error: `malformed response: ${error}` });
  });

  it("merges a peer's answer for the same row, reached by bucket_id", async () => {
    const local = snapshot([["a", 16]], { label: "sql", sub_bucket: 1 });
    const raw = await startRawServer((_req, res) =>
      res.end(
        JSON.stringify(
          snapshot(
            [
              ["a", 16],
              ["b", 48],
            ],
            { label: "sql", sub_bucket: 1 },
          ),
        ),
      ),
    );
    const { url } = await startServer({ sampler: hotSampler(local), peers: [raw.url] });
    const r = await request(`${url}${HOTKEYS}?bucket_id=route:7:sql%231`);
    expect(r.status).toBe(200);
    expect(r.json.fanout.nodes[1]).toEqual({ node: raw.url, ok: true });
    expect(r.json.keys.map((k: { count: number }) => k.count)).toEqual([48, 32]);
  });
});
