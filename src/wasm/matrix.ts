// The one `matrix` instance every matrix build and row-budget plan shares (both are synchronous,
// so they never interleave): its memory is reused, which matters because first-touching fresh
// pages cost more than the whole pivot on some hosts. Its memory never grows: a grow detaches the
// buffer and slows every typed-array access in the process from then on (scripts/build-wasm.mjs,
// CALLER_SIZED). A phase that needs more (`withMatrixRoom`) moves to a new instance with a bigger
// memory and runs again; after a build that needed more than KEEP_BYTES, the instance is dropped
// so a one-off giant build frees its memory.
import { ArenaFull, pagesToMove, WasmArena } from "./arena.js";
import { instantiateMatrix, type MatrixExports } from "./matrix.wasm.js";

export { VALUES_F64, TERMS_F64, type MatrixExports } from "./matrix.wasm.js";

/** 64 MiB: a build of 1 024 rows × 1 440 columns through the general pivot (scripts/build-wasm.mjs). */
const DEFAULT_PAGES = 1024;
const KEEP_BYTES = 256 << 20;

/** The matrix instance and the arena over its memory. */
export interface MatrixModule {
  readonly wasm: MatrixExports;
  readonly arena: WasmArena;
}

let shared: MatrixModule | undefined;

function moduleOf(pages: number): MatrixModule {
  const wasm = instantiateMatrix(pages);
  return { wasm, arena: new WasmArena(wasm.memory, wasm.heapBase()) };
}

/** The shared instance (created on first use). */
export function matrixModule(): MatrixModule {
  return (shared ??= moduleOf(DEFAULT_PAGES));
}

/**
 * Runs `phase` on the shared instance. When it allocates past the instance's memory, the shared
 * instance is replaced by one with a bigger memory (at least double, and what the failed alloc
 * needed with a quarter more) and `phase` runs again on it: a phase must allocate before it
 * writes anything it cannot write again, and must not keep pointers of an earlier phase unless
 * it checks that the instance is the same (the kernels' scratch does).
 */
export function withMatrixRoom<T>(phase: (module: MatrixModule) => T): T {
  for (;;) {
    const module = matrixModule();
    try {
      return phase(module);
    } catch (e) {
      if (!(e instanceof ArenaFull)) throw e;
      const pages = pagesToMove(module.arena.memoryBytes, e.neededBytes * 1.25);
      if (pages === 0) throw e;
      shared = moduleOf(pages);
    }
  }
}

/** Drops the shared instance if a build needed one past KEEP_BYTES. */
export function releaseMatrixModule(): void {
  if (shared !== undefined && shared.arena.memoryBytes > KEEP_BYTES) shared = undefined;
}
