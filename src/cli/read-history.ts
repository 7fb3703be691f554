// Reading a `.kvz` file for a command: every way it can fail becomes one line naming the file.
import { readFile } from "node:fs/promises";
import { HistoryFormatError } from "../history/format-error.js";
import { openHistory, type Replay } from "../history/replay.js";
import { CliError } from "./command.js";

/** The file's bytes; a missing or unreadable file is a CliError. */
export async function readFileBytes(path: string): Promise<Uint8Array> {
  try {
    const b = await readFile(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "no such file"
        : code === "EISDIR"
          ? "it is a directory"
          : code === "EACCES"
            ? "permission denied"
            : (err as Error).message;
    throw new CliError(`cannot read ${path}: ${why}`, { cause: err });
  }
}

/** Opens a recording; a corrupt, truncated or foreign file is a CliError saying where and what. */
export function openRecordingBytes(path: string, bytes: Uint8Array): Replay {
  try {
    return openHistory(bytes);
  } catch (err) {
    if (err instanceof HistoryFormatError)
      throw new CliError(`${path} is not a valid .kvz recording: ${err.message}`, { cause: err });
    throw err;
  }
}

export async function openRecording(path: string): Promise<{ bytes: Uint8Array; replay: Replay }> {
  const bytes = await readFileBytes(path);
  return { bytes, replay: openRecordingBytes(path, bytes) };
}
