// keyviz benchmarks: `npm run bench` (= node bench/run.mjs). See docs/benchmarks.md.
//
// One variant per child process, rounds interleaved (round 1 of every variant, then round 2…),
// medians of the rounds, ratios against baselines measured in the same run.
//
//   node bench/run.mjs                      every default variant, 5 rounds
//   node bench/run.mjs --only observe       variants whose group is / name contains "observe"
//   node bench/run.mjs --only matrix,routing --rounds 3
//   node bench/run.mjs --all                also the extra variants
//   node bench/run.mjs --list               list variants and exit
//   --clock cpu|wall   time with process CPU time (default) or wall time
//   --dist DIR         benchmark the build in DIR (default dist/)
//   --build            build a private copy of the package into bench/out/dist and use it
//   --write            fold a partial run into bench/results.json and docs/benchmarks.md
//   --cpu N            run every child on core N (Linux `taskset`): a variant and its baseline
//                      then share one core, whose speed a virtual machine's neighbours set;
//                      variants that measure parallel threads (`everyCore`) still run on all
//
// A full default run writes bench/results.json and the table in docs/benchmarks.md; partial
// runs write bench/out/last-run.json only, unless --write (then their variants replace the
// same variants of the published results, each keeping the date it was measured).
import { spawnSync, execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { CATALOG, select } from "./lib/catalog.mjs";
import { markSlowCoreRounds } from "./lib/gauge.mjs";
import {
  formatValue,
  footnotes,
  markdownTable,
  mergeResults,
  resultsJson,
  rowsFromResults,
  summarize,
  textTable,
} from "./lib/report.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const CHILD_TIMEOUT_MS = 300_000;

function parseArgs(argv) {
  const opts = {
    only: [],
    all: false,
    rounds: 5,
    clock: "cpu",
    dist: null,
    build: false,
    write: false,
    list: false,
    cpu: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--only") opts.only.push(...value().split(",").filter(Boolean));
    else if (a === "--rounds") opts.rounds = Number(value());
    else if (a === "--clock") opts.clock = value();
    else if (a === "--dist") opts.dist = value();
    else if (a === "--all") opts.all = true;
    else if (a === "--build") opts.build = true;
    else if (a === "--write") opts.write = true;
    else if (a === "--list") opts.list = true;
    else if (a === "--cpu") opts.cpu = Number(value());
    else throw new Error(`unknown argument ${a} (see the header of bench/run.mjs)`);
  }
  if (!Number.isInteger(opts.rounds) || opts.rounds < 1) throw new Error("--rounds must be a positive integer");
  if (opts.clock !== "cpu" && opts.clock !== "wall") throw new Error("--clock must be cpu or wall");
  if (opts.cpu !== null && !(Number.isInteger(opts.cpu) && opts.cpu >= 0))
    throw new Error("--cpu must be a core number (0, 1, …)");
  return opts;
}

/** The dist directory to benchmark, building a private copy first with --build. */
function resolveDist(opts) {
  if (opts.build) {
    const wasmMissing = readdirSync(`${root}assembly`).some(
      (f) => f.endsWith(".ts") && !existsSync(`${root}src/wasm/${f.replace(/\.ts$/, ".wasm.ts")}`),
    );
    if (wasmMissing) execFileSync(process.execPath, ["scripts/build-wasm.mjs"], { cwd: root, stdio: "inherit" });
    const out = `${root}bench/out/dist`;
    console.error(`building the package into ${out} …`);
    // tsc exits non-zero on type errors anywhere but still emits; the import check below decides.
    spawnSync(
      process.execPath,
      [`${root}node_modules/typescript/bin/tsc`, "-p", "tsconfig.build.json", "--outDir", out],
      { cwd: root, stdio: "inherit" },
    );
    return out;
  }
  return opts.dist ?? `${root}dist`;
}

/** The command that starts a child: node itself, or node under `taskset -c N` with --cpu N. */
function childCommand(cpu, nodeArgs) {
  return cpu === null ? [process.execPath, nodeArgs] : ["taskset", ["-c", String(cpu), process.execPath, ...nodeArgs]];
}

function runChild(variant, env, cpu) {
  const args = [
    ...(variant.nodeArgs ?? []),
    "--max-old-space-size=6144",
    `${root}bench/variants/${variant.file}.mjs`,
    variant.name,
  ];
  const [command, argv] = childCommand(variant.everyCore ? null : cpu, args);
  const child = spawnSync(command, argv, {
    encoding: "utf8",
    env,
    timeout: CHILD_TIMEOUT_MS,
    maxBuffer: 16 * 2 ** 20,
  });
  if (child.status !== 0) {
    const why = child.error
      ? child.error.message
      : (child.stderr || `exit ${child.status}`).trim().split("\n").slice(-3).join(" | ");
    return { error: why };
  }
  try {
    return JSON.parse(child.stdout.trim().split("\n").pop());
  } catch {
    return { error: `unreadable output: ${child.stdout.slice(-200)}` };
  }
}

function updateDocs(results) {
  const rows = rowsFromResults(results);
  const file = `${root}docs/benchmarks.md`;
  if (!existsSync(file)) return console.error("docs/benchmarks.md not found: table not written there");
  const doc = readFileSync(file, "utf8");
  const start = "<!-- bench:results:start -->";
  const end = "<!-- bench:results:end -->";
  const a = doc.indexOf(start);
  const b = doc.indexOf(end);
  if (a < 0 || b < a) return console.error("docs/benchmarks.md has no results markers: table not written there");
  const m = results.machine;
  const notes = footnotes(rows);
  const runs = results.runs ?? [{ date: results.date, settings: results.settings }];
  // The header describes the first (full) run; `results.settings` are the latest partial run's.
  const first = runs[0].settings ?? results.settings;
  const when = (d) => `${d.slice(0, 16).replace("T", " ")} UTC`;
  const core = (settings) => (settings.cpu === null || settings.cpu === undefined ? "" : ` on core ${settings.cpu}`);
  const partial = runs.slice(1).map((r) => `${r.settings.only.join(", ")} re-run ${when(r.date)}${core(r.settings)}`);
  const body = [
    start,
    `Run ${when(runs[0].date)} · Node ${m.node} · ${m.cpu} × ${m.cores} · ` +
      `clock: ${first.clock}${core(first)} · rounds: ${first.rounds} · ` +
      (partial.length
        ? `later partial runs: ${partial.join("; ")}`
        : `load average at start ${m.loadavgAtStart.join(" / ")} · ${results.elapsedSeconds} s`),
    "",
    markdownTable(rows),
    ...(notes.length ? ["", ...notes.map((n) => `- ${n}`)] : []),
    end,
  ].join("\n");
  writeFileSync(file, doc.slice(0, a) + body + doc.slice(b + end.length));
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const selected = select(opts);
  if (opts.list) {
    for (const v of CATALOG) console.log(`${v.group.padEnd(12)} ${v.name.padEnd(24)} ${v.extra ? "(extra)" : ""}`);
    return;
  }
  if (selected.length === 0) throw new Error(`no variant matches --only ${opts.only.join(",")}`);
  const dist = resolveDist(opts);
  if (opts.cpu !== null && spawnSync("taskset", ["-c", String(opts.cpu), "true"]).status !== 0) {
    throw new Error(
      `--cpu ${opts.cpu}: \`taskset -c ${opts.cpu}\` failed (Linux util-linux, and a core of that number)`,
    );
  }
  if (!existsSync(`${dist}/sampler/sampler.js`)) {
    throw new Error(`no built package at ${dist} (run \`npm run build\`, or pass --build for a private build)`);
  }
  // Bench-only Wasm modules are compiled once here, not inside timed processes.
  const files = new Set(selected.map((v) => v.file));
  if (files.has("sampler")) await (await import("./lib/wasm-inc.mjs")).prepareWasmInc();
  if (files.has("hotkeys")) await (await import("./lib/wasm-sketch.mjs")).prepareWasmSketch();

  const env = { ...process.env, KEYVIZ_DIST: dist, KEYVIZ_BENCH_CLOCK: opts.clock };
  const startedAt = new Date();
  const loadAtStart = loadavg().map((x) => +x.toFixed(2));
  const t0 = performance.now();
  const results = new Map(selected.map((v) => [v.name, []]));
  const runnable = selected.filter((v) => !v.from);
  const roundsOf = (v) => Math.min(opts.rounds, v.rounds ?? opts.rounds);
  const unpinned = runnable.some((v) => v.everyCore) ? " (parallel-thread variants on every core)" : "";
  const pinned = opts.cpu === null ? "" : `, pinned to core ${opts.cpu}${unpinned}`;
  console.error(`${runnable.length} variants, up to ${opts.rounds} rounds, clock ${opts.clock}, dist ${dist}${pinned}`);
  const show = (v, r, label) => {
    const shown = r.error ? `error: ${r.error}` : r.skipped ? `skipped: ${r.skipped}` : formatValue(r.value, v.unit);
    const gauge = typeof r.gaugeNs === "number" ? `  (gauge ${r.gaugeNs.toFixed(3)} ns)` : "";
    console.error(`${label} ${v.name.padEnd(22)} ${shown}${gauge}`);
  };
  for (let round = 0; round < opts.rounds; round++) {
    for (const v of runnable) {
      if (round >= roundsOf(v)) continue;
      if (round > 0 && results.get(v.name).every((r) => r.skipped)) continue;
      const r = runChild(v, env, opts.cpu);
      results.get(v.name).push(r);
      show(v, r, `[${round + 1}/${roundsOf(v)}]`);
    }
  }
  markSlowCoreRounds([...results.values()].flat());
  const elapsedS = (performance.now() - t0) / 1000;

  const rows = summarize(selected, results);
  const settings = { clock: opts.clock, rounds: opts.rounds, only: opts.only, all: opts.all, dist, cpu: opts.cpu };
  const out = resultsJson({ rows, settings, startedAt, loadAtStart, elapsedS });
  console.log(`\nkeyviz benchmarks — median of rounds, one process per variant per round (clock: ${opts.clock})`);
  console.log(textTable(rows));
  for (const n of footnotes(rows)) console.log(`  ${n}`);
  console.log(
    `\n${Math.round(elapsedS)} s; load average ${loadAtStart.join(" / ")} at start, ${out.machine.loadavg.join(" / ")} at end`,
  );

  const full = opts.only.length === 0;
  mkdirSync(`${root}bench/out`, { recursive: true });
  writeFileSync(`${root}bench/out/last-run.json`, JSON.stringify(out, null, 2) + "\n");
  const published = `${root}bench/results.json`;
  if (full || opts.write) {
    const merged =
      full || !existsSync(published)
        ? out
        : mergeResults(
            JSON.parse(readFileSync(published, "utf8")),
            out,
            CATALOG.map((v) => v.name),
          );
    writeFileSync(published, JSON.stringify(merged, null, 2) + "\n");
    updateDocs(merged);
    console.log(
      `wrote bench/results.json and the table in docs/benchmarks.md${full ? "" : " (merged into the last full run)"}`,
    );
  } else {
    console.log("partial run: wrote bench/out/last-run.json (use --write to publish it)");
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
