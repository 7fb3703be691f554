import { readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { crc32c } from "../../src/history/crc32c.js";
import { History } from "../../src/history/history.js";
import { SegmentLog } from "../../src/history/segment-log.js";
import { resolveStorage, restoreHistory, type StorageOptions } from "../../src/history/storage.js";
import type { StorageFs } from "../../src/history/storage-fs.js";
import { silentLogger, type Logger } from "../../src/logger.js";
import { clockedSampler, enc } from "../helpers.js";
import { historyOf } from "./history-file.js";
import { faultyFs, tempDir } from "./storage-helpers.js";

function open(fs: StorageFs, options: StorageOptions, logger: Logger = silentLogger, now = () => 5_000_000) {
  return SegmentLog.open(fs, resolveStorage(options), 1000, logger, now);
}

/** A sampler whose flushes are appended to `log`. */
function recording(k = 2) {
  const { s, tick } = clockedSampler({ keyBucketsPerRoute: k, labels: ["x"], historyColumns: 50 });
  s.registerRoute(1, enc("a"), enc("f"), 2);
  s.registerRoute(2, enc("f"), null, 3);
  s.setLeaderTerm(2, 11);
  let n = 0;
  const step = (log: SegmentLog) => {
    n++;
    for (let i = 0; i < n; i++) s.observeKey(1 + (i % 2), (i % 2) as 0 | 1, enc(`b${i}`), i, i % 3 === 0 ? "x" : "");
    tick();
    s.flush();
    const h = historyOf(s);
    log.append(h, h.columns().at(-1)!);
  };
  return { s, step };
}

function reopened(fs: StorageFs, dir: string, capacity = 50) {
  const { log, recovered } = open(fs, { dir });
  const h = new History(capacity);
  restoreHistory(h, recovered);
  return { log, h };
}

function segmentFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".kvzlog"))
    .sort();
}

/** Flips one bit of the byte `fraction` of the way into a segment file (a corrupt block there). */
function flipByteAt(dir: string, file: string, fraction: number): void {
  const bytes = readFileSync(join(dir, file));
  bytes[Math.floor(bytes.length * fraction)]! ^= 0x20;
  writeFileSync(join(dir, file), bytes);
}

