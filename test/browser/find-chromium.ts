// Finding a Chromium for the browser tests the way developers have one, and launching it with the
// project's flags. The lookup runs once per `vitest` run (test/browser/chromium-setup.ts, a
// globalSetup) and is handed to the test files with `inject("chromiumPath")`; without a browser the
// browser tests are skipped with one loud line, except under CI=true where that is a failure.
//
// Order: $KEYVIZ_CHROMIUM, then $CHROME_PATH (an explicit path that is not an executable file is an
// error, never a silent skip), then chromium / chromium-browser / google-chrome(-stable) on PATH,
// then the usual macOS application bundles, then the newest Chromium in the Playwright cache
// ($PLAYWRIGHT_BROWSERS_PATH or ~/.cache/ms-playwright, ~/Library/Caches/ms-playwright on macOS).
import { accessSync, constants, readdirSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import type { Browser } from "playwright-core";
import { inject } from "vitest";

/** Flags every browser test launches with: headless, no sandbox (root in CI), no network chatter. */
export const CHROMIUM_ARGS: readonly string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** How to make the browser tests run, for the skip line and the CI failure. */
export const HOW_TO_ENABLE =
  "set KEYVIZ_CHROMIUM (or CHROME_PATH) to a Chromium/Chrome binary, put `chromium` on PATH " +
  "(Debian: apt-get install chromium), or run `npx playwright install chromium`";

const ON_PATH = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];
const MAC_APPS = [
  "/Applications/Chromium.app/Contents/MacOS/Chromium",
  "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
];
/** Executables inside a Playwright cache entry, current layouts first, then older ones. */
const IN_PLAYWRIGHT_DIR = [
  ["chrome-linux64", "chrome"],
  ["chrome-linux-arm64", "chrome"],
  ["chrome-linux", "chrome"],
  ["chrome-mac-arm64", "Google Chrome for Testing.app", "Contents", "MacOS", "Google Chrome for Testing"],
  ["chrome-mac-x64", "Google Chrome for Testing.app", "Contents", "MacOS", "Google Chrome for Testing"],
  ["chrome-mac", "Chromium.app", "Contents", "MacOS", "Chromium"],
  ["chrome-headless-shell-linux64", "chrome-headless-shell"],
  ["chrome-headless-shell-linux-arm64", "chrome-headless-shell"],
  ["chrome-headless-shell-mac-arm64", "chrome-headless-shell"],
  ["chrome-headless-shell-mac-x64", "chrome-headless-shell"],
  ["chrome-linux", "headless_shell"],
];

type Env = Record<string, string | undefined>;

/** The Chromium to test with, or null when this machine has none where people keep one. */
export function findChromium(env: Env = process.env): string | null {
  for (const name of ["KEYVIZ_CHROMIUM", "CHROME_PATH"]) {
    const path = env[name];
    if (path === undefined || path === "") continue;
    if (!isExecutable(path)) throw new Error(`${name}=${path} is not an executable file`);
    return path;
  }
  const dirs = (env.PATH ?? "").split(delimiter).filter((d) => d !== "");
  for (const name of ON_PATH) {
    for (const dir of dirs) if (isExecutable(join(dir, name))) return join(dir, name);
  }
  for (const app of MAC_APPS) if (isExecutable(app)) return app;
  return inPlaywrightCache(env);
}

/** The newest full Chromium in the Playwright cache, else the newest headless shell. */
function inPlaywrightCache(env: Env): string | null {
  const root = env.PLAYWRIGHT_BROWSERS_PATH || join(cacheHome(env), "ms-playwright");
  let entries: string[];
  try {
    entries = readdirSync(root);
  } catch {
    return null;
  }
  const revision = (dir: string) => Number(dir.slice(dir.lastIndexOf("-") + 1)) || 0;
  for (const prefix of ["chromium-", "chromium_headless_shell-"]) {
    const dirs = entries.filter((e) => e.startsWith(prefix)).sort((a, b) => revision(b) - revision(a));
    for (const dir of dirs) {
      for (const parts of IN_PLAYWRIGHT_DIR) {
        const path = join(root, dir, ...parts);
        if (isExecutable(path)) return path;
      }
    }
  }
  return null;
}

function cacheHome(env: Env): string {
  if (process.platform === "darwin") return join(homedir(), "Library", "Caches");
  return env.XDG_CACHE_HOME || join(homedir(), ".cache");
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The path found by the global setup for this run, or null (the browser tests then skip). */
export function chromiumPath(): string | null {
  return inject("chromiumPath");
}

/** Launches the Chromium found for this run with {@link CHROMIUM_ARGS}. */
export async function launchChromium(executablePath: string): Promise<Browser> {
  // Loaded here, not at the top: the global setup imports this file only to look a browser up.
  const { chromium } = await import("playwright-core");
  return chromium.launch({ executablePath, args: [...CHROMIUM_ARGS] });
}

declare module "vitest" {
  export interface ProvidedContext {
    chromiumPath: string | null;
  }
}
