// The injectable logger shared by the sampler, the server and the CLI. Anything with these three
// methods works (console, pino, a test spy); keyviz never requires a logging library.
//
// Contract: a logger method never throws back into keyviz (keyviz guards its calls anyway), and
// keyviz never passes key bytes to it unless hot keys are enabled and the line is an audit line.

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** One line per message on stderr (`console.error`), fields appended as JSON. */
export const consoleLogger: Logger = {
  info: (m, f) => console.error(format("info", m, f)),
  warn: (m, f) => console.error(format("warn", m, f)),
  error: (m, f) => console.error(format("error", m, f)),
};

/** Drops everything (tests that assert on behaviour, not on logging). */
export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

function format(level: string, message: string, fields?: Record<string, unknown>): string {
  const tail = fields && Object.keys(fields).length > 0 ? " " + safeJson(fields) : "";
  return `keyviz ${level}: ${message}${tail}`;
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v);
  } catch {
    return "[unserialisable fields]";
  }
}

/** Calls `logger[level]`, swallowing anything a broken logger throws (a logger must never take keyviz down). */
export function logSafely(
  logger: Logger,
  level: keyof Logger,
  message: string,
  fields?: Record<string, unknown>,
): void {
  try {
    logger[level](message, fields);
  } catch {
    // Nothing left to report to: the logger itself failed.
  }
}

/** Checks a user-supplied logger option; `undefined` means the default. */
export function checkLogger(v: unknown, name = "logger"): Logger {
  if (v === undefined) return consoleLogger;
  const l = v as Partial<Logger> | null;
  if (
    l === null ||
    typeof l !== "object" ||
    typeof l.info !== "function" ||
    typeof l.warn !== "function" ||
    typeof l.error !== "function"
  )
    throw new TypeError(`${name} must be an object with info, warn and error methods`);
  return l as Logger;
}
