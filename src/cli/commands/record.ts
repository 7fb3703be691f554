// `keyviz record --seconds N --out FILE.kvz`: the demo (store, workload, balancer) run in
// simulated time, written as a `.kvz` export file. A progress bar shows on a terminal.
import { intFlag, stringFlag, UsageError, type Command, type Parsed } from "../command.js";
import { simulateDemo } from "../demo-recording.js";
import { MAX_HISTORY_COLUMNS } from "../../sampler/options.js";
import { progressBar } from "../progress.js";
import { reportWritten, writeOutput } from "../write-output.js";
import { MAX_DATE_MS } from "../../history/inspect.js";

export const recordCommand: Command = {
  name: "record",
  summary: "Record the demo workload (simulated, faster than real time) into a .kvz file.",
  flags: {
    seconds: { type: "string", arg: "N", help: "seconds of demo time to record (required)" },
    out: { type: "string", arg: "FILE", help: "the .kvz file to write (required)" },
    "step-ms": { type: "string", arg: "N", help: "column width in ms (default 1000)" },
    rate: { type: "string", arg: "N", help: "requests per simulated second (default 2000)" },
    seed: { type: "string", arg: "N", help: "random seed: the same seed and end time give the same file (default 1)" },
    end: { type: "string", arg: "MS", help: "unix ms of the last column (default: now)" },
  },
  run: (parsed) => runRecord(parsed),
};

async function runRecord(parsed: Parsed): Promise<number> {
  if (parsed.values.seconds === undefined) throw new UsageError("record: --seconds N is required");
  const out = stringFlag(parsed, "out");
  if (out === undefined) throw new UsageError("record: --out FILE is required");
  if (out === "") throw new UsageError("record: --out must not be empty");
  const seconds = intFlag(parsed, "seconds", 0, 1, 7 * 86_400);
  const stepMs = intFlag(parsed, "step-ms", 1000, 100, 3_600_000);
  const rate = intFlag(parsed, "rate", 2000, 1, 1_000_000);
  const seed = intFlag(parsed, "seed", 1, 0, 2 ** 32 - 1);
  const steps = Math.max(1, Math.round((seconds * 1000) / stepMs));
  // A recording is one sampler's history: more columns than it keeps would be dropped silently.
  if (steps > MAX_HISTORY_COLUMNS) {
    throw new UsageError(
      `record: --seconds ${seconds} at --step-ms ${stepMs} is ${steps} columns; a recording holds at most ${MAX_HISTORY_COLUMNS} (raise --step-ms or lower --seconds)`,
    );
  }
  // The first window must start at or after 0, and the last column be a time Date can show.
  const endMs = intFlag(parsed, "end", Math.floor(Date.now() / stepMs) * stepMs, steps * stepMs, MAX_DATE_MS);
  const bar = progressBar(`recording ${steps} columns`, steps);
  const sampler = await simulateDemo({ steps, stepMs, rate, seed, endMs, onStep: (done) => bar.update(done) });
  bar.done();
  const file = sampler.exportHistory();
  const delivery = await writeOutput(out, file);
  reportWritten(delivery, `keyviz record: wrote ${out} (${steps} columns, ${file.length} bytes)`);
  return 0;
}
