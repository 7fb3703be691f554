// Runs the built `keyviz` command as a child process, as a user's shell would.
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";

export const CLI = join(import.meta.dirname, "..", "..", "dist", "cli", "main.js");

export interface CliRun {
  child: ChildProcess;
  /** Resolves with the exit code and everything written to stdout and stderr. */
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
  /**
   * Resolves with the first stdout match of `re`; rejects, with what the process printed, if it
   * ends first or prints no match within `timeoutMs` (so a failed wait says what happened instead).
   */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
}

export function runCli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): CliRun {
  const child = spawn(process.execPath, [CLI, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
  });
  let stdout = "";
  let stderr = "";
  const waiters: { re: RegExp; resolve: (m: RegExpExecArray) => void; reject: (e: Error) => void }[] = [];
  const check = () => {
    for (const w of waiters.splice(0)) {
      const m = w.re.exec(stdout);
      if (m) w.resolve(m);
      else waiters.push(w);
    }
  };
  child.stdout!.on("data", (c: Buffer) => {
    stdout += c.toString();
    check();
  });
  child.stderr!.on("data", (c: Buffer) => void (stderr += c.toString()));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    child.on("close", (code) => {
      for (const w of waiters.splice(0))
        w.reject(new Error(`keyviz exited (${code}) before printing ${w.re}; stdout: ${stdout} stderr: ${stderr}`));
      resolve({ code, stdout, stderr });
    });
  });
  return {
    child,
    done,
    waitFor: (re, timeoutMs = 40_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          const i = waiters.findIndex((w) => w.re === re);
          if (i >= 0) waiters.splice(i, 1);
          reject(
            new Error(`keyviz printed no match of ${re} within ${timeoutMs} ms; stdout: ${stdout} stderr: ${stderr}`),
          );
        }, timeoutMs);
        const settle =
          <T>(f: (v: T) => void) =>
          (v: T) => {
            clearTimeout(timer);
            f(v);
          };
        waiters.push({ re, resolve: settle(resolve), reject: settle(reject) });
        check();
      }),
  };
}
