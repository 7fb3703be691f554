// The `matrix` Wasm module: pivot of the columnar history (src/matrix/kernels.ts) and the merged
// row budget (SPEC §5, src/matrix/row-budget.ts). It allocates nothing itself: the JS side owns
// the memory through one arena (src/wasm/arena.ts), lays out buffers from `heapBase()` upwards,
// grows the memory as needed and passes pointers.
export { planMerge, planScratchBytes } from "./lib/matrix-budget";
export { VALUES_F64, TERMS_F64, setScan, scanColumn, setPivot, scatterColumn, finishPivot, resultValues, resultGroups, resultTerms } from "./lib/matrix-pivot";

/** First byte free for the caller's buffers (16-byte aligned). */
export function heapBase(): usize {
  return (__heap_base + 15) & ~(<usize>15);
}
