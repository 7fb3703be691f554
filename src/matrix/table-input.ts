// This node's own matrix as a fan-out merge input, from its MatrixTable rather than its wire
// object: building a 1 024 × 1 440 matrix's number[] rows (toWireMatrix) cost more than the
// build itself, and those 12 MB then lived through the whole sliced merge. The table's cells are
// views of the matrix Wasm module's memory: the sampler's next build reuses them (a sliced merge
// pauses between rows while other requests may build), and the merge's own row-budget plan may
// grow that memory, which detaches them. So the cells are copied first, into a slab the merge
// owns (reused across merges: fresh memory is the dear part on the hosts we measured).
import { makeRow } from "../wire/row.js";
import type { IncomingMatrix } from "../wire/wire.js";
import { reserveSlab, trimSlab, type SlabHolder } from "./cell-slab.js";
import { isStrictlyAscending, prepareInput, type InputRow, type MergeInput } from "./merge-input.js";
import { toWireMatrix, wholeRowIdentity, type MatrixTable } from "./table.js";

const NO_CELLS: number[] = [];

/**
 * The table as a merge input, its cells copied into the slab `copy` keeps (one holder per queue
 * of merges that may overlap): what `prepareInput(toWireMatrix(t))` gives, cell for cell. A table
 * with repeated timestamps or conflict flags (never built by a sampler today) takes that path
 * itself.
 */
export function tableInput(t: MatrixTable, copy: SlabHolder): MergeInput {
  const width = t.column_unix_ms.length;
  if (t.conflicts !== null || !isStrictlyAscending(t.column_unix_ms)) return prepareInput(toWireMatrix(t));
  const slab = reserveSlab(copy, t.heads.length, width);
  const rows: InputRow[] = t.heads.map((head, i) => {
    const at = t.cellRow[i]! * width;
    const cells = slab.row(i);
    cells.values.set(t.values.subarray(at, at + width));
    const whole = wholeRowIdentity(t, t.cellRow[i]!);
    if (whole === undefined) {
      cells.groups.set(t.groups.subarray(at, at + width));
      cells.terms.set(t.terms.subarray(at, at + width));
    } else {
      cells.groups.fill(whole[0]);
      cells.terms.fill(whole[1]);
    }
    // The head as the wire row has it (makeRow's omission rules), without cells.
    const wireHead = makeRow(head, NO_CELLS, NO_CELLS, NO_CELLS) as IncomingMatrix["rows"][number];
    return { head: wireHead, values: cells.values, groups: cells.groups, terms: cells.terms, conflicts: undefined };
  });
  trimSlab(copy);
  return { columns: t.column_unix_ms, rows };
}
