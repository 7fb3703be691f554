// Issue 4 — the heatmap matrix: 1440 columns × 10 000 routes down to 1 024 rows, in Wasm and in
// the pure-JS build of the same algorithm, the JSON response size, the fan-out merge of 3 nodes,
// a matrix request end to end from a sampler filled through observe + flush (sampler.matrix(),
// and GET /matrix over loopback, streamed or through JSON.stringify), and the plain-JS floor they
// are compared with (one pass summing as many stored u32 values as the history holds).
//   node bench/variants/matrix.mjs <variant>
import http from "node:http";
import { runVariant } from "../lib/child.mjs";
import { hasDist, importDist } from "../lib/dist.mjs";
import { filledSampler } from "../lib/fixtures.mjs";
import { makeView, MATRIX_COLUMNS, MATRIX_ROUTES } from "../lib/matrix-view.mjs";
import { msPerCall, msPerCallAsync } from "../lib/measure.mjs";

const ROWS = 1024;
const NOW = Date.UTC(2025, 0, 2);

function total(m) {
  let s = 0;
  for (const row of m.rows) for (const v of row.values) s += v;
  return s;
}

async function build(fnName) {
  const buildFn = (await importDist("matrix/build.js"))[fnName];
  const view = makeView(1);
  /** @type {any} the last matrix built, read after timing */
  let m;
  const r = msPerCall(() => {
    m = buildFn(view, { rows: ROWS, nowMs: NOW });
  });
  const t0 = performance.now();
  const json = JSON.stringify(m);
  return {
    ...r,
    rows: m.rows.length,
    columns: m.column_unix_ms.length,
    total: total(m),
    jsonBytes: Buffer.byteLength(json),
    stringifyMs: performance.now() - t0,
  };
}

const variants = {
  "matrix-wasm": () => build("buildMatrix"),
  "matrix-js": () => build("buildMatrixJs"),

  // Three nodes, each with its own activity (different seeds): their budgets merge different
  // runs, so the union holds more than 1 024 rows and the merge must re-budget.
  "merge-3": async () => {
    const { buildMatrix } = await importDist("matrix/build.js");
    const { mergeMatrices } = await importDist("matrix/merge.js");
    const parts = [1, 2, 3].map((seed) => buildMatrix(makeView(seed), { rows: ROWS, nowMs: NOW }));
    /** @type {any} the last matrix built, read after timing */
    let m;
    const r = msPerCall(() => {
      m = mergeMatrices(parts, { rows: ROWS, nowMs: NOW });
    });
    const unionRows = new Set(parts.flatMap((p) => p.rows.map((row) => row.bucket_id))).size;
    return { ...r, unionRows, rows: m.rows.length, jsonBytes: Buffer.byteLength(JSON.stringify(m)) };
  },

  // The same merge as the server's fan-out does it (src/server/matrix-handler.ts, without the
  // time slicing): this node's matrix as its MatrixTable, copied into the merge's own cells; the
  // two peer answers as the server has them once received (decoded from their JSON bytes, counts
  // in typed arrays; the decoding is not timed, as merge-3's inputs are built before timing) and
  // validated; merged into typed cells the next merge reuses; the result written as JSON, never
  // built as wire objects. merge-3 above is the library's mergeMatrices, which must return
  // number[] rows. A build before the table path (4731a58) merges three wire objects instead.
  "merge-3-server": async () => {
    const { buildMatrix, buildMatrixTable } = await importDist("matrix/build.js");
    const { writeMatrixJson } = await importDist("matrix/json-writer.js");
    const { matrixProblem } = await importDist("wire/validate.js");
    const viaTable = hasDist("matrix/table-input.js");
    const parts = [1, 2, 3].map((seed) => buildMatrix(makeView(seed), { rows: ROWS, nowMs: NOW }));
    const peers = viaTable ? await decodedPeers(parts.slice(1)) : parts.slice(1);
    const merge = viaTable
      ? await serverMerge(ownedTable(buildMatrixTable(makeView(1), { rows: ROWS, nowMs: NOW })))
      : null;
    const { mergeCheckedTable } = await importDist("matrix/merge.js");
    let jsonBytes = 0;
    const r = msPerCall(() => {
      for (const peer of peers) {
        const problem = matrixProblem(peer, "writes");
        if (problem !== null) throw new Error(`merge-3-server: ${problem}`);
      }
      const table = merge !== null ? merge(peers) : mergeCheckedTable(parts, { rows: ROWS, nowMs: NOW });
      jsonBytes = 0;
      writeMatrixJson(table, (chunk) => (jsonBytes += chunk.length));
    });
    return { ...r, jsonBytes, path: viaTable ? "local table + decoded peers" : "three wire objects" };
  },

  // A matrix request end to end on a sampler filled with the same shape through the public API:
  // sampler.matrix() once it exists, else the two steps it takes (series view, buildMatrix).
  "matrix-e2e": async () => {
    const { buildMatrix } = await importDist("matrix/build.js");
    const { sampler } = await filledSampler({ routes: MATRIX_ROUTES, columns: MATRIX_COLUMNS });
    const viaSampler = typeof sampler.matrix === "function";
    const run = viaSampler
      ? () => sampler.matrix({ series: "writes", rows: ROWS })
      : () => buildMatrix(sampler.history.seriesView("writes"), { rows: ROWS, nowMs: NOW });
    /** @type {any} the last matrix built, read after timing */
    let m;
    const r = msPerCall(() => (m = run()));
    return { ...r, path: viaSampler ? "sampler.matrix()" : "history.seriesView + buildMatrix", rows: m.rows.length };
  },
};

