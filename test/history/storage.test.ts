// createSampler({ storage }): history on disk that survives restarts, crashes and failing disks.
import { spawn } from "node:child_process";
import { cpSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createSampler, type Sampler } from "../../src/sampler/sampler.js";
import { openHistory } from "../../src/history/replay.js";
import type { SamplerOptions } from "../../src/sampler/options.js";
import { silentLogger } from "../../src/logger.js";
import type { Column } from "../../src/types.js";
import { enc } from "../helpers.js";
import { faultyFs, tempDir } from "./storage-helpers.js";

function clocked(opts: SamplerOptions, start = 1_000_000) {
  const clock = { now: start };
  const s = createSampler({ stepMs: 1000, logger: silentLogger, ...opts, now: () => clock.now });
  const flush = () => {
    clock.now += 1000;
    s.flush();
  };
  return { s, clock, flush };
}

function traffic(s: Sampler, c: number): void {
  for (let r = 1; r <= 4; r++)
    for (let i = 0; i < r + c; i++)
      s.observeKey(r, (i % 2) as 0 | 1, enc(`${String.fromCharCode(96 + r * 3)}${i}`), i, i % 4 === 0 ? "x" : "");
}

function routes(s: Sampler): void {
  s.registerRoute(1, null, enc("f"), 1);
  s.registerRoute(2, enc("f"), enc("m"), 2);
  s.registerRoute(3, enc("m"), enc("t"), 2);
  s.registerRoute(4, enc("t"), null, 3);
  s.setLeaderTerm(2, 5);
}

/** A sampler with storage in a new directory, the four routes, and `n` columns of traffic. */
function storedColumns(n: number) {
  const dir = tempDir();
  const a = clocked({ storage: { dir } });
  routes(a.s);
  for (let c = 0; c < n; c++) {
    traffic(a.s, c);
    a.flush();
  }
  return { dir, a };
}

/** Splits route 2 [f, m) at "i" into 2 and 9. */
function splitRoute2(s: Sampler): void {
  s.replaceRoutes(
    [2],
    [
      { routeId: 2, start: enc("f"), end: enc("i"), groupId: 2 },
      { routeId: 9, start: enc("i"), end: enc("m"), groupId: 2 },
    ],
  );
}

const noTime = <T extends { generated_at: string }>(m: T) => ({ ...m, generated_at: "" });

/** Every column's window `(windowStartMs, atMs]` starts at or after the previous column's end. */
function expectWindowsInOrder(s: Sampler): void {
  const cols = s.snapshot();
  for (let i = 1; i < cols.length; i++) {
    expect(cols[i]!.windowStartMs, `column ${i}`).toBeGreaterThanOrEqual(cols[i - 1]!.atMs);
    expect(cols[i]!.atMs).toBeGreaterThan(cols[i]!.windowStartMs);
  }
  s.close();
}

