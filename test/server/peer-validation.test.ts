// Hostile or broken peers (issue 8, issue 10 items 4–5, issue 9 item 2): whatever a peer sends,
// a bad peer is a failed node in the `fanout` block and the answer is 200 with the other nodes'
// data — never a 500. Peers here are real loopback servers.
import { describe, expect, it } from "vitest";
import { hotKeysAnswer as hotKeys } from "../helpers.js";
import type { Logger } from "../../src/logger.js";
import { mergeMatrices } from "../../src/matrix/merge.js";
import type { Matrix } from "../../src/wire/wire.js";
import { FakeSampler, matrixOf, request, startRawServer, startServer } from "./fixtures.js";

const MATRIX = "/admin/api/v1/keyviz/matrix";
const HOTKEYS = "/admin/api/v1/keyviz/hotkeys";

function samplerWith(m: ReturnType<typeof matrixOf>): FakeSampler {
  const s = new FakeSampler();
  s.matrixResult = (q) => ({ ...m, series: q.series });
  return s;
}

function recordingLogger(): Logger & { lines: { level: string; message: string; fields?: Record<string, unknown> }[] } {
  const lines: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  return {
    lines,
    info: (message, fields) => lines.push({ level: "info", message, fields }),
    warn: (message, fields) => lines.push({ level: "warn", message, fields }),
    error: (message, fields) => lines.push({ level: "error", message, fields }),
  };
}

/** A peer answering `body` (any JSON) with 200. */
async function peerSending(body: unknown): Promise<string> {
  const raw = await startRawServer((_req, res) => {
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(JSON.stringify(body));
  });
  return raw.url;
}

const selfMatrix = matrixOf(
  "writes",
  [1000],
  [{ id: "route:1", start: null, end: "m", values: [5], groups: [1], terms: [3] }],
);
const goodPeerMatrix = matrixOf(
  "writes",
  [1000],
  [{ id: "route:2", start: "m", end: null, values: [7], groups: [2], terms: [4] }],
);

/** The good peer's matrix with one row spoiled by `spoil`. */
function spoiled(spoil: (row: Record<string, unknown>) => void): unknown {
  const m = structuredClone(
    matrixOf("writes", [1000], [{ id: "route:3", start: "x", end: null, values: [11], groups: [3], terms: [1] }]),
  );
  spoil(m.rows[0] as unknown as Record<string, unknown>);
  return m;
}

