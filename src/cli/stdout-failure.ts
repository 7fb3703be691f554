// Errors writing stdout, which Node reports as an 'error' event a tick after the write, never to
// the writer. A reader that went away (`keyviz inspect f | head`, EPIPE) is no failure: the rest of
// the output is dropped, as a SIGPIPE would. Any other (a full disk, a descriptor not open for
// writing) fails the command with one line and exit 1, and a server stops as on Ctrl-C.

let firstError: NodeJS.ErrnoException | undefined;

/** Records stdout's errors instead of letting one crash the process with a stack; call once, first. */
export function watchStdout(): void {
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    firstError ??= err;
  });
}

/** Whether stdout takes no more output: its reader has gone or a write failed. */
export function stdoutEnded(): boolean {
  return firstError !== undefined;
}

/** The code of a stdout write that failed for another reason than its reader going away. */
export function stdoutFailure(): string | undefined {
  if (firstError === undefined || isClosedPipe(firstError)) return undefined;
  return firstError.code ?? firstError.message;
}

/** A write to a pipe (or socket) whose reader has gone, or to the stream that error closed. */
export function isClosedPipe(err: NodeJS.ErrnoException): boolean {
  return err.code === "EPIPE" || err.code === "ERR_STREAM_DESTROYED";
}
