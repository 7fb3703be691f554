// The child side of "one variant per process": `node bench/variants/<file>.mjs <variant>` runs
// one variant and prints one JSON line: {value, ...details} or {skipped: reason}, with the
// speed of the core it ran on (`gaugeNs`, bench/lib/gauge.mjs), and `typedArrayChecks: true`
// when its process ended with typed-array accesses checked (an ArrayBuffer was detached).
import { gaugeNs, typedArraysChecked } from "./gauge.mjs";

/** Runs the variant named by argv[2] from `variants` (name → async () => result). */
export async function runVariant(variants) {
  const name = process.argv[2];
  const variant = variants[name];
  if (variant === undefined) {
    console.error(`unknown variant ${name}; known: ${Object.keys(variants).join(", ")}`);
    process.exit(2);
  }
  const gaugeBefore = gaugeNs();
  const wall0 = performance.now();
  const cpu0 = process.cpuUsage();
  const result = await variant();
  const cpu = process.cpuUsage(cpu0);
  const gaugeAfter = gaugeNs();
  const gauge = Math.max(gaugeBefore, gaugeAfter); // a spell that began or ended mid-variant counts
  // Share of the wall time this process was on a CPU: well below 1 means a loaded machine.
  const cpuShare = (cpu.user + cpu.system) / 1000 / (performance.now() - wall0);
  const checks = typedArraysChecked(gaugeAfter) ? { typedArrayChecks: true } : {};
  process.stdout.write(
    JSON.stringify({ ...result, cpuShare: +cpuShare.toFixed(3), gaugeNs: +gauge.toFixed(4), ...checks }) + "\n",
  );
}

/** A result for a variant that cannot run yet (a feature it measures has not landed). */
export function skipped(reason) {
  return { skipped: reason };
}
