// Output files of `record` and `render`: written whole or not at all. The bytes go to a temporary
// file beside the target, which is renamed over it only once complete, so a failed write (disk
// full, a file size limit, a signal) leaves the previous file as it was and no partial one.
// A target that exists and is not a regular file (`/dev/stdout`, a FIFO) is written directly:
// a rename would replace the device or pipe itself.
import { rename, stat, unlink, writeFile } from "node:fs/promises";
import { CliError } from "./command.js";

export async function writeOutput(path: string, data: string | Uint8Array): Promise<void> {
  const special = await stat(path).then(
    (s) => !s.isFile(),
    () => false,
  );
  const tmp = special ? path : `${path}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, data);
    if (!special) await rename(tmp, path);
  } catch (err) {
    if (!special) await unlink(tmp).catch(() => undefined);
    throw new CliError(`cannot write ${path}: ${(err as Error).message}`, { cause: err });
  }
}
