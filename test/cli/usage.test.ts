// The command framework as a user meets it: help texts, and every kind of wrong usage answered
// with one line on stderr and exit code 2 (the work failing is exit code 1, tested per command).
import { describe, expect, it } from "vitest";
import { runCli } from "./run-cli.js";

describe("keyviz usage", () => {
  it("prints the command list with --help (exit 0) and without a command (exit 2)", async () => {
    const [help, bare, helpHelp] = await Promise.all([
      runCli(["--help"]).done,
      runCli([]).done,
      runCli(["help", "help"]).done,
    ]);
    expect([helpHelp.code, helpHelp.stdout]).toEqual([0, help.stdout]); // help's own help is the list
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: keyviz <command> \[options\]/);
    expect(help.stdout).toMatch(/\n {2}demo {2}/);
    expect(bare.code).toBe(2);
    expect(bare.stdout).toBe(""); // a usage error: on stderr, like every other
    expect(bare.stderr).toBe(help.stdout);
  });

  it("keyviz help <cmd> and <cmd> -h print that command's options", async () => {
    const [viaHelp, short, long] = await Promise.all([
      runCli(["help", "render"]).done,
      runCli(["render", "-h"]).done,
      runCli(["render", "--help"]).done,
    ]);
    expect(long.stdout).toMatch(/^usage: keyviz render/);
    for (const r of [viaHelp, short]) expect([r.code, r.stdout]).toEqual([0, long.stdout]);
  });

  it("prints a command's options with <cmd> --help", async () => {
    const { code, stdout } = await runCli(["demo", "--help"]).done;
    expect(code).toBe(0);
    expect(stdout).toMatch(/^usage: keyviz demo \[options\]/);
    expect(stdout).toMatch(/--port N +HTTP port on 127\.0\.0\.1 \(default 8080/);
    expect(stdout).toMatch(/--terminal +also draw the heatmap/);
  });

  it.each([
    [["frobnicate"], 'keyviz: unknown command "frobnicate" (commands: demo'],
    [["demo", "--frob"], "keyviz: demo: Unknown option '--frob'"],
    [["demo", "--port"], "keyviz: demo: Option '--port <value>' argument missing"],
    [["demo", "--port", "http"], '--port must be an integer in 0..65535, got "http"'],
    [["demo", "--port", "70000"], '--port must be an integer in 0..65535, got "70000"'],
    [["demo", "--step-ms", "1.5"], '--step-ms must be an integer in 100..3600000, got "1.5"'],
    [["demo", "extra"], 'keyviz: demo: unexpected argument "extra"'],
    [["demo", "--port", "-1"], 'keyviz: demo: --port: a value that starts with "-" must be written --port=VALUE'],
    [["demo", "--port=-1"], '--port must be an integer in 0..65535, got "-1"'],
    [["record", "--seconds", "--out", "x.kvz"], "keyviz: record: Option '--seconds <value>' argument missing"],
    [["record", "--seconds", "5", "--out", ""], "keyviz: record: --out must not be empty"],
    [["help", "nosuch"], 'keyviz: unknown command "nosuch" (commands: demo'],
    [
      ["render", "x.kvz", "--out", "x.png", "--from", "2000", "--to", "1000"],
      "keyviz: render: --from must be before --to (the window is [from, to))",
    ],
  ])("rejects %j with one line and exit 2", async (args, message) => {
    const { code, stdout, stderr } = await runCli(args).done;
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr.split("\n")).toHaveLength(2);
    expect(stderr).toContain(message);
  });
});
