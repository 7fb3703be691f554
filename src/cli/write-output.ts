// Output files of `record` and `render`: written whole or not at all. The bytes go to a temporary
// file beside the target, which is renamed over it only once complete, so a failed write (disk
// full, a file size limit, a signal) leaves the previous file as it was and no partial one.
// A symlink is followed to its target, which is what gets replaced. A target that exists and is
// not a regular file (a terminal, a FIFO) is written directly: a rename would replace the device or
// pipe itself. `--out` naming stdout (`/dev/stdout`, or a link to it) is written to stdout as is.
import { randomBytes } from "node:crypto";
import { fstatSync, type Stats } from "node:fs";
import { lstat, open, readlink, realpath, rename, stat, unlink, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { CliError } from "./command.js";
import { isClosedPipe } from "./stdout-failure.js";

/** Symlinks followed before giving up, as the kernel's own limit (ELOOP). */
const MAX_LINKS = 40;

/**
 * How the bytes went out: "replaced" a regular file whole, or "direct" into stdout, a device, FIFO
 * or socket. A direct write may be stdout itself, so nothing else may be printed there.
 */
export type Delivery = "replaced" | "direct";

export async function writeOutput(path: string, data: string | Uint8Array): Promise<Delivery> {
  const existing = await stat(path).catch(() => undefined);
  try {
    if (existing !== undefined && isStdout(existing)) await writeStdout(data);
    else if (existing !== undefined && !existing.isFile()) await writeFile(path, data);
    else {
      await replaceFile(await linkTarget(path), data);
      return "replaced";
    }
    return "direct";
  } catch (err) {
    throw new CliError(`cannot write ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * The status line of a command that wrote `--out`: on stderr after a direct write, which may have
 * gone to stdout (`--out /dev/stdout`), where the line would land inside the data.
 */
export function reportWritten(delivery: Delivery, line: string): void {
  if (delivery === "direct") console.error(line);
  else console.log(line);
}

/** Whether `s` is the file, pipe, socket or terminal this process's stdout is open on. */
function isStdout(s: Stats): boolean {
  try {
    const out = fstatSync(1);
    return s.dev === out.dev && s.ino === out.ino;
  } catch {
    return false; // stdout closed
  }
}

/**
 * Into stdout through its open descriptor: a socket (stdout of a child process) cannot be opened
 * again by path (ENXIO), and a file opened by `>>` is appended to rather than truncated. A reader
 * that went away is no failure, as for every other output (main.ts).
 */
function writeStdout(data: string | Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(data, (err) => (err && !isClosedPipe(err) ? reject(err) : resolve()));
  });
}

async function replaceFile(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = temporaryName(path);
  const mode = await existingMode(path);
  // "wx": never into an existing file, nor through a link someone placed under that name.
  const file = await open(tmp, "wx");
  try {
    try {
      if (mode !== undefined) await file.chmod(mode);
      await file.writeFile(data);
    } finally {
      await file.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

/**
 * The permission bits of the file being replaced: the new file is a new inode, which would
 * otherwise get the umask's default (a 600 file becoming 644, readable by everyone).
 */
async function existingMode(path: string): Promise<number | undefined> {
  return stat(path).then(
    (s) => s.mode & 0o7777,
    () => undefined,
  );
}

/**
 * A fresh name beside `path`, of fixed length: a suffix on the target's own name would push a long
 * but valid name past the system's limit (255 bytes), and the write would fail for no reason.
 */
function temporaryName(path: string): string {
  return join(dirname(path), `.keyviz-${randomBytes(6).toString("hex")}.tmp`);
}

/**
 * The path a rename must replace for `path` to get the data: the file its symlinks lead to (or
 * would create, for a dangling link), not the link. A rename over the link would replace the link
 * itself and leave its target as it was (`--out /dev/stdout` replaced the system's link).
 */
async function linkTarget(path: string): Promise<string> {
  let current = resolve(path);
  for (let hops = 0; hops < MAX_LINKS; hops++) {
    const isLink = await lstat(current).then(
      (s) => s.isSymbolicLink(),
      () => false,
    );
    if (!isLink) return current;
    // Relative to the link's real directory: "../x" in a link under a linked directory is taken
    // from where the directory really is, as the kernel does.
    current = resolve(await realpath(dirname(current)), await readlink(current));
  }
  throw Object.assign(new Error(`too many levels of symbolic links from ${basename(path)}`), { code: "ELOOP" });
}