/** Peer answers as the server holds them: parsed from their JSON bytes with the row decoder. */
async function decodedPeers(matrices) {
  const { parseJsonYielding } = await importDist("server/yielding-json.js");
  const { MATRIX_ROWS } = await importDist("server/matrix-row-decoder.js");
  return Promise.all(
    matrices.map((m) => parseJsonYielding(Buffer.from(JSON.stringify(m)), { budgetMs: 1e9, elements: MATRIX_ROWS })),
  );
}

/**
 * A built table with its cells copied out of the matrix module's memory: the server merges a
 * fresh build each time, while this benchmark merges one table again and again, and the merge's
 * row-budget plan may grow that memory (detaching views of it) in between.
 */
function ownedTable(t) {
  const id = t.identity;
  return {
    ...t,
    values: t.values.slice(),
    groups: t.groups.slice(),
    terms: t.terms.slice(),
    identity: id && { group: id.group.slice(), term: id.term.slice(), perCell: id.perCell.slice() },
  };
}

/** The server's merge of `local` (a MatrixTable) with peers, run straight through. */
async function serverMerge(local) {
  const { tableInput } = await importDist("matrix/table-input.js");
  const { mergeWithLocalSteps, newMergeBuffers } = await importDist("matrix/merge.js");
  const { runSteps } = await importDist("steps.js");
  const buffers = newMergeBuffers();
  const copy = { slab: undefined };
  return (peers) =>
    runSteps(mergeWithLocalSteps(tableInput(local, copy), local.series, peers, { rows: ROWS, nowMs: NOW }, buffers));
}

/** Drains one GET on a fresh connection; resolves with the status and body size. */
function fetchBytes(url) {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        let bytes = 0;
        res.on("data", (c) => (bytes += c.length));
        res.on("end", () => resolve({ status: res.statusCode, bytes }));
        res.on("error", reject);
      })
      .on("error", reject);
  });
}

/**
 * GET /matrix end to end on 127.0.0.1 (build + serialise + send + receive, client and server in
 * this process, so the CPU clock counts both). `port` picks what the server sees: the sampler
 * itself (its matrixTable() is written and streamed) or only its matrix() (JSON.stringify).
 */
async function httpMatrix(port) {
  const { createServer } = await importDist("server/index.js");
  const { sampler } = await filledSampler({ routes: MATRIX_ROUTES, columns: MATRIX_COLUMNS });
  const server = createServer({ sampler: port(sampler), host: "127.0.0.1", port: 0 });
  await server.listen();
  const url = `${server.url}/admin/api/v1/keyviz/matrix?series=writes&rows=${ROWS}`;
  let last = { status: 0, bytes: 0 };
  try {
    const r = await msPerCallAsync(async () => {
      last = await fetchBytes(url);
      if (last.status !== 200) throw new Error(`GET /matrix answered ${last.status}`);
    });
    return { ...r, bodyBytes: last.bytes, streamed: typeof port(sampler).matrixTable === "function" };
  } finally {
    await server.close();
  }
}

/**
 * Two peers for a fan-out: plain HTTP servers on 127.0.0.1 that answer any GET with one fixed
 * matrix body (a peer's own build is not this node's work). Resolves with their base URLs and a
 * close function.
 */
