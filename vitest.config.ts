import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Finds Chromium once per run for the browser tests (skip line, or failure under CI=true).
    globalSetup: ["test/browser/chromium-setup.ts"],
    testTimeout: 20_000,
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
