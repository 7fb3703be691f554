// The file operations history storage needs, behind one small interface: the real one reaches
// node:fs lazily through `process.getBuiltinModule` (Node ≥ 20.16 / 22.3), so the core entry
// loads in browsers and only `storage` fails there; tests inject failures (disk full, read-only,
// crashes between steps) that root would otherwise never see.

/** Synchronous file access, by path and numeric file handle. Errors carry Node's `code`. */
export interface StorageFs {
  mkdirp(dir: string): void;
  /** Names of the entries of `dir`. */
  list(dir: string): string[];
  /** The whole file, or null when it does not exist. */
  read(path: string): Uint8Array | null;
  /** Opens for appending (creating it); `exclusive` fails with EEXIST when it exists. */
  openAppend(path: string, exclusive?: boolean): number;
  write(fd: number, bytes: Uint8Array): void;
  fsync(fd: number): void;
  truncate(fd: number, length: number): void;
  close(fd: number): void;
  rename(from: string, to: string): void;
  unlink(path: string): void;
  /** Makes renames and unlinks in `dir` durable (a no-op where directories cannot be synced). */
  syncDir(dir: string): void;
  join(dir: string, name: string): string;
  /** Whether process `pid` exists (a lock's owner). */
  processAlive(pid: number): boolean;
  readonly pid: number;
}

type NodeFs = typeof import("node:fs");
type NodePath = typeof import("node:path");

/** The real file system, or a clear error where there is none (browsers, old Node). */
export function nodeStorageFs(): StorageFs {
  const proc = (
    globalThis as {
      process?: { getBuiltinModule?: (id: string) => unknown; pid?: number; kill?: (pid: number, sig: number) => void };
    }
  ).process;
  const get = proc?.getBuiltinModule;
  if (typeof get !== "function") {
    throw new TypeError(
      "storage needs Node.js ≥ 20.16 or ≥ 22.3 (process.getBuiltinModule); it is not available in browsers",
    );
  }
  const fs = get("node:fs") as NodeFs;
  const path = get("node:path") as NodePath;
  return {
    mkdirp: (dir) => makeDirs(fs, path, dir),
    list: (dir) => fs.readdirSync(dir),
    read(p) {
      try {
        const b = fs.readFileSync(p);
        return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
      } catch (err) {
        if ((err as { code?: string }).code === "ENOENT") return null;
        throw err;
      }
    },
    openAppend: (p, exclusive = false) => fs.openSync(p, exclusive ? "ax" : "a"),
    write(fd, bytes) {
      let at = 0;
      while (at < bytes.length) at += fs.writeSync(fd, bytes, at, bytes.length - at);
    },
    fsync: (fd) => fs.fsyncSync(fd),
    truncate: (fd, length) => fs.ftruncateSync(fd, length),
    close: (fd) => fs.closeSync(fd),
    rename: (from, to) => fs.renameSync(from, to),
    unlink: (p) => fs.unlinkSync(p),
    syncDir(dir) {
      let fd = -1;
      try {
        fd = fs.openSync(dir, "r");
        fs.fsyncSync(fd);
      } catch {
        // Some platforms cannot fsync a directory; the rename itself is still atomic there.
      } finally {
        if (fd >= 0) fs.closeSync(fd);
      }
    },
    join: (dir, name) => path.join(dir, name),
    processAlive(pid) {
      try {
        proc!.kill!(pid, 0);
        return true;
      } catch (err) {
        return (err as { code?: string }).code === "EPERM";
      }
    },
    pid: proc?.pid ?? 0,
  };
}

/**
 * `mkdir -p` one level at a time. Node 20's `mkdirSync(dir, { recursive: true })` never returns
 * for a path under /proc (`/proc/nope`: it keeps retrying the parent, which exists, yet the child
 * cannot be made); here each level is tried once, so such a path fails with ENOENT.
 */
function makeDirs(fs: NodeFs, path: NodePath, dir: string): void {
  try {
    fs.mkdirSync(dir);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "EEXIST" && fs.statSync(dir).isDirectory()) return;
    const parent = path.dirname(dir);
    if (code !== "ENOENT" || parent === dir) throw err;
    makeDirs(fs, path, parent);
    try {
      fs.mkdirSync(dir);
    } catch (again) {
      if ((again as { code?: string }).code !== "EEXIST" || !fs.statSync(dir).isDirectory()) throw again;
    }
  }
}

/** Removes `path` if it can; a file already gone or a directory refusing changes is left to recovery. */
export function unlinkQuietly(fs: StorageFs, path: string): void {
  try {
    fs.unlink(path);
  } catch {
    // Nothing more to do here: see the caller's note on what happens to the file.
  }
}
