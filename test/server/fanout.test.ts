// Matrix fan-out (SPEC §5.1) against real peer servers on loopback.
import { describe, expect, it } from "vitest";
import { FakeSampler, freePort, matrixOf, request, startRawServer, startServer } from "./fixtures.js";

const MATRIX = "/admin/api/v1/keyviz/matrix";

function samplerWith(m: ReturnType<typeof matrixOf>): FakeSampler {
  const s = new FakeSampler();
  s.matrixResult = (q) => ({ ...m, series: q.series });
  return s;
}

const selfMatrix = matrixOf(
  "writes",
  [1000],
  [{ id: "route:1", start: null, end: "m", values: [5], groups: [1], terms: [3] }],
);
const peerMatrix = matrixOf(
  "writes",
  [1000, 2000],
  [{ id: "route:2", start: "m", end: null, values: [7, 9], groups: [2], terms: [4] }],
);
peerMatrix.rows[0]!.raft_group_ids = [2, 2];
peerMatrix.rows[0]!.leader_terms = [4, 4];

describe("matrix fan-out", () => {
  it("merges a healthy peer, self first in the status block", async () => {
    const peerSampler = samplerWith(peerMatrix);
    const peer = await startServer({ sampler: peerSampler });
    const { url } = await startServer({ sampler: samplerWith(selfMatrix), peers: [peer.url], nodeName: "self-node" });
    const r = await request(`${url}${MATRIX}?series=writes&rows=50&from_unix_ms=1`);
    expect(r.status).toBe(200);
    expect(r.json.column_unix_ms).toEqual([1000, 2000]);
    expect(r.json.rows.map((x: { bucket_id: string }) => x.bucket_id)).toEqual(["route:1", "route:2"]);
    expect(r.json.rows[0].values).toEqual([5, 0]);
    expect(r.json.rows[1].values).toEqual([7, 9]);
    expect(r.json.fanout).toEqual({
      nodes: [
        { node: "self-node", ok: true },
        { node: peer.url, ok: true },
      ],
      responded: 2,
      expected: 2,
    });
    // The peer got the same query at the full row budget (the budget is applied after the merge)
    // and answered locally.
    expect(peerSampler.matrixCalls).toEqual([{ series: "writes", rows: 1024, fromMs: 1 }]);
  });

  it("defaults the self node name to host:port", async () => {
    const peer = await startServer({ sampler: samplerWith(peerMatrix) });
    const { url } = await startServer({ sampler: samplerWith(selfMatrix), peers: [peer.url] });
    const r = await request(url + MATRIX);
    expect(r.json.fanout.nodes[0]).toEqual({ node: new URL(url).host, ok: true });
  });

  it("sends the anti-recursion header, the query at the full row budget and the bearer token to peers", async () => {
    const raw = await startRawServer((_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify(peerMatrix));
    });
    const { url } = await startServer({ sampler: samplerWith(selfMatrix), peers: [raw.url], token: "tok-1" });
    const r = await request(`${url}${MATRIX}?series=writes&rows=7`, { headers: { Authorization: "Bearer tok-1" } });
    expect(r.status).toBe(200);
    expect(raw.requests).toHaveLength(1);
    const seen = raw.requests[0]!;
    expect(seen.method).toBe("GET");
    expect(seen.url).toBe(`${MATRIX}?series=writes&rows=1024`);
    expect(r.json.rows.length).toBeLessThanOrEqual(7);
    expect(seen.headers["x-admin-fanout-peer"]).toBe("1");
    expect(seen.headers.authorization).toBe("Bearer tok-1");
  });

  it("a peer answering 500 is reported, the request still succeeds", async () => {
    const raw = await startRawServer((_req, res) => {
      res.writeHead(500, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ error: "boom", message: "x" }));
    });
    const { url } = await startServer({ sampler: samplerWith(selfMatrix), peers: [raw.url], nodeName: "me" });
    const r = await request(url + MATRIX);
    expect(r.status).toBe(200);
    expect(r.json.rows.map((x: { bucket_id: string }) => x.bucket_id)).toEqual(["route:1"]);
    expect(r.json.fanout).toEqual({
      nodes: [
        { node: "me", ok: true },
        { node: raw.url, ok: false, error: "HTTP 500 boom" },
      ],
      responded: 1,
      expected: 2,
    });
  });

  it("a peer slower than the timeout is cut off at the deadline", async () => {
    const raw = await startRawServer((_req, res) => {
      const t = setTimeout(() => res.end(JSON.stringify(peerMatrix)), 60_000);
      res.on("close", () => clearTimeout(t));
    });
    const { url } = await startServer({ sampler: samplerWith(selfMatrix), peers: [raw.url], fanoutTimeoutMs: 200 });
    const started = Date.now();
    const r = await request(url + MATRIX);
    const elapsed = Date.now() - started;
    expect(r.status).toBe(200);
    expect(r.json.fanout.nodes[1]).toEqual({ node: raw.url, ok: false, error: "timeout after 200 ms" });
    expect(r.json.fanout.responded).toBe(1);
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(30_000); // far below the peer's 60 s: the deadline, not the peer, ended it
  });

  it("a peer that sends headers then stalls the body also times out", async () => {
    const raw = await startRawServer((_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.write('{"column_unix_ms":[');
    });
    const { url } = await startServer({ sampler: samplerWith(selfMatrix), peers: [raw.url], fanoutTimeoutMs: 150 });
    const r = await request(url + MATRIX);
    expect(r.json.fanout.nodes[1].error).toBe("timeout after 150 ms");
  });

  it("a peer body over the cap is aborted while streaming", async () => {
    const raw = await startRawServer((_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      // An endless body: only the cap can stop it.
      const chunk = Buffer.alloc(16 * 1024, 0x20);
      const pump = (): void => {
        let accepted = true;
        while (accepted && !res.destroyed) accepted = res.write(chunk);
        if (!res.destroyed) res.once("drain", pump);
      };
      res.on("close", () => res.removeAllListeners("drain"));
      pump();
    });
    const { url } = await startServer({
      sampler: samplerWith(selfMatrix),
      peers: [raw.url],
      fanoutBodyLimitBytes: 64 * 1024,
      fanoutTimeoutMs: 60_000, // only the cap can end it before this: the error names which did
    });
    const r = await request(url + MATRIX);
    expect(r.status).toBe(200);
    expect(r.json.fanout.nodes[1]).toEqual({ node: raw.url, ok: false, error: "response body exceeds 65536 bytes" });
  });

  it("a body exactly at the cap is accepted", async () => {
    const body = JSON.stringify(peerMatrix);
    const raw = await startRawServer((_req, res) => res.end(body));
    const { url } = await startServer({
      sampler: samplerWith(selfMatrix),
      peers: [raw.url],
      fanoutBodyLimitBytes: Buffer.byteLength(body),
    });
    const r = await request(url + MATRIX);
    expect(r.json.fanout.nodes[1]).toEqual({ node: raw.url, ok: true });
  });

  it("unreachable, non-JSON and malformed peers are failed nodes, in configured order", async () => {
    const notJson = await startRawServer((_req, res) => res.end("<html>hi</html>"));
    const wrongShape = await startRawServer((_req, res) => res.end(JSON.stringify({ series: "writes", rows: "nope" })));
    const wrongSeries = await startRawServer((_req, res) =>
      res.end(JSON.stringify({ ...peerMatrix, series: "reads" })),
    );
    const good = await startServer({ sampler: samplerWith(peerMatrix) });
    const refused = `http://127.0.0.1:${await freePort()}`;
    const { url } = await startServer({
      sampler: samplerWith(selfMatrix),
      peers: [refused, notJson.url, wrongShape.url, wrongSeries.url, good.url + "/"],
      nodeName: "me",
    });
    const r = await request(url + MATRIX);
    expect(r.status).toBe(200);
    const nodes = r.json.fanout.nodes as { node: string; ok: boolean; error?: string }[];
    expect(nodes.map((n) => n.node)).toEqual(["me", refused, notJson.url, wrongShape.url, wrongSeries.url, good.url]);
    expect(nodes[1]!.ok).toBe(false);
    expect(nodes[1]!.error).toMatch(/ECONNREFUSED/);
    expect(nodes[2]).toEqual({ node: notJson.url, ok: false, error: "invalid JSON response" });
    expect(nodes[3]).toEqual({
      node: wrongShape.url,
      ok: false,
      error: "malformed response: column_unix_ms must be an array",
    });
    expect(nodes[4]).toEqual({
      node: wrongSeries.url,
      ok: false,
      error: 'malformed response: response series is "reads", expected writes',
    });
    expect(nodes[5]).toEqual({ node: good.url, ok: true });
    expect(r.json.fanout).toMatchObject({ responded: 2, expected: 6 });
    expect(r.json.rows.map((x: { bucket_id: string }) => x.bucket_id)).toEqual(["route:1", "route:2"]);
  });

  it("drops the columns a peer sent outside the requested window", async () => {
    // A broken peer answers whatever the window: its columns at 2000 and 999999 must not appear.
    const ignoring = await startServer({ sampler: samplerWith(peerMatrix) });
    const { url } = await startServer({ sampler: samplerWith(selfMatrix), peers: [ignoring.url] });
    const r = await request(`${url}${MATRIX}?to_unix_ms=1500`);
    expect(r.json.column_unix_ms).toEqual([1000]);
    expect(r.json.rows.map((x: { values: number[] }) => x.values)).toEqual([[5], [7]]);
    const empty = await request(`${url}${MATRIX}?from_unix_ms=5000&to_unix_ms=1000`);
    expect(empty.json.column_unix_ms).toEqual([]); // SPEC §5: from > to → no columns
  });

  it("a peer request is answered locally only (anti-recursion)", async () => {
    const aSampler = samplerWith(selfMatrix);
    const bSampler = samplerWith(peerMatrix);
    const recorder = await startRawServer((_req, res) => res.end(JSON.stringify(peerMatrix)));
    // b fans out to the recorder; a fans out to b, whose answer must not involve the recorder.
    const bWithPeers = await startServer({ sampler: bSampler, peers: [recorder.url] });
    const a = await startServer({ sampler: aSampler, peers: [bWithPeers.url] });
    const r = await request(a.url + MATRIX);
    expect(r.json.fanout.responded).toBe(2);
    expect(recorder.requests).toHaveLength(0);
    // Direct peer call: no fanout block, no onward calls.
    const direct = await request(bWithPeers.url + MATRIX, { headers: { "X-Admin-Fanout-Peer": "1" } });
    expect(direct.status).toBe(200);
    expect(direct.json.fanout).toBeUndefined();
    expect(recorder.requests).toHaveLength(0);
    // Without the header the same node does fan out.
    const own = await request(bWithPeers.url + MATRIX);
    expect(own.json.fanout.expected).toBe(2);
    expect(recorder.requests).toHaveLength(1);
  });

  it("two nodes pointing at each other do not loop", async () => {
    const aSampler = samplerWith(selfMatrix);
    const bSampler = samplerWith(peerMatrix);
    const bPort = await freePort();
    const a = await startServer({ sampler: aSampler, peers: [`http://127.0.0.1:${bPort}`] });
    const b = await startServer({ sampler: bSampler, port: bPort, peers: [a.url] });
    const viaA = await request(a.url + MATRIX);
    expect(viaA.json.fanout).toMatchObject({ responded: 2, expected: 2 });
    const viaB = await request(b.url + MATRIX);
    expect(viaB.json.fanout).toMatchObject({ responded: 2, expected: 2 });
    // One local answer per node per request: nobody was asked twice.
    expect(aSampler.matrixCalls).toHaveLength(2);
    expect(bSampler.matrixCalls).toHaveLength(2);
  });

  it("with a token, peers sharing it answer; a peer refusing it is a failed node", async () => {
    const good = await startServer({ sampler: samplerWith(peerMatrix), token: "shared" });
    const other = await startServer({ sampler: samplerWith(peerMatrix), token: "different" });
    const { url } = await startServer({
      sampler: samplerWith(selfMatrix),
      token: "shared",
      peers: [good.url, other.url],
    });
    const r = await request(url + MATRIX, { headers: { Authorization: "Bearer shared" } });
    expect(r.json.fanout.nodes.slice(1)).toEqual([
      { node: good.url, ok: true },
      { node: other.url, ok: false, error: "HTTP 401 unauthenticated" },
    ]);
  });
});

