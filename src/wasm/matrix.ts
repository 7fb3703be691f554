// The one `matrix` instance every matrix build and row-budget plan shares (both are synchronous,
// so they never interleave): its memory, once grown, is reused, which matters because
// first-touching fresh pages cost more than the whole pivot on some hosts. After a build that
// needed more than KEEP_BYTES, the instance is dropped so a one-off giant build frees its memory.
import { WasmArena } from "./arena.js";
import { instantiateMatrix, type MatrixExports } from "./matrix.wasm.js";

export { VALUES_F64, TERMS_F64, type MatrixExports } from "./matrix.wasm.js";

const KEEP_BYTES = 256 << 20;

/** The matrix instance and the arena over its memory. */
export interface MatrixModule {
  readonly wasm: MatrixExports;
  readonly arena: WasmArena;
}

let shared: MatrixModule | undefined;

/** The shared instance (created on first use). */
export function matrixModule(): MatrixModule {
  if (shared === undefined) {
    const wasm = instantiateMatrix();
    shared = { wasm, arena: new WasmArena(wasm.memory, wasm.heapBase()) };
  }
  return shared;
}

/** Drops the shared instance if a build grew it past KEEP_BYTES. */
export function releaseMatrixModule(): void {
  if (shared !== undefined && shared.arena.memoryBytes > KEEP_BYTES) shared = undefined;
}
