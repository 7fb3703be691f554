// What every serving command shares: listening with a one-line answer for a taken port, and
// waiting for Ctrl-C, SIGTERM or the end of --duration.
import type { KeyvizServer } from "../server/index.js";
import { CliError } from "./command.js";
import { setLongTimeout } from "./long-timeout.js";
import { stdoutEnded } from "./stdout-failure.js";

/** Listens; a taken port is one line saying what to do. */
export async function listenOrExplain(server: KeyvizServer, port: number): Promise<string> {
  try {
    const addr = await server.listen();
    return `http://${addr.host}:${addr.port}/`;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (/already in use/.test(message)) {
      throw new CliError(
        `port ${port} on 127.0.0.1 is in use; stop what holds it or pick another with --port N (0 = any free port)`,
        { cause: err },
      );
    }
    throw err;
  }
}

/**
 * Resolves on SIGINT, SIGTERM, after `durationMs` (0 = never), or when stdout takes no more output:
 * whoever read it has gone (`keyviz demo | head`), what a SIGPIPE would stop, stopped cleanly; or a
 * write failed (disk full), which main.ts reports once the server is shut down.
 */
export function stopSignal(durationMs: number): Promise<void> {
  if (stdoutEnded()) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      process.off("SIGINT", done);
      process.off("SIGTERM", done);
      process.stdout.off("error", done);
      cancelTimer();
      resolve();
    };
    process.on("SIGINT", done);
    process.on("SIGTERM", done);
    process.stdout.on("error", done);
    const cancelTimer = durationMs > 0 ? setLongTimeout(done, durationMs) : () => {};
  });
}
