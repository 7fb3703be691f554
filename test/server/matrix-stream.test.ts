// GET /matrix from a sampler that offers matrixTable(): the body is written from typed cells and
// streamed (chunked), byte-for-byte the JSON of the wire matrix; without it, the old path.
import { describe, expect, it } from "vitest";
import { FakeSampler, request, startRawServer, startServer } from "./fixtures.js";
import { mergeMatrices } from "../../src/matrix/merge.js";
import { toWireMatrix, type MatrixTable } from "../../src/matrix/table.js";
import type { MatrixQuery } from "../../src/wire/wire.js";
import { createSampler, type Sampler } from "../../src/sampler/sampler.js";

const MATRIX = "/admin/api/v1/keyviz/matrix";

function bigTable(series: MatrixTable["series"]): MatrixTable {
  const width = 600;
  const rows = 300;
  const values = Float64Array.from({ length: rows * width }, (_, i) => (i * 2654435761) % 100003);
  return {
    series,
    generated_at: "2026-01-02T03:04:05.006Z",
    column_unix_ms: Array.from({ length: width }, (_, i) => 1_700_000_000_000 + i * 60_000),
    heads: Array.from({ length: rows }, (_, i) => ({
      bucket_id: `route:${i}`,
      label: "",
      start: null,
      end: null,
      aggregate: false,
      route_count: 1,
    })),
    cellRow: Uint32Array.from({ length: rows }, (_, i) => i),
    values,
    groups: new Float64Array(rows * width).fill(4),
    terms: values.map((v) => v % 5),
    conflicts: null,
  };
}

class TableSampler extends FakeSampler {
  readonly tableCalls: MatrixQuery[] = [];
  matrixTable(q: MatrixQuery): MatrixTable {
    this.tableCalls.push(q);
    return bigTable(q.series);
  }
}

/**
 * A sampler of two routes ([, m) in group 1, [m, ) in group 2) with five flushed columns of
 * writes, c + 1 in column c; `beforeColumn` runs before each column is counted.
 */
function twoRouteSampler(beforeColumn: (s: Sampler, c: number) => void = () => {}): Sampler {
  let now = 60_000;
  const sampler = createSampler({ stepMs: 60_000, now: () => now });
  const enc = (s: string) => new TextEncoder().encode(s);
  sampler.registerRoute(1, null, enc("m"), 1);
  sampler.registerRoute(2, enc("m"), null, 2);
  for (let c = 0; c < 5; c++) {
    beforeColumn(sampler, c);
    for (let i = 0; i <= c; i++) sampler.observe(1 + (i % 2), 1, 10, 100);
    now += 60_000;
    sampler.flush();
  }
  return sampler;
}

describe("matrix endpoint: streamed from a MatrixTable", () => {
  it("sends the wire matrix's exact JSON in chunks, with no-store and the query passed through", async () => {
    const sampler = new TableSampler();
    const { url } = await startServer({ sampler });
    const r = await request(`${url}${MATRIX}?series=reads&rows=10`);
    expect(r.status).toBe(200);
    expect(r.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(r.headers["cache-control"]).toBe("no-store");
    expect(r.headers["x-content-type-options"]).toBe("nosniff");
    expect(r.headers["transfer-encoding"]).toBe("chunked");
    expect(r.text).toBe(JSON.stringify(toWireMatrix(bigTable("reads"))));
    expect(sampler.tableCalls).toEqual([{ series: "reads", rows: 10 }]);
    expect(sampler.matrixCalls).toEqual([]);
  });

  it("answers HEAD with the headers only", async () => {
    const { url } = await startServer({ sampler: new TableSampler() });
    const r = await request(url + MATRIX, { method: "HEAD" });
    expect(r.status).toBe(200);
    expect(r.text).toBe("");
  });

  it("serves a real sampler's matrix identical to sampler.matrix()", async () => {
    const sampler = twoRouteSampler();
    const { url } = await startServer({ sampler });
    const r = await request(url + MATRIX);
    expect(r.status).toBe(200);
    const expected = sampler.matrix({ series: "writes", rows: 1024 });
    expect(r.json.rows).toEqual(expected.rows);
    expect(r.json.column_unix_ms).toEqual(expected.column_unix_ms);
    expect(r.json.rows).toHaveLength(2);
    expect(r.headers["transfer-encoding"]).toBe("chunked");
  });

  it("a fan-out merges a real sampler's table with a peer exactly as mergeMatrices merges its matrix()", async () => {
    const sampler = twoRouteSampler((s, c) => {
      if (c === 0) s.setLeaderTerm(1, 4);
      if (c === 3) s.setLeaderTerm(1, 5); // route 1's row then has per-cell identities
    });
    const local = sampler.matrix({ series: "writes", rows: 1024 });
    const peerMatrix = {
      ...local,
      rows: local.rows.map((row) => ({ ...row, values: row.values.map((v, j) => v + j) })),
    };
    const peer = await startRawServer((_req, res) => res.end(JSON.stringify(peerMatrix)));
    const { url } = await startServer({ sampler, peers: [peer.url] });
    const r = await request(url + MATRIX + "?rows=1");
    expect(r.status).toBe(200);
    expect(r.json.fanout.responded).toBe(2);
    const expected = mergeMatrices([local, peerMatrix], { rows: 1 });
    expect(r.json.rows).toEqual(expected.rows);
    expect(r.json.column_unix_ms).toEqual(expected.column_unix_ms);
    expect(r.json.rows[0].conflict).toBe(true); // the peer disagrees at the same identity
  });
});
