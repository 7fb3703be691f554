// The flush after a split, with storage on (issue 11): `node bench/split-flush-stall.mjs`.
// Not part of `npm run bench` (one long setup per measurement, not time per op).
//
// A sampler with storage (fsync "never", a fresh temp directory) and --routes routes fills
// --columns columns, then splits one route and times the next flush (stats().lastFlushDurationMs)
// against a plain flush just before it. Each round is its own process; medians reported.
// `--dist DIR` picks the build (default dist/), e.g. a copy of main's dist before a change.
//
//   npm run build && node bench/split-flush-stall.mjs [--routes 1000] [--columns 1440] [--rounds 3] [--dist dist/]
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(name);
  return i < 0 ? fallback : args[i + 1];
};
const routes = Number(arg("--routes", "1000"));
const columns = Number(arg("--columns", "1440"));
const dist = path.resolve(arg("--dist", fileURLToPath(new URL("../dist", import.meta.url))));

if (arg("--role", "parent") === "child") await child();
else parent();

function parent() {
  const rounds = Number(arg("--rounds", "3"));
  const plain = [];
  const split = [];
  for (let r = 0; r < rounds; r++) {
    const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), ...args, "--role", "child"], {
      encoding: "utf8",
    });
    const m = JSON.parse(out);
    plain.push(m.plainMs);
    split.push(m.splitMs);
  }
  const median = (a) => a.sort((x, y) => x - y)[a.length >> 1];
  console.log(
    `${routes} routes × ${columns} columns, ${rounds} rounds: plain flush ${median(plain).toFixed(2)} ms, ` +
      `flush after a split ${median(split).toFixed(2)} ms (median)`,
  );
}

async function child() {
  const { createSampler } = await import(pathToFileURL(path.join(dist, "index.js")).href);
  const dir = mkdtempSync(path.join(tmpdir(), "keyviz-split-stall-"));
  let now = 1_700_000_000_000;
  const s = createSampler({ stepMs: 1000, historyColumns: columns, now: () => now, storage: { dir, fsync: "never" } });
  const key = (i) => (i === 0 ? null : new Uint8Array([i >> 8, i & 255]));
  for (let r = 0; r < routes; r++) s.registerRoute(r + 1, key(r), r + 1 === routes ? null : key(r + 1));
  const flush = () => {
    for (let r = 1; r <= routes; r++) s.observe(r, 1, 8, 8);
    now += 1000;
    s.flush();
    return s.stats().lastFlushDurationMs;
  };
  for (let c = 0; c < columns; c++) flush();
  const plainMs = flush();
  const mid = new Uint8Array([0, 4, 128]);
  s.replaceRoutes(
    [5],
    [
      { routeId: routes + 10, start: key(4), end: mid },
      { routeId: routes + 11, start: mid, end: key(5) },
    ],
  );
  const splitMs = flush();
  s.close();
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(JSON.stringify({ plainMs, splitMs }));
}
