// The `matrix` Wasm module: pivot of the columnar history and the merged row budget (SPEC §5).
// Memory is managed by the JS side (src/matrix.ts, src/row-budget.ts): it grows the memory, lays
// out the buffers from `heapBase()` upwards and passes pointers.
export { planMerge, planScratchBytes } from "./lib/matrix-budget";
export { setScan, scanColumn, setPivot, scatterColumn, finishPivot, resultValues, resultGroups, resultTerms } from "./lib/matrix-pivot";

/** First byte free for the caller's buffers (8-byte aligned). */
export function heapBase(): usize {
  return (__heap_base + 15) & ~(<usize>15);
}
