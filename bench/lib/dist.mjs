// Where the built package lives. Benchmarks import the compiled library (what users run), not
// the TypeScript sources: `dist/` by default, or the directory in $KEYVIZ_DIST (run.mjs sets it
// when given --dist, e.g. a private build under bench/out/ that concurrent rebuilds cannot touch).
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

const distDir = process.env.KEYVIZ_DIST
  ? pathToFileURL(process.env.KEYVIZ_DIST.replace(/\/?$/, "/"))
  : new URL("../../dist/", import.meta.url);

/** Absolute path of the dist directory in use. */
export function distPath() {
  return fileURLToPath(distDir);
}

/** Whether `relative` (e.g. "sampler.js") exists in the dist directory. */
export function hasDist(relative) {
  return existsSync(fileURLToPath(new URL(relative, distDir)));
}

/** Imports a module of the built package, e.g. `await importDist("routing/route-table.js")`. */
export function importDist(relative) {
  return import(new URL(relative, distDir).href);
}

/** The sampler entry: the package entry once it exports createSampler, else dist/sampler.js. */
export async function importSampler() {
  if (hasDist("index.js")) {
    const entry = await importDist("index.js");
    if (typeof entry.createSampler === "function") return entry;
  }
  return importDist("sampler/sampler.js");
}
