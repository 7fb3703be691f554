// The CLI's command framework: each command declares its flags (node:util parseArgs options with
// a help line each) and a run function. Parsing, `--help`, and turning bad input into one clear
// line with a non-zero exit live here once, so every command behaves the same.
import { parseArgs, type ParseArgsConfig } from "node:util";

/** Wrong usage (unknown flag, bad value, missing argument): one line, exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** A failure the user can act on (unreadable file, port taken): one line, exit code 1. */
export class CliError extends Error {
  override readonly name = "CliError";
}

export interface Flag {
  type: "string" | "boolean";
  short?: string;
  /** Placeholder shown in help for a string flag ("N", "FILE"). */
  arg?: string;
  help: string;
}

export interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

export interface Command {
  name: string;
  /** One line for `keyviz --help`. */
  summary: string;
  /** Positional arguments as shown in usage, e.g. "FILE.kvz". */
  args?: string;
  /** How many positionals are required / allowed. */
  positionals?: { min: number; max: number };
  flags: Record<string, Flag>;
  run(parsed: Parsed): Promise<number>;
}

/** Usage text of one command. */
export function commandHelp(cmd: Command): string {
  const lines = [
    `usage: keyviz ${cmd.name}${cmd.args ? ` ${cmd.args}` : ""}${Object.keys(cmd.flags).length ? " [options]" : ""}`,
    "",
    cmd.summary,
  ];
  const entries: [string, string][] = Object.entries(cmd.flags).map(([name, f]) => [
    `--${name}${f.type === "string" ? ` ${f.arg ?? "VALUE"}` : ""}`,
    f.help,
  ]);
  entries.push(["--help", "show this help"]);
  const width = Math.max(...entries.map(([left]) => left.length));
  lines.push("", "options:", ...entries.map(([left, help]) => `  ${left.padEnd(width)}  ${help}`));
  return lines.join("\n");
}

/** Parses `argv` for `cmd`; throws UsageError naming the first problem. */
export function parseCommand(cmd: Command, argv: string[]): Parsed | "help" {
  const options: NonNullable<ParseArgsConfig["options"]> = { help: { type: "boolean", short: "h" } };
  for (const [name, f] of Object.entries(cmd.flags))
    options[name] = f.short ? { type: f.type, short: f.short } : { type: f.type };
  let parsed: Parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true }) as Parsed;
  } catch (err) {
    throw new UsageError(`${cmd.name}: ${parseArgsMessage(err, argv)}`, { cause: err });
  }
  if (parsed.values.help === true) return "help";
  const { min, max } = cmd.positionals ?? { min: 0, max: 0 };
  const n = parsed.positionals.length;
  if (n < min) throw new UsageError(`${cmd.name}: missing ${cmd.args ?? "argument"} (see keyviz ${cmd.name} --help)`);
  if (n > max)
    throw new UsageError(
      `${cmd.name}: unexpected argument "${parsed.positionals[max]}" (see keyviz ${cmd.name} --help)`,
    );
  return parsed;
}

// parseArgs messages are long and mention internals ("To specify a positional argument…"); keep
// the first sentence.
function parseArgsMessage(err: unknown, argv: string[]): string {
  const message = err instanceof Error ? err.message : String(err);
  const ambiguous = /^Option '(--[\w-]+)' argument is ambiguous/.exec(message);
  if (ambiguous) return ambiguousValueMessage(ambiguous[1]!, argv);
  return message.split(/\.\s/)[0]!.replace(/\.$/, "");
}

// parseArgs calls any value after a flag that starts with "-" ambiguous. "--seconds --out x" is a
// missing value, said as parseArgs says it at the end of the line; "--port -1" is a value that
// needs the "=" form, parseArgs' one useful hint.
function ambiguousValueMessage(flag: string, argv: string[]): string {
  const next = argv[argv.indexOf(flag) + 1] ?? "";
  if (next.startsWith("--")) return `Option '${flag} <value>' argument missing`;
  return `${flag}: a value that starts with "-" must be written ${flag}=VALUE`;
}

/** An integer flag in [min, max]; `fallback` when absent. */
export function intFlag(parsed: Parsed, name: string, fallback: number, min: number, max: number): number {
  const raw = parsed.values[name];
  if (raw === undefined) return fallback;
  const n = typeof raw === "string" && /^-?\d+$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw new UsageError(`--${name} must be an integer in ${min}..${max}, got "${String(raw)}"`);
  return n;
}

/** A string flag, or `fallback` when absent. */
export function stringFlag(parsed: Parsed, name: string, fallback?: string): string | undefined {
  const raw = parsed.values[name];
  return typeof raw === "string" ? raw : fallback;
}

/** A string flag whose value must be one of `choices`. */
export function choiceFlag<T extends string>(parsed: Parsed, name: string, choices: readonly T[], fallback: T): T {
  const raw = stringFlag(parsed, name);
  if (raw === undefined) return fallback;
  if (!(choices as readonly string[]).includes(raw))
    throw new UsageError(`--${name} must be one of: ${choices.join(", ")}; got "${raw}"`);
  return raw as T;
}
