// `keyviz inspect FILE.kvz`: what a recording holds — format version and kind, when it was
// written, step, time span, columns, routes, row descriptions, stored cells and bytes per cell —
// from history/inspect.ts (one validating open).
import { HistoryFormatError } from "../../history/format-error.js";
import { formatSummary, inspectHistory, type HistorySummary } from "../../history/inspect.js";
import { CliError, type Command, type Parsed } from "../command.js";
import { readFileBytes } from "../read-history.js";

export const inspectCommand: Command = {
  name: "inspect",
  summary: "Describe a .kvz recording: version, span, routes, columns, size per stored cell.",
  args: "FILE.kvz",
  positionals: { min: 1, max: 1 },
  flags: {},
  run: (parsed) => runInspect(parsed),
};

async function runInspect(parsed: Parsed): Promise<number> {
  const file = parsed.positionals[0]!;
  const bytes = await readFileBytes(file);
  let summary: HistorySummary;
  try {
    summary = inspectHistory(bytes);
  } catch (err) {
    if (err instanceof HistoryFormatError)
      throw new CliError(`${file} is not a valid .kvz recording: ${err.message}`, { cause: err });
    throw err;
  }
  console.log(
    [
      file,
      ...formatSummary(summary)
        .split("\n")
        .map((l) => `  ${l}`),
    ].join("\n"),
  );
  return 0;
}
