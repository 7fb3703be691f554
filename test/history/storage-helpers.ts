// A StorageFs over the real file system with injectable faults (tests run as root, where chmod
// stops nothing), and temporary directories.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";
import { nodeStorageFs, type StorageFs } from "../../src/history/storage-fs.js";

export type FsOp =
  | "mkdirp"
  | "list"
  | "read"
  | "openAppend"
  | "write"
  | "fsync"
  | "truncate"
  | "close"
  | "rename"
  | "unlink"
  | "syncDir";

/** Real fs; `fault(op, arg)` returning an error code makes that call throw it instead. */
export function faultyFs(
  fault: (op: FsOp, arg: string) => string | null = () => null,
  over: Partial<StorageFs> = {},
): StorageFs & { calls: string[] } {
  const real = nodeStorageFs();
  const paths = new Map<number, string>();
  const calls: string[] = [];
  const guard = (op: FsOp, arg: string) => {
    calls.push(`${op} ${arg}`);
    const code = fault(op, arg);
    if (code !== null) throw Object.assign(new Error(`${code}: injected failure of ${op} ${arg}`), { code });
  };
  const fs: StorageFs & { calls: string[] } = {
    ...real,
    calls,
    mkdirp: (d) => (guard("mkdirp", d), real.mkdirp(d)),
    list: (d) => (guard("list", d), real.list(d)),
    read: (p) => (guard("read", p), real.read(p)),
    openAppend(p, exclusive) {
      guard("openAppend", p);
      const fd = real.openAppend(p, exclusive);
      paths.set(fd, p);
      return fd;
    },
    write: (fd, b) => (guard("write", paths.get(fd) ?? ""), real.write(fd, b)),
    fsync: (fd) => (guard("fsync", paths.get(fd) ?? ""), real.fsync(fd)),
    truncate: (fd, n) => (guard("truncate", paths.get(fd) ?? ""), real.truncate(fd, n)),
    close: (fd) => (guard("close", paths.get(fd) ?? ""), real.close(fd)),
    rename: (a, b) => (guard("rename", a), real.rename(a, b)),
    unlink: (p) => (guard("unlink", p), real.unlink(p)),
    syncDir: (d) => (guard("syncDir", d), real.syncDir(d)),
    ...over,
  };
  return fs;
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

export function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "keyviz-storage-"));
  dirs.push(d);
  return d;
}
