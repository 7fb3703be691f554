// A small demo recording for the CLI tests, made the way a user makes one: `keyviz record`.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { runCli } from "./run-cli.js";

export const END_MS = Date.UTC(2026, 10, 30, 12, 0, 0);
export const COLUMNS = 40;
export const RECORD_ARGS = ["--seconds", String(COLUMNS), "--rate", "1000", "--end", String(END_MS)];

/** Records into a fresh temporary folder; returns the folder, the file and its bytes. */
export async function demoRecording(): Promise<{ dir: string; file: string; bytes: Uint8Array }> {
  const dir = mkdtempSync(join(tmpdir(), "keyviz-cli-"));
  const file = join(dir, "demo.kvz");
  const run = await runCli(["record", ...RECORD_ARGS, "--out", file]).done;
  if (run.code !== 0) throw new Error(`keyviz record failed (${run.code}): ${run.stderr}`);
  return { dir, file, bytes: new Uint8Array(readFileSync(file)) };
}

/**
 * Makes one recording for the calling test file (before its tests, removed after them) and
 * returns the object that holds it once `beforeAll` has run.
 */
export function useDemoRecording(): { dir: string; file: string; bytes: Uint8Array } {
  const recording = { dir: "", file: "", bytes: new Uint8Array(0) };
  beforeAll(async () => {
    Object.assign(recording, await demoRecording());
  }, 60_000);
  afterAll(() => rmSync(recording.dir, { recursive: true, force: true }));
  return recording;
}
