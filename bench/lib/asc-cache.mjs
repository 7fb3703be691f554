// Compiles small AssemblyScript modules that exist only for benchmarks (alternatives measured
// against the shipped code), with the project's release flags. Binaries are cached in
// bench/out/ keyed by source, so variant processes do not pay asc's ~2 s compile per run.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";

const RELEASE = { optimizeLevel: 3, shrinkLevel: 0, converge: true, runtime: "stub", noAssert: true, use: ["abort="] };

/** The compiled binary of `source` (cached).
 * @returns {Promise<Uint8Array<ArrayBuffer>>} */
export async function compileCached(name, source) {
  const hash = createHash("sha256")
    .update(source + JSON.stringify(RELEASE))
    .digest("hex")
    .slice(0, 16);
  const dir = new URL("../out/", import.meta.url);
  const file = new URL(`${name}-${hash}.wasm`, dir);
  if (existsSync(file)) return readFileSync(file);
  const { default: asc } = await import("assemblyscript/asc");
  const out = await asc.compileString({ [`${name}.ts`]: source }, RELEASE);
  if (out.error || out.binary === null) throw new Error(`asc failed for ${name}: ${out.stderr.toString()}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, out.binary);
  return /** @type {Uint8Array<ArrayBuffer>} asc's output never lives in shared memory */ (out.binary);
}

/** A fresh instance of a cached module (no imports: built with `--use abort=`).
 * @returns {Promise<any>} its exports, untyped: each caller knows its own module's shape */
export async function instantiateCached(name, source) {
  return new WebAssembly.Instance(new WebAssembly.Module(await compileCached(name, source)), {}).exports;
}
