// `keyviz demo` (what `npm start` runs): the demo store under the demo workload, sampled at a 1 s
// step, with the viewer and the API on loopback, a one-line live status and a clean Ctrl-C. History
// is kept on disk (--dir, default one fixed folder under the OS temp dir), so a restart continues.
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HistoryFormatError } from "../../history/format-error.js";
import { createSampler, type Sampler } from "../../sampler/sampler.js";
import { createServer, type KeyvizServer } from "../../server/index.js";
import { listenOrExplain, stopSignal } from "../serve-loop.js";
import { asciiHeatmap } from "../ascii-heatmap.js";
import { CliError, intFlag, stringFlag, type Command, type Parsed } from "../command.js";
import { DemoBalancer } from "../demo-balancer.js";
import { createDemoStore, DEMO_SAMPLER_OPTIONS } from "../demo-store.js";
import { CAPACITY, DemoWorkload } from "../demo-workload.js";

export const DEFAULT_PORT = 8080;
/** Where the demo keeps its history unless told otherwise: the same folder every run. */
export const DEFAULT_DEMO_DIR = join(tmpdir(), "keyviz-demo");
/** Traffic is sent in slices this long, so it is spread over each step. */
const SLICE_MS = 100;
/**
 * The most time one slice makes requests for. A machine that cannot send `--rate` falls behind;
 * the backlog is dropped (the status line shows the rate reached) instead of being owed to the
 * next slice, which would grow without bound and keep `--duration` and Ctrl-C waiting for it.
 */
const MAX_SLICE_SPAN_MS = 2 * SLICE_MS;

export const demoCommand: Command = {
  name: "demo",
  summary:
    "Run a sharded in-memory store under a workload that shows what a key visualizer is for, with the live viewer.",
  flags: {
    port: { type: "string", arg: "N", help: `HTTP port on 127.0.0.1 (default ${DEFAULT_PORT}; 0 picks a free one)` },
    "step-ms": { type: "string", arg: "N", help: "flush interval in ms: one heatmap column per step (default 1000)" },
    rate: { type: "string", arg: "N", help: "requests per second before retries (default 10000)" },
    duration: { type: "string", arg: "S", help: "stop after S seconds (default: run until Ctrl-C)" },
    dir: {
      type: "string",
      arg: "DIR",
      help: `where the history is stored; a restart continues it (default ${DEFAULT_DEMO_DIR})`,
    },
    terminal: { type: "boolean", help: "also draw the heatmap in the terminal at every step" },
  },
  run: (parsed) => runDemo(parsed),
};

async function runDemo(parsed: Parsed): Promise<number> {
  const port = intFlag(parsed, "port", DEFAULT_PORT, 0, 65535);
  const stepMs = intFlag(parsed, "step-ms", 1000, 100, 3_600_000);
  const rate = intFlag(parsed, "rate", 10_000, 1, 1_000_000);
  const duration = intFlag(parsed, "duration", 0, 1, 86_400 * 365);
  const terminal = parsed.values.terminal === true;
  const dir = stringFlag(parsed, "dir", DEFAULT_DEMO_DIR)!;

  const sampler = openSampler(stepMs, dir);
  const coordinator = createDemoStore(sampler);
  const server = createServer({ sampler, port });
  const url = await listenOrExplain(server, port).catch((err: unknown) => {
    sampler.close(); // releases the history directory's lock (the next demo would take it over anyway)
    throw err;
  });
  const out = process.stdout;
  const log = (line: string) => out.write(`${out.isTTY ? "\r\x1b[K" : ""}keyviz demo: ${line}\n`);
  log(`viewer and API at ${url} (Ctrl-C to stop)`);
  const recovered = sampler.stats().storage?.recoveredColumns ?? 0;
  log(`history in ${dir}${recovered > 0 ? ` (continuing ${recovered} columns)` : ""}`);

  const workload = new DemoWorkload(coordinator, { rate });
  const balancer = new DemoBalancer(coordinator, (CAPACITY * rate * stepMs) / 1000, log);
  const offFlush = sampler.onFlush((column) => {
    balancer.onColumn(column);
    const ops = column.rows.reduce((sum, r) => sum + r.reads + r.writes, 0) / (stepMs / 1000);
    const status = `${Math.round(ops)} ops/s, ${coordinator.table.size} routes, ${sampler.stats().columns} columns, ${balancer.splits} splits, ${balancer.merges} merges`;
    if (terminal) {
      // Clear the screen only on a terminal: a pipe or file gets each heatmap after the last.
      const heatmap = asciiHeatmap(sampler.matrix({ series: "reads", rows: 32 }), { width: 60, labelWidth: 14 });
      out.write(`${out.isTTY ? "\x1b[2J\x1b[H" : ""}${heatmap}\n\n`);
    }
    if (out.isTTY) out.write(`\r\x1b[K${status}`);
    else if (terminal || sampler.stats().columns % 10 === 0) out.write(`${status}\n`);
  });
  sampler.start();
  const driver = drive(workload);

  await stopSignal(duration * 1000);
  await driver.stop();
  offFlush();
  await shutdown(sampler, server);
  coordinator.close();
  if (out.isTTY) out.write("\n");
  log(`stopped after ${sampler.stats().columns} columns, ${workload.sent} requests`);
  return 0;
}

/** Sends the workload's slices back to back until stopped; slices never overlap nor grow past MAX_SLICE_SPAN_MS. */
function drive(workload: DemoWorkload): { stop(): Promise<void> } {
  const state = { stopped: false };
  let last = Date.now();
  const loop = (async () => {
    while (!state.stopped) {
      await new Promise((resolve) => setTimeout(resolve, SLICE_MS));
      const now = Date.now();
      await workload.run(Math.max(last, now - MAX_SLICE_SPAN_MS), now);
      last = now;
    }
  })();
  return {
    async stop() {
      state.stopped = true;
      await loop;
    },
  };
}

/** The demo's sampler with its history in `dir`; a directory it cannot use is one line. */
function openSampler(stepMs: number, dir: string): Sampler {
  try {
    // fsync "never": a synchronous fsync on a busy disk stalls the event loop (and with it the
    // workload) for as long as the disk takes; the demo's data is worth less than a smooth demo.
    // The OS still writes every column; only an OS crash could lose the last seconds.
    return createSampler({ ...DEMO_SAMPLER_OPTIONS, stepMs, storage: { dir, fsync: "never" } });
  } catch (err) {
    const why =
      err instanceof HistoryFormatError
        ? `${dir} holds a damaged history: ${err.message}`
        : (err as Error).message.replace(/^keyviz storage: /, "");
    throw new CliError(`cannot keep the demo's history: ${why}; pick another with --dir DIR`, { cause: err });
  }
}

/** Stops the timer, closes the server, then flushes the last partial column and releases the directory. */
async function shutdown(sampler: Sampler, server: KeyvizServer): Promise<void> {
  sampler.stop();
  await server.close();
  sampler.close();
}