describe("segment log", () => {
  it("appends every column and reads the history back exactly", () => {
    const dir = tempDir();
    const fs = faultyFs();
    const { log } = open(fs, { dir });
    const { s, step } = recording();
    for (let i = 0; i < 7; i++) step(log);
    log.close();
    const { log: again, h } = reopened(fs, dir);
    expect(h.snapshot()).toEqual(s.snapshot());
    expect(again.stats()).toMatchObject({ recoveredColumns: 7, cutTail: null, failures: 0 });
    again.close();
  });

  it("syncs each column with fsync 'column', never with 'never'", () => {
    for (const [mode, expected] of [
      ["column", 3],
      ["never", 0],
    ] as const) {
      const dir = tempDir();
      const fs = faultyFs();
      const { log } = SegmentLog.open(fs, resolveStorage({ dir, fsync: mode }), 1000, silentLogger, () => 0);
      const { step } = recording();
      const before = fs.calls.filter((c) => c.startsWith("fsync") && c.includes("seg-")).length;
      for (let i = 0; i < 3; i++) step(log);
      expect(fs.calls.filter((c) => c.startsWith("fsync") && c.includes("seg-")).length - before).toBe(expected);
      log.close();
    }
  });

  it("cuts a torn tail at the last valid block, at every cut point, and keeps appending after it", () => {
    const dir = tempDir();
    const fs = faultyFs();
    const { log } = open(fs, { dir });
    const { s, step } = recording();
    for (let i = 0; i < 4; i++) step(log);
    log.close();
    const file = segmentFiles(dir)[0]!;
    const full = readFileSync(join(dir, file));
    const cols = s.snapshot();
    for (let cut = full.length - 1; cut >= 0; cut -= 7) {
      writeFileSync(join(dir, file), full.subarray(0, cut));
      for (const f of segmentFiles(dir)) if (f !== file) truncateSync(join(dir, f), 0);
      const { log: again, h } = reopened(fs, dir);
      const got = h.snapshot();
      // A prefix of the columns, each exact.
      expect(got).toEqual(cols.slice(0, got.length));
      const stats = again.stats();
      expect(stats.cutTail).not.toBeNull();
      expect(stats.cutTail!.reason).toMatch(/invalid \.kvz history at byte \d+/);
      again.close();
    }
    // After the cut the log takes new columns as usual.
    writeFileSync(join(dir, file), full.subarray(0, full.length - 3));
    const { log: cutLog, h: prefix } = reopened(fs, dir);
    step(cutLog);
    cutLog.close();
    const { log: last, h } = reopened(fs, dir);
    expect(h.snapshot()).toEqual([...prefix.snapshot(), s.snapshot().at(-1)]);
    last.close();
  });

  it("reports a corrupt block in the middle and keeps what precedes it", () => {
    const dir = tempDir();
    const fs = faultyFs();
    const { log } = open(fs, { dir });
    const { s, step } = recording();
    for (let i = 0; i < 5; i++) step(log);
    log.close();
    const file = segmentFiles(dir)[0]!;
    flipByteAt(dir, file, 0.6);
    const { log: again, h } = reopened(fs, dir);
    const got = h.snapshot();
    expect(got.length).toBeLessThan(5);
    expect(got).toEqual(s.snapshot().slice(0, got.length));
    const cut = again.stats().cutTail!;
    expect(cut.file).toBe(file);
    expect(statSync(join(dir, file)).size).toBe(cut.offset); // truncated to the valid prefix
    again.close();
  });

  it("a segment of a newer format version, or with a damaged header, stops startup and is left as it is", () => {
    const dir = tempDir();
    const fs = faultyFs();
    const { log } = open(fs, { dir });
    const { step } = recording();
    for (let i = 0; i < 3; i++) step(log);
    log.close();
    const path = join(dir, segmentFiles(dir)[0]!);
    const good = readFileSync(path);
    const newer = Uint8Array.from(good);
    newer[8] = 2; // major version 2, header checksum fixed up: what a newer keyviz would write
    new DataView(newer.buffer).setUint32(12, crc32c(newer, 0, 12), true);
    const flipped = Uint8Array.from(good);
    flipped[13]! ^= 0x01; // in the header checksum
    for (const [bytes, reason] of [
      [newer, /format version 2\.0 is newer than this reader/],
      [flipped, /header checksum mismatch/],
    ] as const) {
      writeFileSync(path, bytes);
      expect(() => open(fs, { dir })).toThrow(reason);
      expect(() => open(fs, { dir })).toThrow(/left as it is: move it out of the directory to start without it/);
      expect(readFileSync(path)).toEqual(Buffer.from(bytes)); // not cut, not deleted
    }
    // Zeros where the header should be: space a crash left unwritten, cut as a torn tail.
    writeFileSync(path, new Uint8Array(good.length));
    const { log: again, h } = reopened(fs, dir);
    expect(h.snapshot()).toEqual([]);
    expect(again.stats().tailsCut).toBe(1);
    again.close();
  });

  it("with two segments cut, names the first and counts both", () => {
    const dir = tempDir();
    const fs = faultyFs();
    const { s, step } = recording();
    for (let restart = 0; restart < 2; restart++) {
      const { log } = restart === 0 ? open(fs, { dir }) : reopened(fs, dir);
      for (let i = 0; i < 4; i++) step(log);
      log.close();
    }
    const files = segmentFiles(dir);
    expect(files).toHaveLength(2); // a restart appends to a new segment
    for (const file of files) flipByteAt(dir, file, 0.7);
    const { log: again, h } = reopened(fs, dir);
    const stats = again.stats();
    expect(stats.tailsCut).toBe(2);
    expect(stats.cutTail!.file).toBe(files[0]);
    expect(h.snapshot().length).toBeLessThan(s.snapshot().length);
    again.close();
  });

  it("one writer per directory: a live owner is an error, a dead owner's lock is taken over", () => {
    const dir = tempDir();
    const fs = faultyFs();
    const { log } = open(fs, { dir });
    expect(() => open(fs, { dir })).toThrow(/directory .* is in use by process \d+ \(lock file .*keyviz\.lock\)/);
    const other = faultyFs(() => null, { pid: 4_000_000, processAlive: (pid) => pid !== 999_999 });
    expect(() => open(other, { dir })).toThrow(/in use by process/);
    log.close();
    writeFileSync(join(dir, "keyviz.lock"), "999999\n"); // a crashed owner
    const { log: taken } = open(other, { dir });
    expect(readFileSync(join(dir, "keyviz.lock"), "utf8")).toBe("4000000\n");
    taken.close();
    expect(readdirSync(dir)).not.toContain("keyviz.lock");
  });

  it("a lock naming this process's pid is an earlier run's (pid 1 in a container) unless this process holds a lock", () => {
    const dir = tempDir();
    const fs = faultyFs(() => null, { pid: 1, processAlive: () => true });
    writeFileSync(join(dir, "keyviz.lock"), "1\n"); // a crashed earlier start, also pid 1
    const { log } = open(fs, { dir });
    expect(readFileSync(join(dir, "keyviz.lock"), "utf8")).toBe("1\n");
    // Now one is held here: a lock with this pid may be that sampler's (the directory spelled
    // another way), so it is refused as before.
    const second = tempDir();
    writeFileSync(join(second, "keyviz.lock"), "1\n");
    expect(() => open(fs, { dir: second })).toThrow(/in use by process 1/);
    expect(() => open(fs, { dir })).toThrow(/in use by process 1/);
    log.close();
    log.close(); // a second close does not count the lock twice
    const { log: again } = open(fs, { dir: second });
    again.close();
  });

  it("a read-only or full directory is a clear error at startup", () => {
    for (const code of ["EROFS", "ENOSPC", "EACCES"]) {
      const dir = tempDir();
      const fs = faultyFs((op) => (op === "openAppend" || op === "write" ? code : null));
      expect(() => open(fs, { dir })).toThrow(new RegExp(`keyviz storage: directory .* is not writable \\(${code}`));
    }
    const dir = tempDir();
    const failSegment = faultyFs((op, p) => (op === "openAppend" && p.includes("seg-") ? "ENOSPC" : null));
    expect(() => open(failSegment, { dir })).toThrow(/cannot be written \(ENOSPC/);
    expect(readdirSync(dir)).not.toContain("keyviz.lock"); // released on failure
  });

  it("keeps going when writes fail: counts, logs, and rewrites everything once the disk recovers", () => {
    const dir = tempDir();
    let full = false;
    const fs = faultyFs((op) => (full && (op === "write" || op === "openAppend") ? "ENOSPC" : null));
    const logged: string[] = [];
    const logger = { info() {}, warn() {}, error: (m: string) => void logged.push(m) };
    const clock = { now: 5_000_000 };
    const { log } = open(fs, { dir }, logger, () => clock.now);
    const { s, step } = recording();
    step(log);
    full = true;
    step(log);
    expect(logged).toEqual(["keyviz storage: append failed; history is kept in memory and a flush retries in 1 s"]);
    clock.now += 999;
    step(log); // too soon: not tried
    clock.now += 1;
    step(log); // the retry: a full rewrite, which fails too
    const st = log.stats();
    expect(st.failures).toBe(2);
    expect(st.lastError).toMatch(/^rewrite failed: ENOSPC/);
    expect(logged[1]).toMatch(/rewrite failed; .* retries in 2 s/);
    full = false;
    clock.now += 2000;
    step(log);
    expect(log.stats().lastError).toBeNull();
    log.close();
    const { log: again, h } = reopened(fs, dir);
    expect(h.snapshot()).toEqual(s.snapshot());
    expect(segmentFiles(dir)).toEqual([
      expect.stringMatching(/^base-\d+\.kvzlog$/),
      expect.stringMatching(/^seg-\d+\.kvzlog$/),
    ]);
    again.close();
  });

  it("waits twice as long after each failure in a row, at most 5 min, and close() tries once more", () => {
    const dir = tempDir();
    let full = false;
    let writes = 0;
    const fs = faultyFs((op) => {
      if (op === "write") writes++;
      return full && (op === "write" || op === "openAppend") ? "ENOSPC" : null;
    });
    const waits: string[] = [];
    const logger = { info() {}, warn() {}, error: (m: string) => void waits.push(/retries in (\d+) s/.exec(m)![1]!) };
    const clock = { now: 5_000_000 };
    const { log } = open(fs, { dir }, logger, () => clock.now);
    const { s, step } = recording();
    step(log);
    full = true;
    for (let i = 0; i < 40; i++) {
      clock.now += 1000; // a flush a second: only the due ones write
      step(log);
    }
    // Failures at +1 s, then +1, +2, +4, +8, +16 s later: 6 tries in 40 s, not 40.
    expect(waits).toEqual(["1", "2", "4", "8", "16", "32"]);
    for (let i = 0; i < 20; i++) {
      clock.now += 1_000_000;
      step(log);
    }
    expect(waits.slice(6)).toEqual(["64", "128", "256", ...Array<string>(17).fill("300")]);
    full = false;
    writes = 0;
    step(log); // not due: nothing written
    expect(writes).toBe(0);
    log.rewriteIfBehind(historyOf(s)); // but closing (the sampler's close()) writes everything out
    expect(writes).toBeGreaterThan(0);
    log.close();
    const { log: again, h } = reopened(fs, dir);
    expect(h.snapshot()).toEqual(s.snapshot());
    again.close();
  });

  it("a failed sync at close says the newest columns may not be on disk, not that a flush retries", () => {
    const dir = tempDir();
    let failSync = false;
    const fs = faultyFs((op) => (failSync && op === "fsync" ? "EIO" : null));
    const logged: string[] = [];
    const logger = { info() {}, warn() {}, error: (m: string) => void logged.push(m) };
    const { log } = open(fs, { dir }, logger);
    const { step } = recording();
    step(log);
    failSync = true;
    log.close();
    expect(logged).toEqual(["keyviz storage: final sync failed; the newest columns may not be on disk"]);
    expect(log.stats().lastError).toMatch(/^final sync failed: EIO/);
  });

  it("a rewrite that crashes before its rename leaves the old state; after it, the new", () => {
    const dir = tempDir();
    const { log } = open(faultyFs(), { dir });
    const { s, step } = recording();
    for (let i = 0; i < 3; i++) step(log);
    const before = s.snapshot();
    // Crash before the rename: the process dies, its .tmp file stays behind.
    let crash = true;
    const dying = faultyFs((op) => (crash && op === "rename" ? "EIO" : null));
    Object.assign(log, { fs: dying });
    log.rewrite(historyOf(s));
    log.close();
    crash = false;
    let { log: again, h } = reopened(faultyFs(), dir);
    expect(h.snapshot()).toEqual(before);
    expect(readdirSync(dir).some((f) => f.endsWith(".tmp"))).toBe(false);
    // Crash after the rename, before deleting the superseded segments: they are ignored (and removed).
    const keepOld = faultyFs((op, p) => (op === "unlink" && p.includes("seg-") ? "EIO" : null));
    Object.assign(again, { fs: keepOld });
    again.rewrite(historyOf(s));
    again.close();
    expect(segmentFiles(dir).filter((f) => f.startsWith("seg-")).length).toBeGreaterThan(0);
    ({ log: again, h } = reopened(faultyFs(), dir));
    expect(h.snapshot()).toEqual(before);
    expect(segmentFiles(dir).filter((f) => f.startsWith("seg-"))).toHaveLength(1); // the new append segment only
    again.close();
  });

  it("stays within maxBytes by dropping the oldest segments", () => {
    const dir = tempDir();
    const { log } = open(faultyFs(), { dir, maxBytes: 192 * 1024 });
    const { s, tick } = clockedSampler({ maxTrackedRoutes: 1000, historyColumns: 1000 });
    for (let r = 0; r < 1000; r++)
      s.registerRoute(r, enc(`k${String(r).padStart(4, "0")}`), enc(`k${String(r + 1).padStart(4, "0")}`));
    for (let c = 0; c < 80; c++) {
      for (let r = 0; r < 1000; r++) s.observe(r, 1, 10, (r * 7919 + c * 104729) % 5000);
      tick();
      s.flush();
      const h = historyOf(s);
      log.append(h, h.columns().at(-1)!);
    }
    const st = log.stats();
    expect(st.segments).toBeGreaterThan(1);
    // Bounded: at most maxBytes plus the segment being filled.
    expect(st.bytes).toBeLessThanOrEqual(192 * 1024 + 64 * 1024);
    expect(st.bytes).toBeGreaterThan(192 * 1024 - 64 * 1024);
    expect(segmentFiles(dir)).toHaveLength(st.segments);
    expect(segmentFiles(dir)[0]).not.toBe("seg-0000000001.kvzlog"); // the oldest went first
    log.close();
  });
});
