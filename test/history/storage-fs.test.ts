import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { nodeStorageFs } from "../../src/history/storage-fs.js";

const root = mkdtempSync(join(tmpdir(), "keyviz-storage-fs-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("nodeStorageFs().mkdirp", () => {
  const fs = nodeStorageFs();

  it("makes every missing level and accepts a directory that exists", () => {
    const dir = join(root, "a", "b", "c");
    fs.mkdirp(dir);
    expect(statSync(dir).isDirectory()).toBe(true);
    fs.mkdirp(dir);
    fs.mkdirp(join(root, "a"));
  });

  it("fails when a file is in the way, at the end or above it", () => {
    writeFileSync(join(root, "file"), "x");
    expect(() => fs.mkdirp(join(root, "file"))).toThrow(expect.objectContaining({ code: "EEXIST" }));
    expect(() => fs.mkdirp(join(root, "file", "below"))).toThrow(expect.objectContaining({ code: "ENOTDIR" }));
  });

  // Node 20's recursive mkdirSync never returned for this path (the demo hung on --dir /proc/nope).
  it.skipIf(!existsSync("/proc/self"))("fails at once under /proc instead of looping", () => {
    expect(() => fs.mkdirp("/proc/keyviz-nope/x")).toThrow(expect.objectContaining({ code: "ENOENT" }));
  });
});
