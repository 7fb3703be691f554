// Output files of `record` and `render`: written whole or not at all. The bytes go to a temporary
// file beside the target, which is renamed over it only once complete, so a failed write (disk
// full, a file size limit, a signal) leaves the previous file as it was and no partial one.
// A symlink is followed to its target, which is what gets replaced. A target that exists and is
// not a regular file (`/dev/stdout` on a terminal or pipe, a FIFO) is written directly: a rename
// would replace the device or pipe itself.
import { randomBytes } from "node:crypto";
import { lstat, open, readlink, realpath, rename, stat, unlink, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { CliError } from "./command.js";

/** Symlinks followed before giving up, as the kernel's own limit (ELOOP). */
const MAX_LINKS = 40;

export async function writeOutput(path: string, data: string | Uint8Array): Promise<void> {
  const special = await stat(path).then(
    (s) => !s.isFile(),
    () => false,
  );
  try {
    if (special) await writeFile(path, data);
    else await replaceFile(await linkTarget(path), data);
  } catch (err) {
    throw new CliError(`cannot write ${path}: ${(err as Error).message}`, { cause: err });
  }
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
