// One writer per storage directory: a lock file holding the owner's pid. A lock left by a process
// that no longer exists is taken over (also one naming this process's pid while it holds no lock:
// an earlier process with the same pid, see `heldHere`); a live owner (another process, or
// another sampler in this one) is a clear error. Taking over writes a new lock file and renames it into place (atomic),
// then reads it back. That does not settle every race: two processes that both judged the same
// lock stale can each read back their own pid, the second rename landing after the first
// read-back. So the writer also checks the lock before each write (`holder`), and the one whose
// pid is no longer there stops writing (segment-log.ts): at most one flush of overlap, never
// two writers interleaving for good. (Node has no flock(); a lock by exclusive create alone
// cannot replace a stale one atomically.)

import { unlinkQuietly, type StorageFs } from "./storage-fs.js";

export const LOCK_FILE = "keyviz.lock";

/** The directory belongs to another live writer. */
export class LockHeldError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LockHeldError";
  }
}

/**
 * Locks this process holds now. A lock naming this process's pid while it holds none was left by
 * an earlier process with the same pid, a crashed one: in a container every start is pid 1, so
 * that lock would otherwise block the directory for good. While this process holds a lock, one
 * naming its pid may be another sampler's here (the same directory spelled another way), so it
 * stays an error.
 */
let heldHere = 0;

export class DirLock {
  private released = false;

  private constructor(
    private readonly fs: StorageFs,
    private readonly path: string,
  ) {
    heldHere++;
  }

  /** Takes the lock of `dir` or throws naming the live owner. */
  static acquire(fs: StorageFs, dir: string): DirLock {
    const path = fs.join(dir, LOCK_FILE);
    const mine = new TextEncoder().encode(`${fs.pid}\n`);
    let created = false;
    try {
      const fd = fs.openAppend(path, true);
      created = true;
      try {
        fs.write(fd, mine);
        fs.fsync(fd);
      } finally {
        fs.close(fd);
      }
      return new DirLock(fs, path);
    } catch (err) {
      // A lock created but not written (a full disk) would be left empty: remove it.
      if (created) unlinkQuietly(fs, path); // an empty lock counts as stale for the next writer anyway
      if ((err as { code?: string }).code !== "EEXIST") throw err;
    }
    const owner = ownerOf(fs.read(path));
    const ownEarlier = owner === fs.pid && heldHere === 0;
    if (owner !== null && !ownEarlier && (owner === fs.pid || fs.processAlive(owner))) {
      throw new LockHeldError(
        `keyviz storage: directory ${dir} is in use by process ${owner} (lock file ${path}); one sampler per directory`,
      );
    }
    const tmp = `${path}.${fs.pid}.tmp`;
    const fd = fs.openAppend(tmp);
    try {
      fs.truncate(fd, 0);
      fs.write(fd, mine);
      fs.fsync(fd);
    } finally {
      fs.close(fd);
    }
    fs.rename(tmp, path);
    fs.syncDir(dir);
    if (ownerOf(fs.read(path)) !== fs.pid)
      throw new LockHeldError(`keyviz storage: directory ${dir}: another process took over its stale lock first`);
    return new DirLock(fs, path);
  }

  /** The pid the lock file names now (null: none or unreadable). */
  holder(): number | null {
    try {
      return ownerOf(this.fs.read(this.path));
    } catch {
      return null;
    }
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    heldHere--;
    if (ownerOf(this.fs.read(this.path)) === this.fs.pid) this.fs.unlink(this.path);
  }
}

function ownerOf(bytes: Uint8Array | null): number | null {
  if (bytes === null) return null;
  const pid = Number(new TextDecoder().decode(bytes).trim());
  return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
}
