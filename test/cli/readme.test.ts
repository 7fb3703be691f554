// The README stays true: every JavaScript block runs against the built package (imported by its
// own name, "keyviz", as a user's code does) and exits cleanly; every shell line names an npm
// script or a `keyviz` command and flags that exist (the CLI tests run those commands).
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CLI } from "./run-cli.js";

const ROOT = join(import.meta.dirname, "..", "..");
const README = readFileSync(join(ROOT, "README.md"), "utf8");
// Inside the package, so `import … from "keyviz"` resolves to this package (self-reference);
// removed after each run (a leftover .mjs there would be linted by the next `npm test`).
const SCRATCH = join(ROOT, "test-artifacts", "readme");

function blocks(langs: string[]): string[] {
  const out: string[] = [];
  for (const m of README.matchAll(/^```(\w+)\n([\s\S]*?)^```$/gm)) if (langs.includes(m[1]!)) out.push(m[2]!);
  return out;
}

describe("README", () => {
  it("has JavaScript blocks only (no TypeScript block that this test could not run)", () => {
    expect(blocks(["ts", "typescript", "tsx"])).toEqual([]);
    expect(blocks(["js", "javascript", "mjs"]).length).toBeGreaterThan(0);
  });

  it.each(blocks(["js", "javascript", "mjs"]).map((code, i) => [i + 1, code] as const))(
    "JavaScript block %i runs",
    (i, code) => {
      mkdirSync(SCRATCH, { recursive: true });
      const file = join(SCRATCH, `block-${i}.mjs`);
      writeFileSync(file, code);
      const run = spawnSync(process.execPath, [file], { encoding: "utf8", timeout: 20_000 });
      rmSync(file, { force: true });
      expect(run.stderr).toBe("");
      expect(run.status).toBe(0);
    },
    30_000,
  );

  it("shell lines use npm scripts and keyviz commands and flags that exist", () => {
    const scripts = (
      JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }
    ).scripts;
    const lines = blocks(["sh", "shell", "bash"])
      .flatMap((b) => b.split("\n"))
      .map((l) => l.replace(/#.*/, "").trim())
      .filter(Boolean);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      for (const part of line.split("&&").map((p) => p.trim())) {
        const words = part.split(/\s+/);
        if (words[0] === "npm") {
          const script = words[1] === "run" ? words[2]! : words[1]!;
          if (script !== "install") expect(Object.keys(scripts), part).toContain(script);
        } else {
          expect(words.slice(0, 2), part).toEqual(["node", "dist/cli/main.js"]);
          const help = execFileSync(process.execPath, [CLI, words[2]!, "--help"], { encoding: "utf8" });
          for (const flag of words.filter((w) => w.startsWith("--"))) expect(help, part).toContain(`${flag} `);
        }
      }
    }
  }, 30_000);
});
