// Issue 10.6: a big fan-out is merged and written in time slices, so another client's request
// on the same server is answered while it is in progress. No timing: the slicing is replaced by
// one that pauses at every row and holds the first pause until the test lets it go, so the test
// asserts the order in which the two answers come.
import { describe, expect, it, vi } from "vitest";
import { FakeSampler, matrixOf, request, startRawServer, startServer } from "./fixtures.js";

const held = vi.hoisted(() => ({ pauses: 0, gate: null as Promise<void> | null }));
vi.mock("../../src/server/fanout-slicing.js", () => ({
  FANOUT_SLICING: {
    sliceMs: 0,
    pause: async () => {
      held.pauses++;
      if (held.gate !== null) await held.gate;
    },
  },
}));

const MATRIX = "/admin/api/v1/keyviz/matrix";

describe("fan-out merge and answer in slices (issue 10.6)", () => {
  it("answers another client's request while a fan-out is being merged and written", async () => {
    const columns = [1000, 2000, 3000];
    const rows = Array.from({ length: 200 }, (_, i) => ({
      id: `route:${i + 1}`,
      start: i === 0 ? null : `k${String(i).padStart(4, "0")}`,
      end: i === 199 ? null : `k${String(i + 1).padStart(4, "0")}`,
      values: [i, 1, 2],
    }));
    const body = JSON.stringify(matrixOf("writes", columns, rows));
    const peer = await startRawServer((_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(body);
    });
    const sampler = new FakeSampler();
    sampler.matrixResult = () =>
      matrixOf("writes", columns, [{ id: "route:1", start: null, end: "k0001", values: [5, 0, 0] }]);
    const { url } = await startServer({ sampler, peers: [peer.url] });

    let release!: () => void;
    held.gate = new Promise<void>((r) => (release = r));
    held.pauses = 0;
    let bigAnswered = false;
    const big = request(url + MATRIX).then((r) => ((bigAnswered = true), r));
    await vi.waitFor(() => expect(held.pauses).toBeGreaterThan(0), { timeout: 10_000 }); // the fan-out is merging, paused
    // Another client, same server: answered while the fan-out waits for its next slice.
    const other = await request(url + MATRIX, { headers: { "X-Admin-Fanout-Peer": "1" } });
    expect(other.status).toBe(200);
    const health = await request(url + "/healthz");
    expect(health.status).toBe(200);
    expect(bigAnswered).toBe(false);
    held.gate = null;
    release();
    const merged = await big;
    expect(merged.status).toBe(200);
    expect(merged.json.fanout).toMatchObject({ responded: 2, expected: 2 });
    expect(merged.json.rows).toHaveLength(200);
    expect(merged.json.rows[0]).toMatchObject({ bucket_id: "route:1", values: [5, 1, 2] }); // summed with the peer's
    expect(held.pauses).toBeGreaterThan(200); // it paused between rows, merging and writing
  });
});
