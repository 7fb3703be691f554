// Event-loop stall of parsing a large peer answer (issue 10.6): `node bench/peer-parse-stall.mjs`.
// Not part of `npm run bench` (it measures the longest pause of the event loop, not time per op).
//
// A loopback fake peer serves one valid matrix of about --mb MB. Each variant runs in its own
// child process, rounds interleaved; reported: median over rounds of the longest gap between
// ticks of a 1 ms timer while the work runs, and of the work's wall time.
//   json-parse   the body fetched from the peer, then JSON.parse (what peer-client did before)
//   yielding     the same body through parseJsonYielding (what peer-client does now)
//   fan-out      a whole keyviz matrix request fanning out to the peer (parse + merge + respond)
//
//   node bench/peer-parse-stall.mjs [--mb 50] [--rounds 3]   (uses the build in dist/)
import { spawnSync } from "node:child_process";
import http from "node:http";
import { fileURLToPath } from "node:url";
import { bigMatrix } from "./lib/big-matrix.mjs";

const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(name);
  return i < 0 ? fallback : args[i + 1];
};
const mb = Number(arg("--mb", "50"));
const VARIANTS = ["json-parse", "yielding", "fan-out"];

if (arg("--child", null) !== null) await child(arg("--child"), mb);
else parent();

function parent() {
  const rounds = Number(arg("--rounds", "3"));
  const results = Object.fromEntries(VARIANTS.map((v) => [v, []]));
  for (let r = 0; r < rounds; r++) {
    for (const v of VARIANTS) {
      const out = spawnSync(process.execPath, [fileURLToPath(import.meta.url), "--child", v, "--mb", String(mb)], {
        encoding: "utf8",
      });
      if (out.status !== 0) throw new Error(`${v} failed: ${out.stderr}`);
      results[v].push(JSON.parse(out.stdout.trim().split("\n").pop()));
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(`matrix body ~${mb} MB, ${rounds} rounds, median of each`);
  console.log("variant      longest-stall-ms  wall-ms  body-bytes");
  for (const v of VARIANTS) {
    const rs = results[v];
    console.log(
      `${v.padEnd(12)} ${String(median(rs.map((x) => x.stallMs))).padStart(16)} ${String(median(rs.map((x) => x.wallMs))).padStart(8)}  ${rs[0].bytes}`,
    );
  }
}

async function child(variant, targetMb) {
  const body = Buffer.from(JSON.stringify(bigMatrix(targetMb)));
  const peer = http.createServer((_req, res) => {
    res.writeHead(200, { "Content-Type": "application/json", "Content-Length": body.length });
    res.end(body);
  });
  await new Promise((r) => peer.listen(0, "127.0.0.1", () => r(undefined)));
  const peerUrl = `http://127.0.0.1:${/** @type {import("node:net").AddressInfo} */ (peer.address()).port}`;
  const dist = new URL("../dist/", import.meta.url);
  let work;
  if (variant === "fan-out") {
    const { createServer } = await import(new URL("server/index.js", dist).href);
    const sampler = {
      matrix: (q) => ({ column_unix_ms: [], rows: [], series: q.series, generated_at: new Date(0).toISOString() }),
      onFlush: () => () => {},
    };
    const server = createServer({
      sampler,
      peers: [peerUrl],
      fanoutTimeoutMs: 60_000,
      logger: { info() {}, warn() {}, error() {} },
    });
    const { port } = await server.listen();
    work = async () => {
      const res = await fetch(`http://127.0.0.1:${port}/admin/api/v1/keyviz/matrix`);
      const m = await res.json();
      if (m.fanout.responded !== 2) throw new Error(JSON.stringify(m.fanout));
    };
  } else {
    const raw = Buffer.from(await (await fetch(peerUrl)).arrayBuffer());
    const { parseJsonYielding } = await import(new URL("server/yielding-json.js", dist).href);
    work = variant === "json-parse" ? async () => JSON.parse(raw.toString("utf8")) : () => parseJsonYielding(raw);
  }
  let last = performance.now();
  let stall = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    stall = Math.max(stall, now - last);
    last = now;
  }, 1);
  await new Promise((r) => setTimeout(r, 20));
  stall = 0;
  last = performance.now();
  const t0 = performance.now();
  await work();
  const wallMs = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 5));
  clearInterval(ticker);
  console.log(JSON.stringify({ stallMs: Math.round(stall), wallMs: Math.round(wallMs), bytes: body.length }));
  process.exit(0);
}
