// A small demo recording for the CLI tests: 40 simulated seconds of the demo workload.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { simulateDemo } from "../../src/cli/demo-recording.js";
import { exportBytes } from "../../src/history/export.js";
import { historyOf } from "../history/history-file.js";

export const END_MS = Date.UTC(2026, 10, 30, 12, 0, 0);
export const COLUMNS = 40;

/** Writes the recording into a fresh temporary folder; returns the folder and the file. */
export async function demoRecording(): Promise<{ dir: string; file: string; bytes: Uint8Array }> {
  const dir = mkdtempSync(join(tmpdir(), "keyviz-cli-"));
  const sampler = await simulateDemo({ steps: COLUMNS, stepMs: 1000, rate: 1000, endMs: END_MS });
  const bytes = exportBytes(historyOf(sampler), 1000, {}, END_MS);
  const file = join(dir, "demo.kvz");
  writeFileSync(file, bytes);
  return { dir, file, bytes };
}