describe("merge vectors of §5.1 end-to-end (self + two peers)", () => {
  const T = 1000;
  function vectorRow(id: string, start: string, end: string, value: number, group: number, term: number) {
    return { id, start, end, values: [value], groups: [group], terms: [term] };
  }

  async function cluster(
    series: "writes" | "reads",
    left: ReturnType<typeof vectorRow>[],
    right: ReturnType<typeof vectorRow>[],
    rows?: number,
  ) {
    const p1 = await startServer({ sampler: samplerWith(matrixOf(series, [T], left)) });
    const p2 = await startServer({ sampler: samplerWith(matrixOf(series, [T], right)) });
    const { url } = await startServer({ sampler: samplerWith(matrixOf(series, [], [])), peers: [p1.url, p2.url] });
    const r = await request(`${url}${MATRIX}?series=${series}${rows === undefined ? "" : `&rows=${rows}`}`);
    expect(r.status).toBe(200);
    expect(r.json.fanout.responded).toBe(3);
    return r.json;
  }

  it("writes: term sums, same-term disagreement, missing identity, follower zero", async () => {
    const m = await cluster(
      "writes",
      [
        vectorRow("route:1", "a", "b", 30, 7, 42),
        vectorRow("route:2", "b", "c", 30, 7, 42),
        vectorRow("route:3", "c", "d", 30, 7, 42),
        vectorRow("route:4", "d", "e", 0, 7, 0),
      ],
      [
        vectorRow("route:1", "a", "b", 50, 7, 43),
        vectorRow("route:2", "b", "c", 55, 7, 42),
        vectorRow("route:3", "c", "d", 50, 0, 0),
        vectorRow("route:4", "d", "e", 42, 7, 9),
      ],
    );
    expect(m.column_unix_ms).toEqual([T]);
    const byId = Object.fromEntries(m.rows.map((r: { bucket_id: string }) => [r.bucket_id, r]));
    expect(m.rows.map((r: { bucket_id: string }) => r.bucket_id)).toEqual(["route:1", "route:2", "route:3", "route:4"]);
    expect(byId["route:1"].values).toEqual([80]);
    expect(byId["route:1"].conflict).toBeUndefined();
    expect(byId["route:2"].values).toEqual([55]);
    expect(byId["route:2"].conflict).toBe(true);
    expect(byId["route:2"].conflicts).toEqual([true]);
    expect(byId["route:3"].values).toEqual([50]);
    expect(byId["route:3"].conflict).toBe(true);
    expect(byId["route:4"].values).toEqual([42]);
    expect(byId["route:4"].conflict).toBeUndefined();
  });

  it("reads: 10 + 25 → 35", async () => {
    const m = await cluster(
      "reads",
      [vectorRow("route:1", "a", "b", 10, 7, 42)],
      [vectorRow("route:1", "a", "b", 25, 7, 42)],
    );
    expect(m.rows).toHaveLength(1);
    expect(m.rows[0].values).toEqual([35]);
    expect(m.rows[0].conflict).toBeUndefined();
  });

  it("re-applies the row budget and start-key order after the merge, conserving column sums", async () => {
    const left = [vectorRow("route:3", "m", "t", 4, 1, 1), vectorRow("route:1", "a", "f", 100, 1, 1)];
    const right = [vectorRow("route:2", "f", "m", 1, 2, 1), vectorRow("route:4", "t", "z", 90, 3, 1)];
    const m = await cluster("writes", left, right, 3);
    expect(m.rows).toHaveLength(3);
    const starts = m.rows.map((r: { start: string | null }) => Buffer.from(r.start ?? "", "base64").toString());
    expect(starts).toEqual([...starts].sort());
    const total = m.rows.reduce((s: number, r: { values: number[] }) => s + r.values[0]!, 0);
    expect(total).toBe(195);
    const merged = m.rows.find((r: { aggregate: boolean }) => r.aggregate);
    expect(merged.bucket_id.startsWith("merged:")).toBe(true);
    expect(merged.values).toEqual([5]);
  });
});
