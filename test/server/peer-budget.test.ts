// Global budget of in-flight peer body bytes (issue 10.6).
import { describe, expect, it } from "vitest";
import { ByteBudget } from "../../src/server/byte-budget.js";
import { FakeSampler, matrixOf, request, startRawServer, startServer } from "./fixtures.js";

const MATRIX = "/admin/api/v1/keyviz/matrix";

describe("ByteBudget", () => {
  it("the oldest call never waits; others wait in arrival order until bytes come back", async () => {
    const b = new ByteBudget(100);
    const a = b.open();
    const c = b.open();
    const d = b.open();
    expect(c.take(60)).toBeNull();
    const order: string[] = [];
    expect(a.take(80)).toBeNull(); // oldest: over the budget, still at once
    expect(b.inUse).toBe(140);
    void c.take(10)!.then(() => order.push("c"));
    void d.take(10)!.then(() => order.push("d"));
    a.close();
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual(["c", "d"]);
    expect(b.inUse).toBe(80);
  });

  it("closing gives everything back and withdraws pending takes; a waiting call that becomes oldest is served", async () => {
    const b = new ByteBudget(100);
    const a = b.open();
    const c = b.open();
    const d = b.open();
    expect(a.take(100)).toBeNull();
    let cGot = false;
    void c.take(50)!.then(() => (cGot = true));
    const dWait = d.take(50)!;
    let dGot = false;
    void dWait.then(() => (dGot = true));
    d.close();
    a.close(); // c is now the oldest: served even though d queued too
    await new Promise((r) => setImmediate(r));
    expect(cGot).toBe(true);
    expect(dGot).toBe(false);
    expect(b.inUse).toBe(50);
    c.close();
    expect(b.inUse).toBe(0);
  });
});

/** Polls the peer-body gauge of /metrics until `done`, returning the largest value seen. */
async function peakPeerBytes(url: string, done: () => boolean): Promise<number> {
  let peak = 0;
  while (!done()) {
    const text = (await request(url + "/metrics")).text;
    const m = /^keyviz_peer_body_bytes_in_flight (\d+)$/m.exec(text);
    peak = Math.max(peak, Number(m![1]));
    await new Promise((r) => setTimeout(r, 10));
  }
  return peak;
}

describe("peer body budget over HTTP", () => {
  it("10 concurrent fan-outs to an endless peer hold at most the budget plus one body cap; each ends as a failed peer", async () => {
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const peer = await startRawServer((_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.write("[");
      const pump = setInterval(() => res.write(chunk), 5);
      res.on("close", () => clearInterval(pump));
    });
    const budget = 1024 * 1024;
    const cap = 2 * 1024 * 1024;
    const { url } = await startServer({
      sampler: new FakeSampler(),
      peers: [peer.url],
      peerBodyBudgetBytes: budget,
      fanoutBodyLimitBytes: cap,
      fanoutTimeoutMs: 800,
    });
    let finished = 0;
    const calls = Array.from({ length: 10 }, () => request(url + MATRIX).finally(() => finished++));
    const peak = await peakPeerBytes(url, () => finished === 10);
    const replies = await Promise.all(calls);
    for (const r of replies) {
      expect(r.status).toBe(200);
      expect(r.json.fanout.nodes[1].ok).toBe(false);
      expect(r.json.fanout.nodes[1].error).toMatch(/^(timeout after 800 ms|response body exceeds 2097152 bytes)$/);
    }
    expect(peak).toBeGreaterThan(0);
    // The budget, plus what the oldest call may hold beyond it (it never waits, up to its cap).
    // Without the budget the 10 calls together held up to 10 × the cap.
    expect(peak).toBeLessThanOrEqual(budget + cap + chunk.length);
    expect(await peakPeerBytes(url, () => true)).toBe(0);
    const after = (await request(url + "/metrics")).text;
    expect(after).toMatch(/^keyviz_peer_body_bytes_in_flight 0$/m);
  });

  it("a call whose last chunk waits for the budget gets its whole body (node ends a paused stream)", async () => {
    const body = JSON.stringify(matrixOf("writes", [1000], [{ id: "route:1", start: null, end: null, values: [5] }]));
    const padded = body.slice(0, -1) + `,"pad":"${"x".repeat(4000)}"}`;
    let calls = 0;
    const peer = await startRawServer((_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json", "Content-Length": String(padded.length) });
      if (calls++ > 0) return res.end(padded); // one chunk, while the first call holds the budget
      res.write(padded.slice(0, 3000));
      setTimeout(() => res.end(padded.slice(3000)), 300);
    });
    const { url } = await startServer({
      sampler: new FakeSampler(),
      peers: [peer.url],
      peerBodyBudgetBytes: 1024,
      fanoutTimeoutMs: 5000,
    });
    const first = request(url + MATRIX);
    await new Promise((r) => setTimeout(r, 50));
    const replies = await Promise.all([first, request(url + MATRIX)]);
    for (const r of replies) {
      expect(r.json.fanout.nodes[1]).toMatchObject({ ok: true });
      expect(r.json.rows.map((row: { values: number[] }) => row.values)).toEqual([[5]]);
    }
  });

  it("calls over the budget wait for earlier ones and then succeed", async () => {
    const body = JSON.stringify(
      matrixOf(
        "writes",
        [1000],
        Array.from({ length: 3000 }, (_, i) => ({ id: `route:${i}`, start: null, end: null, values: [i] })),
      ),
    );
    expect(body.length).toBeGreaterThan(300_000);
    const peer = await startRawServer((_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(body);
    });
    const { url } = await startServer({
      sampler: new FakeSampler(),
      peers: [peer.url],
      peerBodyBudgetBytes: body.length + 1024,
      // Each call's wait counts against it: 5 s ran out once with the machine at load 10.
      fanoutTimeoutMs: 30_000,
    });
    const replies = await Promise.all(Array.from({ length: 4 }, () => request(`${url}${MATRIX}?rows=1024`)));
    for (const r of replies) {
      expect(r.status).toBe(200);
      expect(r.json.fanout.responded).toBe(2);
    }
  });
});