describe("matrix fan-out: a bad peer is a failed node, never a failed request", () => {
  it.each<[string, (row: Record<string, unknown>) => void, string]>([
    ["an undecodable start key", (r) => (r.start = "!!not-b64!!"), "rows[0].start is not standard base64 or null"],
    ["an undecodable end key", (r) => (r.end = "eA"), "rows[0].end is not standard base64 or null"],
    [
      "a malformed conflicts array",
      (r) => ((r.conflict = true), (r.conflicts = ["yes"])),
      "rows[0].conflicts[0] must be a boolean",
    ],
    [
      "string route_ids",
      (r) => ((r.aggregate = true), (r.route_ids = ["3"])),
      "rows[0].route_ids[0] must be a route id (unsigned integer)",
    ],
    ["a count of 1e999", (r) => (r.values = [Infinity]), "rows[0].values[0] must be a count (unsigned integer)"],
  ])(
    "a peer sending %s: 200, that peer failed, the other nodes' data kept, one warning logged",
    async (_name, spoil, problem) => {
      const good = await startServer({ sampler: samplerWith(goodPeerMatrix) });
      // JSON.stringify writes Infinity as null; a peer can send the literal 1e999 (JSON.parse: Infinity).
      const body = JSON.stringify(spoiled(spoil)).replace('"values":[null]', '"values":[1e999]');
      const bad = await startRawServer((_req, res) => res.end(body));
      const logger = recordingLogger();
      const { url } = await startServer({
        sampler: samplerWith(selfMatrix),
        peers: [good.url, bad.url],
        nodeName: "me",
        logger,
      });
      const r = await request(url + MATRIX);
      expect(r.status).toBe(200);
      expect(r.json.fanout).toEqual({
        nodes: [
          { node: "me", ok: true },
          { node: good.url, ok: true },
          { node: bad.url, ok: false, error: `malformed response: ${problem}` },
        ],
        responded: 2,
        expected: 3,
      });
      expect(r.json.rows.map((x: { bucket_id: string; values: number[] }) => [x.bucket_id, x.values])).toEqual([
        ["route:1", [5]],
        ["route:2", [7]],
      ]);
      const warnings = logger.lines.filter((l) => l.level === "warn");
      expect(warnings).toEqual([
        {
          level: "warn",
          message: "keyviz fan-out: peer failed",
          fields: { endpoint: MATRIX, node: bad.url, error: `malformed response: ${problem}` },
        },
      ]);
    },
  );

  it("a peer whose rows lack raft_group_ids/leader_terms (an older node) is merged, its counts kept", async () => {
    const old = matrixOf(
      "writes",
      [1000, 2000],
      [
        { id: "route:1", start: null, end: "m", values: [5, 4] },
        { id: "route:2", start: "m", end: null, values: [7, 9] },
      ],
    );
    for (const row of old.rows) {
      delete (row as Partial<typeof row>).raft_group_ids;
      delete (row as Partial<typeof row>).leader_terms;
    }
    const oldPeer = await peerSending(old);
    const shortPeer = await peerSending({
      ...matrixOf("writes", [2000], [{ id: "route:3", start: "z", end: null, values: [2], groups: [6], terms: [2] }]),
      rows: [
        {
          bucket_id: "route:3",
          start: "eg==",
          end: null,
          aggregate: false,
          route_count: 1,
          values: [2],
          raft_group_ids: [],
          leader_terms: [],
        },
      ],
    });
    const { url } = await startServer({
      sampler: samplerWith(selfMatrix),
      peers: [oldPeer, shortPeer],
      nodeName: "me",
    });
    const r = await request(url + MATRIX);
    expect(r.status).toBe(200);
    expect(r.json.fanout.responded).toBe(3);
    expect(r.json.column_unix_ms).toEqual([1000, 2000]);
    const byId = Object.fromEntries(r.json.rows.map((x: { bucket_id: string }) => [x.bucket_id, x]));
    // route:1: 5@(1,3) from self and 5 without identity from the old node → max 5 (§5.1), no conflict.
    expect(byId["route:1"]).toMatchObject({ values: [5, 4], raft_group_ids: [1, 0], leader_terms: [3, 0] });
    expect(byId["route:1"].conflict).toBeUndefined();
    expect(byId["route:2"]).toMatchObject({ values: [7, 9], raft_group_ids: [0, 0], leader_terms: [0, 0] });
    expect(byId["route:3"]).toMatchObject({ values: [0, 2], raft_group_ids: [0, 0], leader_terms: [0, 0] });
  });
});

/**
 * A peer answer over 256 KiB: parsed row by row, each row's counts read straight into typed
 * arrays (matrix-row-decoder.ts), or by JSON.parse where the decoder leaves a row to it.
 */
function bigPeerMatrix(): ReturnType<typeof matrixOf> {
  const columns = Array.from({ length: 64 }, (_, j) => 1000 * (j + 1));
  const rows = Array.from({ length: 500 }, (_, i) => ({
    id: `route:${i + 2}`,
    start: `k${String(i).padStart(4, "0")}`,
    end: i === 499 ? null : `k${String(i + 1).padStart(4, "0")}`,
    values: columns.map((_, j) => (i * 31 + j * 7) % 997),
    groups: columns.map(() => 1 + (i % 5)),
    terms: columns.map(() => 2),
  }));
  return matrixOf("writes", columns, rows);
}

