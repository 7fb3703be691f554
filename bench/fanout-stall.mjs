// Event-loop stall of serving one big fan-out (issue 10.6): `node bench/fanout-stall.mjs`.
// Not part of `npm run bench` (it measures the longest pause of the server's event loop and how
// long another client waits, not time per op).
//
// Three processes per round, so only the keyviz server's own work is in the measured loop:
//   peer    a loopback node serving one valid ~--mb MB matrix (1 024 rows);
//   server  createServer over a sampler with an empty matrix and that peer (measured: the
//           longest gap between ticks of a 1 ms timer while the fan-out runs);
//   client  asks the server for the matrix (reads and discards the ~--mb MB answer) and, every
//           25 ms while that runs, GET /healthz: the longest /healthz wait is reported.
// Variants are builds: `--dist A --dist B` (e.g. main's dist copied before a change, and this
// one); each round runs every variant in its own processes, interleaved; medians reported.
//
//   npm run build && node bench/fanout-stall.mjs [--mb 50] [--rounds 3] [--dist dist/ ...]
import { fork } from "node:child_process";
import http from "node:http";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { bigMatrix } from "./lib/big-matrix.mjs";

const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(name);
  return i < 0 ? fallback : args[i + 1];
};
const self = fileURLToPath(import.meta.url);
const role = arg("--role", "parent");
if (role === "peer") await peer(Number(arg("--mb", "50")));
else if (role === "server") await server(arg("--dist"), arg("--peer"));
else if (role === "client") await client(arg("--url"));
else await parent();

/** Forks this script in `role`; resolves with its first message and the child. */
function start(role, extra) {
  const child = fork(self, ["--role", role, ...extra], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  return new Promise((resolve, reject) => {
    child.once("message", (m) => resolve({ child, m }));
    child.once("exit", (code) => reject(new Error(`${role} exited ${code}`)));
  });
}

async function parent() {
  const mb = arg("--mb", "50");
  const rounds = Number(arg("--rounds", "3"));
  const dists = args.flatMap((a, i) => (a === "--dist" ? [path.resolve(args[i + 1])] : []));
  if (dists.length === 0) dists.push(path.resolve(path.dirname(self), "../dist"));
  const results = new Map(dists.map((d) => [d, []]));
  const { child: peerProc, m: peerUrl } = await start("peer", ["--mb", mb]);
  for (let r = 0; r < rounds; r++) {
    for (const dist of dists) {
      const { child: srv, m: url } = await start("server", ["--dist", dist, "--peer", peerUrl]);
      const { child: cli, m: out } = await start("client", ["--url", url]);
      srv.send("report");
      const stall = await new Promise((resolve) => srv.once("message", resolve));
      srv.kill();
      cli.kill();
      results.get(dist).push({ ...out, stallMs: stall });
    }
  }
  peerProc.kill();
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(`fan-out of one ~${mb} MB peer answer, ${rounds} rounds, medians`);
  console.log("longest-stall-ms  healthz-max-wait-ms  fan-out-wall-ms  answer-bytes  dist");
  for (const [dist, rs] of results) {
    const col = (k, w) => String(median(rs.map((x) => x[k]))).padStart(w);
    console.log(
      `${col("stallMs", 16)}  ${col("healthzMaxMs", 19)}  ${col("wallMs", 15)}  ${col("bytes", 12)}  ${dist}`,
    );
  }
}

async function peer(targetMb) {
  const body = Buffer.from(JSON.stringify(bigMatrix(targetMb)));
  const srv = http.createServer((_req, res) => {
    res.writeHead(200, { "Content-Type": "application/json", "Content-Length": body.length });
    res.end(body);
  });
  await new Promise((r) => srv.listen(0, "127.0.0.1", () => r(undefined)));
  process.send(`http://127.0.0.1:${/** @type {import("node:net").AddressInfo} */ (srv.address()).port}`);
}

async function server(dist, peerUrl) {
  const { createServer } = await import(pathToFileURL(path.join(dist, "server/index.js")).href);
  const sampler = {
    matrix: (q) => ({ column_unix_ms: [], rows: [], series: q.series, generated_at: new Date(0).toISOString() }),
    onFlush: () => () => {},
  };
  const srv = createServer({
    sampler,
    peers: [peerUrl],
    fanoutTimeoutMs: 120_000,
    logger: { info() {}, warn() {}, error() {} },
  });
  const { port } = await srv.listen();
  let last = performance.now();
  let stall = 0;
  setInterval(() => {
    const now = performance.now();
    stall = Math.max(stall, now - last);
    last = now;
  }, 1);
  process.on("message", () => process.send(Math.round(stall)));
  setTimeout(() => {
    stall = 0;
    last = performance.now();
    process.send(`http://127.0.0.1:${port}`);
  }, 50);
}

async function client(url) {
  const agent = new http.Agent({ keepAlive: true });
  const get = (p, sink) =>
    new Promise((resolve, reject) => {
      http
        .get(url + p, { agent }, (res) => {
          let bytes = 0;
          res.on("data", (c) => (bytes += c.length));
          res.on("end", () => resolve(bytes));
          res.on("error", reject);
          sink?.(res);
        })
        .on("error", reject);
    });
  const state = { done: false };
  let healthzMaxMs = 0;
  const probe = (async () => {
    while (!state.done) {
      const t = performance.now();
      await get("/healthz");
      if (!state.done) healthzMaxMs = Math.max(healthzMaxMs, performance.now() - t);
      await new Promise((r) => setTimeout(r, 25));
    }
  })();
  const t0 = performance.now();
  const bytes = await get("/admin/api/v1/keyviz/matrix");
  const wallMs = Math.round(performance.now() - t0);
  state.done = true;
  await probe;
  process.send({ wallMs, healthzMaxMs: Math.round(healthzMaxMs), bytes });
}
