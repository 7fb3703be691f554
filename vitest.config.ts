import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Finds Chromium once per run for the browser tests (skip line, or failure under CI=true).
    globalSetup: ["test/browser/chromium-setup.ts"],
    // Vitest's default is one worker fewer than the cores: on a 2-core machine one file at a time.
    // Many files spend their time waiting (Chromium, loopback servers, child processes, workers),
    // so two at once there took the run from 204–245 s to 161–188 s (4 runs, no failure).
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // A bound for hangs, not a speed check: on a 2-core VM about 2× slower than the last, tests
    // of 7–8 s alone (100 000 routes, fast-check properties) passed 20 s under a full parallel run.
    testTimeout: 60_000,
    hookTimeout: 30_000,
    coverage: {
      provider: "v8",
      include: ["src/**/*.ts"],
      // Generated Wasm wrappers (base64 only) say nothing about coverage.
      exclude: ["src/**/*.wasm.ts"],
      reporter: ["text-summary", "text"],
    },
  },
});
