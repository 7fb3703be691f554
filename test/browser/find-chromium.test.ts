// The browser lookup against fake installs in a temp dir: explicit variables first, then PATH,
// then the newest Playwright cache entry; an explicit path that is not a binary is an error.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { findChromium } from "./find-chromium.js";

let dir = "";
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "keyviz-find-chromium-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A fake executable (mode 755) at `dir/relative`; returns its path. */
function exe(relative: string, mode = 0o755): string {
  const path = join(dir, relative);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, "#!/bin/sh\n");
  chmodSync(path, mode);
  return path;
}

// HOME-independent: the cache lookup is pointed into the temp dir, and nothing else is on PATH.
const base = () => ({ PATH: join(dir, "bin"), PLAYWRIGHT_BROWSERS_PATH: join(dir, "pw") });

describe("findChromium", () => {
  it("prefers KEYVIZ_CHROMIUM over CHROME_PATH over PATH", () => {
    const own = exe("own/chrome");
    const generic = exe("generic/chrome");
    exe("bin/chromium");
    expect(findChromium({ ...base(), KEYVIZ_CHROMIUM: own, CHROME_PATH: generic })).toBe(own);
    expect(findChromium({ ...base(), CHROME_PATH: generic })).toBe(generic);
    expect(findChromium({ ...base(), KEYVIZ_CHROMIUM: "" })).toBe(join(dir, "bin", "chromium"));
  });

  it("rejects an explicit path that is not an executable file, naming the variable", () => {
    expect(() => findChromium({ ...base(), CHROME_PATH: join(dir, "missing") })).toThrow(/CHROME_PATH=.*missing/);
    const plain = exe("plain/chrome", 0o644);
    expect(() => findChromium({ ...base(), KEYVIZ_CHROMIUM: plain })).toThrow(/KEYVIZ_CHROMIUM/);
    mkdirSync(join(dir, "a-dir"));
    expect(() => findChromium({ ...base(), KEYVIZ_CHROMIUM: join(dir, "a-dir") })).toThrow(/not an executable file/);
  });

  it("walks PATH for chromium, chromium-browser and google-chrome, skipping non-executables", () => {
    exe("bin/chromium", 0o644);
    const chrome = exe("bin2/google-chrome");
    const env = { ...base(), PATH: [join(dir, "bin"), join(dir, "bin2")].join(":") };
    expect(findChromium(env)).toBe(chrome);
    const chromiumBrowser = exe("bin2/chromium-browser");
    expect(findChromium(env)).toBe(chromiumBrowser);
  });

  it("takes the newest full Chromium from the Playwright cache, else the newest headless shell", () => {
    const shell = exe("pw/chromium_headless_shell-1300/chrome-headless-shell-linux64/chrome-headless-shell");
    expect(findChromium(base())).toBe(shell);
    exe("pw/chromium-999/chrome-linux/chrome");
    const newest = exe("pw/chromium-1200/chrome-linux64/chrome");
    exe("pw/chromium-1100/chrome-linux64/chrome");
    expect(findChromium(base())).toBe(newest);
  });

  it.skipIf(process.platform !== "linux")("reads the default Playwright cache under XDG_CACHE_HOME on Linux", () => {
    const chrome = exe("xdg/ms-playwright/chromium-1/chrome-linux64/chrome");
    expect(findChromium({ PATH: join(dir, "bin"), XDG_CACHE_HOME: join(dir, "xdg") })).toBe(chrome);
  });

  it("answers null when nothing is installed", () => {
    expect(findChromium(base())).toBeNull();
  });
});