async function staticPeers(bodies) {
  const servers = await Promise.all(
    bodies.map(
      (body) =>
        new Promise((resolve) => {
          const s = http.createServer((_req, res) => {
            res.writeHead(200, { "content-type": "application/json", "content-length": body.length });
            res.end(body);
          });
          s.listen(0, "127.0.0.1", () => resolve(s));
        }),
    ),
  );
  return {
    urls: servers.map((s) => `http://127.0.0.1:${s.address().port}`),
    close: () => Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve)))),
  };
}

/**
 * GET /matrix on a node with two peers, end to end over loopback: the local build, the peers'
 * answers received, parsed and validated, the sliced merge and its streamed JSON. The peers
 * answer the 1 024-row writes matrices of two synthetic views (other seeds, other activity) on
 * the local node's columns, so every column lines up and rows of the same bucket id merge.
 */
async function httpFanout() {
  const { createServer } = await importDist("server/index.js");
  const { buildMatrix } = await importDist("matrix/build.js");
  const { sampler } = await filledSampler({ routes: MATRIX_ROUTES, columns: MATRIX_COLUMNS });
  const columns = sampler.matrix({ series: "writes", rows: 1 }).column_unix_ms;
  const bodies = [2, 3].map((seed) => {
    const m = buildMatrix(makeView(seed), { rows: ROWS, nowMs: NOW });
    return Buffer.from(JSON.stringify({ ...m, column_unix_ms: columns }));
  });
  const peers = await staticPeers(bodies);
  const server = createServer({ sampler, host: "127.0.0.1", port: 0, peers: peers.urls });
  await server.listen();
  const url = `${server.url}/admin/api/v1/keyviz/matrix?series=writes&rows=${ROWS}`;
  let last = { status: 0, bytes: 0 };
  try {
    // 8 s of calls, not the usual 2.5: a call's collections vary a lot, and 4 samples did not settle.
    const r = await msPerCallAsync(
      async () => {
        last = await fetchBytes(url);
        if (last.status !== 200) throw new Error(`GET /matrix answered ${last.status}`);
      },
      { budgetMs: 8000 },
    );
    return { ...r, bodyBytes: last.bytes, peerBytes: bodies.map((b) => b.length) };
  } finally {
    await server.close();
    await peers.close();
  }
}

Object.assign(variants, {
  // The floor of any pass over the stored history: sum a Uint32Array holding as many values as
  // the matrix-e2e history stores (1 440 columns × 10 000 routes).
  "sum-u32": () => {
    const values = Uint32Array.from(
      { length: MATRIX_COLUMNS * MATRIX_ROUTES },
      (_, i) => Math.imul(i, 0x9e3779b1) >>> 20,
    );
    let sum = 0;
    const r = msPerCall(() => {
      let s = 0;
      for (let i = 0; i < values.length; i++) s += values[i];
      sum = s;
    });
    return { ...r, values: values.length, sum };
  },
  // What this host charges for fresh memory, the part of an allocating figure (sampler.matrix()'s
  // number[] rows, merge-3's wire output) that is the host's rather than the code's: µs per
  // 4 KiB page first touched. 64 MiB is above glibc's largest mmap threshold (32 MiB), so every
  // buffer is a fresh mapping, never recycled heap memory that calloc would clear instead.
  "first-touch-page": () => {
    const bytes = 64 << 20;
    const pages = bytes / 4096;
    let touched = 0;
    const r = msPerCall(() => {
      const b = new Uint8Array(bytes);
      for (let i = 0; i < bytes; i += 4096) b[i] = 1;
      touched += b[bytes - 4096];
    });
    // Its faults are what it measures, not a note on it (report.mjs notes pageFaultsPerCall).
    const { pageFaultsPerCall: _, ...times } = r;
    const perPage = (ms) => (ms * 1000) / pages;
    return { ...times, value: perPage(r.value), min: perPage(r.min), max: perPage(r.max), pages, touched };
  },
  "matrix-e2e-young64": variants["matrix-e2e"], // the same run; the catalog adds V8 flags
  "matrix-http": () => httpMatrix((s) => s),
  "matrix-http-fanout": () => httpFanout(),
  "matrix-http-stringify": () => httpMatrix((s) => ({ matrix: (q) => s.matrix(q), onFlush: (l) => s.onFlush(l) })),
});

await runVariant(variants);
