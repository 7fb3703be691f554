#!/usr/bin/env node
// The `keyviz` command (Node only): picks the command, parses its flags, and turns any failure into
// one line on stderr with a non-zero exit (2 = wrong usage, 1 = the work failed).
import { CliError, commandHelp, parseCommand, UsageError, type Command } from "./command.js";
import { demoCommand } from "./commands/demo.js";
import { inspectCommand } from "./commands/inspect.js";
import { recordCommand } from "./commands/record.js";
import { renderCommand } from "./commands/render.js";
import { serveCommand } from "./commands/serve.js";
import { stdoutFailure, watchStdout } from "./stdout-failure.js";

const COMMANDS: readonly Command[] = [demoCommand, recordCommand, inspectCommand, serveCommand, renderCommand];

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    "usage: keyviz <command> [options]",
    "",
    "keyviz: a time × key-range heatmap of a sharded system's load.",
    "",
    "commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "keyviz <command> --help shows a command's options.",
  ].join("\n");
}

/** The command called `name`; a usage error listing the commands if there is none. */
function commandNamed(name: string): Command {
  const cmd = COMMANDS.find((c) => c.name === name);
  if (cmd !== undefined) return cmd;
  throw new UsageError(
    `unknown command "${name}" (commands: ${COMMANDS.map((c) => c.name).join(", ")}; see keyviz --help)`,
  );
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    console.error(mainHelp()); // a usage error: exit 2, and the usage on stderr like every other
    return 2;
  }
  if (name === "help" && rest[0] !== undefined && rest[0] !== "help") {
    console.log(commandHelp(commandNamed(rest[0]))); // keyviz help render
    return 0;
  }
  if (name === "--help" || name === "-h" || name === "help") {
    console.log(mainHelp());
    return 0;
  }
  const cmd = commandNamed(name);
  const parsed = parseCommand(cmd, rest);
  if (parsed === "help") {
    console.log(commandHelp(cmd));
    return 0;
  }
  return cmd.run(parsed);
}

watchStdout();
main(process.argv.slice(2)).then(exitWith, (err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  console.error(`keyviz: ${message}`);
  // Anything but a usage or known failure is a bug: keep its stack where it can be found.
  if (!(err instanceof UsageError || err instanceof CliError) && process.env.KEYVIZ_DEBUG) console.error(err);
  exitWith(err instanceof UsageError ? 2 : 1);
});

/**
 * Exits with `code`, or with 1 and one line if stdout could not be written. That error arrives a
 * tick after the write, so the exit waits for it; a command that failed already said why.
 */
function exitWith(code: number): void {
  setImmediate(() => {
    const failure = code === 0 ? stdoutFailure() : undefined;
    if (failure !== undefined) console.error(`keyviz: cannot write output: ${failure}`);
    process.exit(failure === undefined ? code : 1);
  });
}
