// The fan-out merge in time slices, for a server: at most about `sliceMs` of merging per turn of
// the event loop, so merging a 50 MB peer answer does not keep other clients waiting (issue 10.6).
import type { IncomingMatrix } from "../wire/wire.js";
import { mergeTableSteps, newMergeBuffers, type MergeOptions } from "./merge.js";
import { runStepsSliced } from "../steps.js";
import type { MatrixTable } from "./table.js";

export interface Slicing {
  /** Work between two pauses, in milliseconds (0: pause at every row). */
  sliceMs: number;
  /** Gives the event loop a turn (a server: `setImmediate`). */
  pause: () => Promise<void>;
}

// Sliced merges run one at a time on buffers of their own: a paused merge's half-built cells
// can be touched neither by another sliced merge nor by a synchronous `mergeMatrices`.
const buffers = newMergeBuffers();
let queue: Promise<void> = Promise.resolve();

/**
 * `mergeCheckedTable` in time slices (inputs checked by the validator). `use` gets the table and
 * must be done with its cell arrays when its promise settles: they belong to the next sliced
 * merge then. Resolves with what `use` resolves with.
 */
export function mergeCheckedTableSliced<T>(
  matrices: readonly IncomingMatrix[],
  opts: MergeOptions,
  slicing: Slicing,
  use: (table: MatrixTable) => Promise<T>,
): Promise<T> {
  const run = queue.then(async () =>
    use(await runStepsSliced(mergeTableSteps(matrices, opts, buffers), slicing.sliceMs, slicing.pause)),
  );
  queue = run.then(
    () => undefined,
    () => undefined,
  );
  return run;
}
