// The `keyviz` command as `npm start` runs it: the demo serves the API, splits a hot route and
// stops cleanly by itself with --duration.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const cli = join(import.meta.dirname, "..", "..", "dist", "cli", "main.js");

function run(args: string[], onLine?: (line: string) => void): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const take = (chunk: Buffer) => {
      out += chunk.toString();
      for (const line of chunk.toString().split("\n")) onLine?.(line);
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    child.on("close", (code) => resolve({ code, out }));
  });
}

describe("keyviz demo", () => {
  it("serves the matrix API while it runs, splits the hottest route and exits on its own", async () => {
    let api: Promise<number> | undefined;
    const { code, out } = await run(["demo", "--port", "0", "--step-ms", "100", "--duration", "3", "--quiet"], (line) => {
      const m = /API on (http:\/\/127\.0\.0\.1:\d+\S*matrix)/.exec(line);
      if (m && api === undefined) api = fetch(m[1]).then((r) => r.status);
    });
    expect(code).toBe(0);
    expect(await api).toBe(200);
    expect(out).toMatch(/split hot route \d+ at user:\d+ into \d+ and \d+/);
    expect(out).toMatch(/done, \d+ columns, \d+ rows, 0 misses/);
  }, 30_000);

  it("explains its usage and rejects bad arguments", async () => {
    expect((await run(["--help"])).code).toBe(0);
    const bad = await run(["demo", "--step-ms", "abc"]);
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/--step-ms must be an integer/);
  });
});
