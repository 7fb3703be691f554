// Output files are written whole or not at all (src/cli/write-output.ts).
import { execFileSync, spawn } from "node:child_process";
import {
  chmodSync,
  closeSync,
  createReadStream,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeOutput } from "../../src/cli/write-output.js";
import { openHistory } from "../../src/history/replay.js";
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

  it("keeps the permissions of the file it replaces", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kv-out-"));
    const path = join(dir, "private.png");
    writeFileSync(path, "old");
    chmodSync(path, 0o600);
    await writeOutput(path, "new");
    expect(statSync(path).mode & 0o7777).toBe(0o600);
    chmodSync(path, 0o664); // wider than the usual umask lets a new file be
    await writeOutput(path, "newer");
    expect(statSync(path).mode & 0o7777).toBe(0o664);
    expect(readFileSync(path, "utf8")).toBe("newer");
  });

  it("writes a file whose name is as long as the system allows (the temporary name is short)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kv-out-"));
    const name = `${"n".repeat(251)}.png`; // 255 bytes: NAME_MAX on Linux and macOS
    await writeOutput(join(dir, name), "long");
    expect(readFileSync(join(dir, name), "utf8")).toBe("long");
    expect(readdirSync(dir)).toEqual([name]);
  });

  it("writes where a symlink points and keeps the link (a chain, a relative link, a dangling one)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kv-out-"));
    mkdirSync(join(dir, "real"));
    writeFileSync(join(dir, "real", "out.bin"), "old");
    symlinkSync(join(dir, "real"), join(dir, "via")); // a directory link: "../" in a link is taken from the real directory
    symlinkSync("../real/out.bin", join(dir, "real", "rel-link"));
    symlinkSync(join(dir, "via", "rel-link"), join(dir, "link"));
    symlinkSync(join(dir, "real", "new.bin"), join(dir, "dangling"));
    await writeOutput(join(dir, "link"), "new");
    await writeOutput(join(dir, "dangling"), "created");
    expect(readFileSync(join(dir, "real", "out.bin"), "utf8")).toBe("new");
    expect(readFileSync(join(dir, "real", "new.bin"), "utf8")).toBe("created");
    for (const link of ["link", "dangling", "real/rel-link"])
      expect(lstatSync(join(dir, link)).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(dir, "link"))).toBe(join(dir, "via", "rel-link"));
    expect(readdirSync(join(dir, "real")).sort()).toEqual(["new.bin", "out.bin", "rel-link"]);
  });

  it("--out through a link to stdout, with stdout a file, fills that file and leaves the link (as /dev/stdout)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kv-out-"));
    const link = join(dir, "stdout.kvz");
    symlinkSync("/proc/self/fd/1", link);
    const captured = join(dir, "captured.kvz");
    const fd = openSync(captured, "w");
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(
        process.execPath,
        [CLI, "record", "--seconds", "5", "--end", "1800000000000", "--out", link],
        {
          stdio: ["ignore", fd, "ignore"],
        },
      );
      child.on("close", resolve);
    });
    closeSync(fd);
    expect(code).toBe(0);
    expect(readlinkSync(link)).toBe("/proc/self/fd/1");
    expect(openHistory(new Uint8Array(readFileSync(captured))).columns).toHaveLength(5);
    expect(readdirSync(dir).sort()).toEqual(["captured.kvz", "stdout.kvz"]);
  }, 30_000);

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