describe("sampler storage", () => {
  it("continues after a restart: history, snapshot() and matrix() as before, then new columns", () => {
    const dir = tempDir();
    const a = clocked({ keyBucketsPerRoute: 2, labels: ["x"], storage: { dir } });
    routes(a.s);
    for (let c = 0; c < 5; c++) {
      traffic(a.s, c);
      a.flush();
    }
    a.s.close(); // flushes once more (an empty column)
    const before = a.s.snapshot();
    const b = clocked({ keyBucketsPerRoute: 2, labels: ["x"], storage: { dir } }, a.clock.now + 5000);
    expect(b.s.snapshot()).toEqual(before);
    for (const series of ["reads", "writes", "read_bytes", "write_bytes"] as const) {
      expect(noTime(b.s.matrix({ series, rows: 3 }))).toEqual(noTime(a.s.matrix({ series, rows: 3 })));
    }
    expect(b.s.stats().storage).toMatchObject({ recoveredColumns: 6, cutTail: null, failures: 0, dir });
    routes(b.s); // registrations are the embedder's to repeat
    traffic(b.s, 9);
    b.flush();
    expect(b.s.snapshot().slice(0, 6)).toEqual(before);
    expect(b.s.snapshot()).toHaveLength(7);
    b.s.close();
  });

  it("writes re-homed history after a split, so a restart sees the same split history", () => {
    const { dir, a } = storedColumns(3);
    splitRoute2(a.s);
    traffic(a.s, 3);
    a.flush();
    a.s.close();
    const b = clocked({ storage: { dir } });
    expect(b.s.snapshot()).toEqual(a.s.snapshot());
    expect(b.s.snapshot()[0]!.rows.map((r) => r.bucketId)).toContain("route:9");
    b.s.close();
  });

  it("a split writes nothing while running; a crash before close() recovers the columns as flushed, same totals", () => {
    const { dir, a } = storedColumns(3);
    const filesBefore = readdirSync(dir).sort();
    const bytesBefore = a.s.stats().storage!.bytes;
    splitRoute2(a.s);
    traffic(a.s, 3);
    a.flush();
    // Only the new column was appended: no base file, the same segment files.
    expect(readdirSync(dir).sort()).toEqual(filesBefore);
    expect(a.s.stats().storage!.bytes).toBeGreaterThan(bytesBefore);
    // A crash now: the directory as it is, with the lock of a process that is gone.
    const crashed = tempDir();
    cpSync(dir, crashed, { recursive: true });
    writeFileSync(join(crashed, "keyviz.lock"), "999999\n");
    const b = clocked({ storage: { dir: crashed } });
    const total = (cols: Column[]) => cols.map((c) => c.rows.reduce((n, r) => n + r.reads + r.writes, 0));
    expect(total(b.s.snapshot())).toEqual(total(a.s.snapshot()));
    // The columns from before the split still have route 2 whole; the memory of `a` has them re-homed.
    expect(b.s.snapshot()[0]!.rows.map((r) => r.bucketId)).not.toContain("route:9");
    expect(a.s.snapshot()[0]!.rows.map((r) => r.bucketId)).toContain("route:9");
    expect(b.s.snapshot().at(-1)).toEqual(a.s.snapshot().at(-1)); // flushed after the split: as in memory
    b.s.close();
    a.s.close();
  });

  it("a restart whose clock is behind the recovered columns still appends after them", () => {
    const { dir, a } = storedColumns(1);
    a.s.close();
    const last = a.s.snapshot().at(-1)!.atMs;
    const b = clocked({ storage: { dir } }, last - 50_000);
    routes(b.s);
    traffic(b.s, 1);
    b.flush();
    const times = b.s.snapshot().map((c) => c.atMs);
    expect(times.at(-1)).toBe(last + 1);
    expect(b.s.stats().clockAnomalies).toBe(1);
    // ...and its window opens where the recovered columns end, not at the restart's clock.
    expect(b.s.snapshot().at(-1)!.windowStartMs).toBe(last);
    b.s.close();
    expectWindowsInOrder(clocked({ storage: { dir } }, last - 50_000).s);
  });

  it("restarts within one clock reading never open a window before the last column's end", () => {
    const { dir, a } = storedColumns(1);
    a.s.close(); // flushes once more, at the same reading: a column 1 ms long
    const at = a.clock.now;
    for (let restart = 0; restart < 3; restart++) clocked({ storage: { dir } }, at).s.close();
    const c = clocked({ storage: { dir } }, at);
    expect(c.s.snapshot()).toHaveLength(5);
    expectWindowsInOrder(c.s);
    c.s.close();
  });

  it("keeps tiers on disk: a restart has the same tiered history, and the log stays near what memory holds", () => {
    const dir = tempDir();
    const tiers = [
      { stepMs: 3000, columns: 4 },
      { stepMs: 12_000, columns: 1000 }, // nothing ages out of the last tier in this run
    ];
    const key = (r: number) => enc(`r${String(r).padStart(3, "0")}`);
    const a = clocked({ historyColumns: 5, tiers, storage: { dir, maxBytes: 512 * 1024 } });
    for (let r = 0; r < 300; r++)
      a.s.registerRoute(r, r === 0 ? null : key(r), r === 299 ? null : key(r + 1), 1 + (r % 4));
    let maxBytes = 0;
    let everWritten = 0;
    for (let c = 0; c < 400; c++) {
      for (let r = 0; r < 300; r++) a.s.observe(r, (r + c) % 2 === 0 ? 1 : 0, 8, (r * 7 + c) % 100);
      if (c === 150) {
        a.s.replaceRoutes(
          [2],
          [
            { routeId: 2, start: key(2), end: enc("r002m"), groupId: 2 },
            { routeId: 1000, start: enc("r002m"), end: key(3), groupId: 2 },
          ],
        );
      }
      const was = a.s.stats().storage!.bytes;
      a.flush();
      const now = a.s.stats().storage!.bytes;
      everWritten += Math.max(0, now - was);
      if (c > 200) maxBytes = Math.max(maxBytes, now);
    }
    a.s.close(); // flushes once more (an empty column)
    const before = a.s.snapshot();
    expect(before.length).toBeLessThanOrEqual(5 + (4 + 3) + (Math.ceil(400 / 12) + 4));
    expect(new Set(before.map((c) => c.atMs - c.windowStartMs)).size).toBeGreaterThan(2); // three widths
    // Bounded: rewrites as columns merge into tiers keep the log near what memory holds (a fraction
    // of what was ever appended; segments roll over at 64 KiB).
    expect(everWritten).toBeGreaterThan(400_000);
    expect(maxBytes).toBeLessThan(3 * 64 * 1024);
    const b = clocked({ historyColumns: 5, tiers, storage: { dir } }, a.clock.now + 5000);
    const after = b.s.snapshot();
    expect(after.map((c) => [c.windowStartMs, c.atMs])).toEqual(before.map((c) => [c.windowStartMs, c.atMs]));
    expect(after).toEqual(before);
    b.s.close();
  });

  it("turns the default tiers on with storage (older columns kept coarser); tiers: [] keeps only the ring", () => {
    const run = (tiers?: []) => {
      const a = clocked({ historyColumns: 3, storage: { dir: tempDir() }, ...(tiers ? { tiers } : {}) });
      a.s.registerRoute(1, null, null);
      for (let c = 0; c < 40; c++) {
        a.s.observe(1, 1, 1);
        a.flush();
      }
      const widths = a.s.snapshot().map((c) => c.atMs - c.windowStartMs);
      a.s.close();
      return widths;
    };
    // Default: 10 × step for 7 × the base span (3 columns → 30 s of 10 s columns), then 60 × step.
    const tiered = run();
    expect(tiered.length).toBeGreaterThan(3);
    expect(tiered).toContain(10_000);
    expect(run([])).toEqual([1000, 1000, 1000]);
  });

  it("never reuses a recovered virtual bucket id", () => {
    const dir = tempDir();
    const a = clocked({ maxTrackedRoutes: 1, storage: { dir } });
    a.s.registerRoute(1, null, enc("m"));
    a.s.registerRoute(2, enc("m"), null); // folded: virtual bucket 0
    a.s.observe(2, 1, 3);
    a.flush();
    a.s.close();
    const b = clocked({ maxTrackedRoutes: 1, storage: { dir } });
    b.s.registerRoute(5, null, enc("c"));
    b.s.registerRoute(6, enc("x"), null);
    b.s.observe(6, 1, 3);
    b.flush();
    const ids = b.s.snapshot().flatMap((c) => c.rows.filter((r) => r.aggregate).map((r) => r.bucketId));
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(2);
    b.s.close();
  });

  it("one sampler per directory until close() releases it", () => {
    const dir = tempDir();
    const a = clocked({ storage: { dir } });
    expect(() => clocked({ storage: { dir } })).toThrow(/directory .* is in use by process/);
    a.s.close();
    clocked({ storage: { dir } }).s.close();
  });

  it("a writer whose lock another process took over stops writing, says so once, and leaves that lock", () => {
    // What two processes that both take over one stale lock leave behind: the lock names the
    // other (dir-lock.ts). Here the other is this test's parent process, alive.
    const dir = tempDir();
    const errors: string[] = [];
    const logger = { info() {}, warn() {}, error: (m: string) => void errors.push(m) };
    const a = clocked({ storage: { dir }, logger });
    routes(a.s);
    traffic(a.s, 0);
    a.flush();
    const sizes = () => readdirSync(dir).map((n) => [n, statSync(join(dir, n)).size]);
    writeFileSync(join(dir, "keyviz.lock"), `${process.ppid}\n`);
    const before = sizes();
    for (let c = 1; c <= 3; c++) {
      traffic(a.s, c);
      a.flush();
    }
    expect(sizes()).toEqual(before); // not one more byte
    expect(a.s.stats().storage!.lastError).toBe(
      `the lock of ${dir} now names process ${process.ppid}; this sampler stopped writing there (history is kept in memory)`,
    );
    expect(errors).toEqual(["keyviz storage: lost the directory lock to another writer; stopped writing"]);
    expect(a.s.snapshot()).toHaveLength(4);
    a.s.close();
    expect(readFileSync(join(dir, "keyviz.lock"), "utf8")).toBe(`${process.ppid}\n`);
  });

  it("a segment whose columns go back in time (another writer's) is cut where they do", () => {
    // Two writers that both took over one stale lock leave interleaved segments: here writer A's
    // columns end at 1 004 000, and a segment written after it starts at 1 001 500.
    const write = (dir: string, start: number, n: number) => {
      const w = clocked({ storage: { dir } }, start);
      routes(w.s);
      for (let c = 0; c < n; c++) {
        traffic(w.s, c);
        w.flush();
      }
      w.s.close();
      return w.s.snapshot();
    };
    const dir = tempDir();
    const a = write(dir, 1_000_000, 4);
    const other = tempDir();
    write(other, 1_000_500, 6);
    cpSync(join(other, "seg-0000000001.kvzlog"), join(dir, "seg-0000000002.kvzlog"));
    const warnings: string[] = [];
    const logger = { info() {}, warn: (m: string) => void warnings.push(m), error() {} };
    const r = clocked({ storage: { dir }, logger }, 1_010_000);
    expect(r.s.snapshot()).toEqual(a);
    expect(r.s.stats().storage!.cutTail).toMatchObject({
      file: "seg-0000000002.kvzlog",
      reason: expect.stringMatching(
        new RegExp(`column time 1001500 is not after ${a.at(-1)!.atMs}, the last column of the segments before`),
      ),
    });
    expect(warnings).toEqual(["keyviz storage: cut a torn or corrupt tail off the history log"]);
    // What is kept is a history its own reader takes back.
    expect(openHistory(r.s.exportHistory()).columns).toHaveLength(a.length);
    r.s.close();
  });

  it("a history written at another step loads as it is, with one warning", () => {
    const dir = tempDir();
    const a = clocked({ storage: { dir }, stepMs: 60_000 });
    routes(a.s);
    traffic(a.s, 0);
    a.clock.now += 60_000;
    a.s.flush();
    a.s.close();
    const warnings: { m: string; f?: Record<string, unknown> }[] = [];
    const logger = {
      info() {},
      warn: (m: string, f?: Record<string, unknown>) => void warnings.push({ m, f }),
      error() {},
    };
    const b = clocked({ storage: { dir }, logger }, 2_000_000);
    expect(b.s.snapshot().map((c) => c.atMs - c.windowStartMs)).toEqual(
      a.s.snapshot().map((c) => c.atMs - c.windowStartMs),
    );
    expect(warnings).toEqual([
      {
        m: "keyviz storage: history written at another step; its columns keep their widths",
        f: { file: "seg-0000000001.kvzlog", writtenStepMs: 60_000, stepMs: 1000 },
      },
    ]);
    b.s.close();
  });

  it("recovery removes unfinished rewrites but not another process's lock takeover in flight", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "base-0000000009.kvzlog.tmp"), "half a rewrite");
    writeFileSync(join(dir, "keyviz.lock.4242.tmp"), "4242\n");
    const a = clocked({ storage: { dir } });
    expect(readdirSync(dir).filter((n) => n.endsWith(".tmp"))).toEqual(["keyviz.lock.4242.tmp"]);
    a.s.close();
  });

  it("a lock created on a full disk but not written is removed, not left empty", () => {
    const dir = tempDir();
    const fs = faultyFs((op, arg) => (op === "write" && arg.endsWith("keyviz.lock") ? "ENOSPC" : null));
    // The code once, as node:fs says it ("ENOSPC: ENOSPC: …" before).
    expect(() => clocked({ storage: { dir, fs } })).toThrow(/is not writable \(ENOSPC: injected failure/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("disk full while running: keeps counting in memory, reports in stats() and the logger, retries", () => {
    const dir = tempDir();
    let full = false;
    const fs = faultyFs((op) => (full && (op === "write" || op === "openAppend") ? "ENOSPC" : null));
    const errors: string[] = [];
    const logger = { info() {}, warn() {}, error: (m: string) => void errors.push(m) };
    const a = clocked({ storage: { dir, fs }, logger });
    routes(a.s);
    traffic(a.s, 0);
    a.flush();
    full = true;
    for (let c = 1; c < 4; c++) {
      traffic(a.s, c);
      a.flush();
    }
    const st = a.s.stats();
    expect(st.columns).toBe(4);
    // Flushes 1 s apart: the append fails, its retry 1 s later fails, the next waits 2 s.
    expect(st.storageErrors).toBe(2);
    expect(st.storage!.lastError).toMatch(/ENOSPC/);
    expect(errors.length).toBe(2);
    full = false;
    a.flush();
    expect(a.s.stats().storage!.lastError).toBeNull();
    a.s.close();
    const b = clocked({ storage: { dir } });
    expect(b.s.snapshot()).toEqual(a.s.snapshot());
    b.s.close();
  });

  it("a read-only directory is a clear error at construction; bad options are named", () => {
    const dir = tempDir();
    const fs = faultyFs((op) => (op === "openAppend" ? "EROFS" : null));
    expect(() => clocked({ storage: { dir, fs } })).toThrow(/keyviz storage: directory .* is not writable \(EROFS/);
    expect(readdirSync(dir)).toEqual([]);
    expect(() => createSampler({ storage: { dir: "" } })).toThrow(/storage.dir must be a non-empty string/);
    expect(() => createSampler({ storage: { dir, fsync: "sometimes" as "never" } })).toThrow(/storage.fsync must be/);
    expect(() => createSampler({ storage: { dir, maxBytes: 10 } })).toThrow(
      new RangeError("storage.maxBytes must be an integer from 65536 to 2^53 − 1, got 10"),
    );
    // Past 2^53 the message named a whole number as if it were not one.
    expect(() => createSampler({ storage: { dir, maxBytes: 2 ** 60 } })).toThrow(
      /from 65536 to 2\^53 − 1, got 1152921/,
    );
    expect(() => createSampler({ storage: { dir, maxBytes: "5" as unknown as number } })).toThrow(
      new TypeError("storage.maxBytes must be a number, got string"),
    );
  });

  it("a process killed with SIGKILL while flushing loses no column flush() had returned (fsync 'column')", async () => {
    const dir = tempDir();
    const child = spawn(process.execPath, [new URL("./fixtures/flush-forever.mjs", import.meta.url).pathname, dir], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const reported: [number, number][] = [];
    let buffer = "";
    await new Promise<void>((resolve, reject) => {
      child.on("error", reject);
      child.on("exit", () => resolve());
      child.stdout.on("data", (d: Buffer) => {
        buffer += d.toString();
        const lines = buffer.split("\n");
        buffer = lines.pop()!;
        for (const l of lines) reported.push(l.split(" ").map(Number) as [number, number]);
        // Killed mid-stream, at a point that varies with timing: usually inside a flush.
        if (reported.length >= 40) child.kill("SIGKILL");
      });
    });
    expect(child.signalCode).toBe("SIGKILL");
    const s = createSampler({ stepMs: 1000, historyColumns: 100_000, logger: silentLogger, storage: { dir } });
    const cols = new Map(s.snapshot().map((c) => [c.atMs, c.rows.reduce((n, r) => n + r.writes, 0)]));
    for (const [atMs, writes] of reported) expect(cols.get(atMs)).toBe(writes);
    s.close();
  });
});
