// A stdout that cannot be written (here a descriptor open only for reading: EBADF, as a full disk
// gives ENOSPC) fails the command with one line and exit 1; serve and demo shut down cleanly.
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { useDemoRecording } from "./recording.js";
import { CLI } from "./run-cli.js";

const recording = useDemoRecording();
const scratch = mkdtempSync(join(tmpdir(), "keyviz-stdout-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs keyviz with stdout on a read-only descriptor; resolves with the exit code and stderr. */
async function runUnwritable(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const file = join(scratch, "stdout");
  writeFileSync(file, "");
  const fd = openSync(file, "r");
  try {
    return await new Promise((resolve) => {
      const child = spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", fd, "pipe"] });
      let stderr = "";
      child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
      child.on("close", (code) => resolve({ code, stderr }));
    });
  } finally {
    closeSync(fd);
  }
}

describe("an unwritable stdout", () => {
  it("fails inspect with one line and exit 1", async () => {
    const run = await runUnwritable(["inspect", recording.file]);
    expect(run).toEqual({ code: 1, stderr: "keyviz: cannot write output: EBADF\n" });
  });

  it("stops serve with one line and exit 1", async () => {
    const run = await runUnwritable(["serve", recording.file, "--port", "0"]);
    expect(run).toEqual({ code: 1, stderr: "keyviz: cannot write output: EBADF\n" });
  }, 30_000);

  it("stops the demo cleanly (its history directory released), one line and exit 1", async () => {
    const dir = join(scratch, "demo");
    const run = await runUnwritable(["demo", "--port", "0", "--step-ms", "200", "--dir", dir]);
    expect(run).toEqual({ code: 1, stderr: "keyviz: cannot write output: EBADF\n" });
    expect(existsSync(join(dir, "keyviz.lock"))).toBe(false);
  }, 30_000);
});
