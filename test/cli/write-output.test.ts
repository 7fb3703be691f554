// Output files are written whole or not at all (src/cli/write-output.ts).
import { execFileSync, spawn } from "node:child_process";
import { createReadStream, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeOutput } from "../../src/cli/write-output.js";
import { useDemoRecording } from "./recording.js";
import { CLI } from "./run-cli.js";

const recording = useDemoRecording();

describe("writeOutput", () => {
  it("replaces a file whole and leaves no temporary file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kv-out-"));
    const path = join(dir, "out.bin");
    writeFileSync(path, "old");
    await writeOutput(path, new Uint8Array([1, 2, 3]));
    expect([...readFileSync(path)]).toEqual([1, 2, 3]);
    expect(readdirSync(dir)).toEqual(["out.bin"]);
  });

  it("writes into a FIFO instead of renaming over it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kv-out-"));
    const fifo = join(dir, "pipe");
    execFileSync("mkfifo", [fifo]);
    const chunks: Buffer[] = [];
    const read = new Promise<void>((resolve, reject) => {
      const stream = createReadStream(fifo);
      stream.on("data", (c) => chunks.push(c as Buffer));
      stream.on("end", resolve);
      stream.on("error", reject);
    });
    await writeOutput(fifo, "through the pipe");
    await read;
    expect(Buffer.concat(chunks).toString()).toBe("through the pipe");
    expect(statSync(fifo).isFIFO()).toBe(true);
  });

  it("a render that cannot finish its file leaves the previous one intact (file size limit)", async () => {
    const out = join(recording.dir, "kept.html");
    writeFileSync(out, "the good page");
    // 8 blocks of 512 or 1 024 bytes, far below the page's ~100 KiB: the write fails with EFBIG.
    const run = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn("sh", [
        "-c",
        'ulimit -f 8 && exec "$0" "$@"',
        process.execPath,
        CLI,
        "render",
        recording.file,
        "--out",
        out,
      ]);
      let stderr = "";
      child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
      child.on("close", (code) => resolve({ code, stderr }));
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^keyviz: cannot write .*kept\.html: EFBIG/);
    expect(readFileSync(out, "utf8")).toBe("the good page");
    expect(readdirSync(recording.dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  }, 30_000);
});