describe("matrix fan-out: a big peer answer (its rows decoded as they are parsed)", () => {
  it("is merged exactly as mergeMatrices merges the parsed answer, large counts included", async () => {
    const big = bigPeerMatrix();
    big.rows[7]!.values[5] = 2 ** 60; // 19 digits: JSON.parse reads this row
    big.rows[8]!.values[0] = 999_999_999_999_999; // the largest the decoder reads itself
    const body = JSON.stringify(big);
    expect(body.length).toBeGreaterThan(256 * 1024);
    const peer = await peerSending(big);
    const { url } = await startServer({ sampler: samplerWith(selfMatrix), peers: [peer], nodeName: "me" });
    const r = await request(`${url}${MATRIX}?rows=1024`);
    expect(r.status).toBe(200);
    expect(r.json.fanout.responded).toBe(2);
    const { fanout: _, generated_at: __, ...merged } = r.json;
    const { generated_at: ___, ...want } = mergeMatrices([selfMatrix, JSON.parse(body) as Matrix], { rows: 1024 });
    expect(merged).toEqual(want);
  });

  it.each<[string, string, string]>([
    ["a fraction", "1.5", "rows[300].values[3] must be a count (unsigned integer)"],
    ["a negative count", "-4", "rows[300].values[3] must be a count (unsigned integer)"],
    ["a string", '"4"', "rows[300].values[3] must be a count (unsigned integer)"],
    ["a count above 2^64", "36893488147419103232", "rows[300].values[3] must be a count (unsigned integer)"],
  ])("deep inside, %s is named by the validator and fails that peer only", async (_name, cell, problem) => {
    const big = bigPeerMatrix();
    big.rows[300]!.values[3] = 123456;
    const body = JSON.stringify(big).replace("123456", cell);
    const bad = await startRawServer((_req, res) => res.end(body));
    const { url } = await startServer({ sampler: samplerWith(selfMatrix), peers: [bad.url], nodeName: "me" });
    const r = await request(url + MATRIX);
    expect(r.status).toBe(200);
    expect(r.json.fanout.nodes).toEqual([
      { node: "me", ok: true },
      { node: bad.url, ok: false, error: `malformed response: ${problem}` },
    ]);
    expect(r.json.rows.map((x: { bucket_id: string }) => x.bucket_id)).toEqual(["route:1"]);
  });
});

describe("hot-keys fan-out: peer answers are validated", () => {
  it.each<[string, string, string]>([
    [
      "a count of 1e999",
      JSON.stringify(hotKeys([["b", 16]])).replace('"count":16', '"count":1e999'),
      "keys[0].count must be an unsigned integer",
    ],
    [
      "an undecodable key",
      JSON.stringify(hotKeys([["b", 16]])).replace(/"key_b64":"[^"]*"/, '"key_b64":"!!not-b64!!"'),
      "keys[0].key_b64 is not standard base64",
    ],
    [
      "a key twice (its counts would have been added)",
      JSON.stringify(
        hotKeys([
          ["a", 500],
          ["a", 400],
        ]),
      ),
      "keys[1].key_b64 repeats keys[0]",
    ],
  ])("a peer sending %s is a failed node; the other nodes' keys are kept", async (_name, body, problem) => {
    const self = new FakeSampler();
    self.hotKeysEnabled = true;
    self.hotKeysResult = () => hotKeys([["a", 32]]);
    const bad = await startRawServer((_req, res) => res.end(body));
    const good = await peerSending(hotKeys([["c", 48]]));
    const { url } = await startServer({ sampler: self, peers: [bad.url, good], nodeName: "me" });
    const r = await request(`${url}${HOTKEYS}?route_id=7`);
    expect(r.status).toBe(200);
    expect(r.json.fanout.nodes).toEqual([
      { node: "me", ok: true },
      { node: bad.url, ok: false, error: `malformed response: ${problem}` },
      { node: good, ok: true },
    ]);
    expect(r.json.keys).toEqual([
      { key_b64: Buffer.from("c").toString("base64"), count: 48 },
      { key_b64: Buffer.from("a").toString("base64"), count: 32 },
    ]);
  });
});
