// The fan-out merge in time slices, for a server: at most about `sliceMs` of merging per turn of
// the event loop, so merging a 50 MB peer answer does not keep other clients waiting (issue 10.6).
import type { IncomingMatrix } from "../wire/wire.js";
import { mergeWithLocalSteps, newMergeBuffers, type MergeOptions } from "./merge.js";
import { prepareInput } from "./merge-input.js";
import { tableInput } from "./table-input.js";
import { runStepsSliced } from "../steps.js";
import type { MatrixTable } from "./table.js";

export interface Slicing {
  /** Work between two pauses, in milliseconds (0: pause at every row). */
  sliceMs: number;
  /** Gives the event loop a turn (a server: `setImmediate`). */
  pause: () => Promise<void>;
}

// Sliced merges run one at a time on buffers of their own: a paused merge's half-built cells
// can be touched neither by another sliced merge nor by a synchronous `mergeMatrices`. The same
// holds for the copy of the local table's cells.
const buffers = newMergeBuffers();
const localCopy = newMergeBuffers();
let queue: Promise<void> = Promise.resolve();

/**
 * The fan-out merge of this node's matrix with its peers' (checked by the validator), in time
 * slices. `local` builds this node's matrix when the merge's turn comes: as a MatrixTable, its
 * cells are copied once into the merge's own buffers (table-input.ts) before the first pause.
 * `use` gets the merged table and must be done with its cell arrays when its promise settles:
 * they belong to the next sliced merge then. Resolves with what `use` resolves with.
 */
export function mergeLocalAndPeersSliced<T>(
  local: () => MatrixTable | IncomingMatrix,
  peers: readonly IncomingMatrix[],
  opts: MergeOptions,
  slicing: Slicing,
  use: (table: MatrixTable) => Promise<T>,
): Promise<T> {
  return enqueue(async () => {
    const m = local();
    // A table is this node's own build, windowed already.
    const input = isTable(m) ? tableInput(m, localCopy) : prepareInput(m, opts.window);
    const steps = mergeWithLocalSteps(input, m.series, peers, opts, buffers);
    return use(await runStepsSliced(steps, slicing.sliceMs, slicing.pause));
  });
}

function isTable(m: MatrixTable | IncomingMatrix): m is MatrixTable {
  return "cellRow" in m;
}

/** Runs `work` after every sliced merge queued before it. */
function enqueue<T>(work: () => Promise<T>): Promise<T> {
  const run = queue.then(work);
  queue = run.then(
    () => undefined,
    () => undefined,
  );
  return run;
}
