// The command framework as a user meets it: help texts, and every kind of wrong usage answered
// with one line on stderr and exit code 2 (the work failing is exit code 1, tested per command).
import { describe, expect, it } from "vitest";
import { runCli } from "./run-cli.js";

describe("keyviz usage", () => {
  it("prints the command list with --help (exit 0) and without a command (exit 2)", async () => {
    const [help, bare] = await Promise.all([runCli(["--help"]).done, runCli([]).done]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: keyviz <command> \[options\]/);
    expect(help.stdout).toMatch(/\n {2}demo {2}/);
    expect(bare.code).toBe(2);
    expect(bare.stdout).toBe(help.stdout);
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
  ])("rejects %j with one line and exit 2", async (args, message) => {
    const { code, stdout, stderr } = await runCli(args).done;
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr.split("\n")).toHaveLength(2);
    expect(stderr).toContain(message);
  });
});
