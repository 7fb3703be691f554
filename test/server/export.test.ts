// GET /admin/api/v1/keyviz/export: the node's history as a .kvz file, same auth, time bounds.
import { describe, expect, it } from "vitest";
import { openHistory } from "../../src/history/replay.js";
import { clockedSampler, enc } from "../helpers.js";
import { FakeSampler, request, startServer } from "./fixtures.js";

const EXPORT = "/admin/api/v1/keyviz/export";

function recordedSampler() {
  const { s, tick } = clockedSampler({ keyBucketsPerRoute: 2 });
  s.registerRoute(1, enc("a"), enc("m"), 3);
  s.setLeaderTerm(3, 8);
  for (let i = 0; i < 6; i++) {
    for (let j = 0; j <= i; j++) s.observeKey(1, 1, enc(`b${j}`), 40 * j);
    tick();
    s.flush();
  }
  return s;
}

async function fetchBytes(url: string, init?: RequestInit) {
  const res = await fetch(url, init);
  return { res, bytes: new Uint8Array(await res.arrayBuffer()) };
}

describe("export endpoint", () => {
  it("streams the whole history as a .kvz file that replays to the node's matrix", async () => {
    const sampler = recordedSampler();
    const { url } = await startServer({ sampler });
    const { res, bytes } = await fetchBytes(url + EXPORT);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/octet-stream");
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="keyviz-start-end.kvz"');
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(Number(res.headers.get("content-length"))).toBe(bytes.length);
    const replay = openHistory(bytes);
    expect(replay.snapshot()).toEqual(sampler.snapshot());
    expect({ ...replay.matrix({ rows: 1 }), generated_at: "" }).toEqual({
      ...sampler.matrix({ rows: 1 }),
      generated_at: "",
    });
  });

  it("exports every tier: merged columns keep their own time and width, and the matrix across tiers replays the same", async () => {
    const { s, tick } = clockedSampler({ historyColumns: 3, tiers: [{ stepMs: 4000, columns: 5 }] });
    s.registerRoute(1, enc("a"), enc("m"), 3);
    for (let i = 0; i < 14; i++) {
      for (let j = 0; j <= i; j++) s.observe(1, (j % 2) as 0 | 1, 4, j);
      tick();
      s.flush();
    }
    const { url } = await startServer({ sampler: s });
    const replay = openHistory((await fetchBytes(url + EXPORT)).bytes);
    expect(new Set(replay.columns.map((c) => c.atMs - c.windowStartMs))).toEqual(new Set([1000, 4000])); // base and waiting columns, merged ones;
    expect(replay.snapshot()).toEqual(s.snapshot());
    const m = (await (await fetch(`${url}/admin/api/v1/keyviz/matrix?series=writes`)).json()) as {
      column_unix_ms: number[];
    };
    expect(m.column_unix_ms).toEqual(replay.columns.map((c) => c.atMs));
  });

  it("exports a window, names it in the file name; HEAD gets the headers only", async () => {
    const sampler = recordedSampler();
    const cols = sampler.snapshot();
    const { url } = await startServer({ sampler });
    const q = `?from_unix_ms=${cols[2]!.atMs}&to_unix_ms=${cols[4]!.atMs}`;
    const { res, bytes } = await fetchBytes(url + EXPORT + q);
    expect(res.headers.get("content-disposition")).toBe(
      `attachment; filename="keyviz-${cols[2]!.atMs}-${cols[4]!.atMs}.kvz"`,
    );
    expect(openHistory(bytes).snapshot()).toEqual(cols.slice(2, 4));
    const head = await fetchBytes(url + EXPORT + q, { method: "HEAD" });
    expect(head.res.status).toBe(200);
    expect(head.bytes.length).toBe(0);
    expect(Number(head.res.headers.get("content-length"))).toBe(bytes.length);
  });

  it("sends a file bigger than one write chunk completely, under backpressure", async () => {
    const { s, tick } = clockedSampler({ maxTrackedRoutes: 3000, historyColumns: 200 });
    for (let r = 0; r < 3000; r++)
      s.registerRoute(r, enc(`k${String(r).padStart(5, "0")}`), enc(`k${String(r + 1).padStart(5, "0")}`), 1);
    for (let c = 0; c < 30; c++) {
      for (let r = 0; r < 3000; r++) s.observe(r, 1, 10, (r * 31 + c * 7) % 1000);
      tick();
      s.flush();
    }
    const { url } = await startServer({ sampler: s });
    const { bytes } = await fetchBytes(url + EXPORT);
    expect(bytes.length).toBeGreaterThan(200_000);
    expect(openHistory(bytes).columns).toHaveLength(30);
  });

  it("applies the query rules, auth and the disabled/unsupported answers", async () => {
    const { url } = await startServer({ sampler: recordedSampler(), token: "secret" });
    expect((await request(url + EXPORT)).status).toBe(401);
    const bad = await request(url + EXPORT + "?from_unix_ms=abc", { headers: { Authorization: "Bearer secret" } });
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual({
      error: "invalid_query",
      message: "from_unix_ms must be an integer (unix milliseconds)",
    });
    // Matrix-only parameters are not export parameters: ignored, not rejected.
    const ok = await request(url + EXPORT + "?rows=abc&series=nope", { headers: { Authorization: "Bearer secret" } });
    expect(ok.status).toBe(200);
    const off = await startServer({});
    expect((await request(off.url + EXPORT)).json.error).toBe("keyviz_disabled");
    const fake = await startServer({ sampler: new FakeSampler() });
    expect((await request(fake.url + EXPORT)).status).toBe(503);
  });
});
