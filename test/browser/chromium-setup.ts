// vitest globalSetup: looks for Chromium once per run, so a machine without one prints a single
// skip line (not one per browser test file) and a CI run without one fails before any test runs.
import type { TestProject } from "vitest/node";
import { findChromium, HOW_TO_ENABLE } from "./find-chromium.js";

export default function setup(project: TestProject): void {
  const path = findChromium();
  if (path === null) {
    if (process.env.CI === "true") {
      throw new Error(`CI=true but no Chromium was found for the browser tests: ${HOW_TO_ENABLE}`);
    }
    console.warn(`\n!!! SKIPPING the browser tests: no Chromium found. To run them, ${HOW_TO_ENABLE}.\n`);
  }
  project.provide("chromiumPath", path);
}
