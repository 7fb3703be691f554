// Folded into the benchmark harness (bench/run.mjs, docs/benchmarks.md): the variants now live in
// bench/variants/ (routing.mjs, coordinator.mjs). This entry point is kept so existing
// instructions still work: it runs `node bench/run.mjs --only routing,coordinator`, passing
// any other arguments (e.g. --rounds 3).
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const run = fileURLToPath(new URL("./run.mjs", import.meta.url));
const child = spawnSync(process.execPath, [run, "--only", "routing,coordinator", ...process.argv.slice(2)], {
  stdio: "inherit",
});
process.exit(child.status ?? 1);
