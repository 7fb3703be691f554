// Long work (checking, merging and writing a 50 MB fan-out matrix) written once as a generator that
// yields between rows, and run either at once (`runSteps`: the library's synchronous calls) or in
// time slices (`runStepsSliced`: the server, which must keep answering other clients while it
// works). Browser-safe: the caller supplies how to give the event loop a turn.

/** Work that yields (nothing) at points where it may be paused, and returns a `T`. */
export type Steps<T> = Generator<void, T, void>;

/** Runs `steps` to the end without pausing. */
export function runSteps<T>(steps: Steps<T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * Runs `steps`, awaiting `pause()` whenever more than `sliceMs` of work went by since the last
 * pause (0: at every step), so no turn of the event loop holds it longer than about a slice.
 */
export async function runStepsSliced<T>(steps: Steps<T>, sliceMs: number, pause: () => Promise<void>): Promise<T> {
  let since = performance.now();
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    if (performance.now() - since >= sliceMs) {
      await pause();
      since = performance.now();
    }
  }
}
