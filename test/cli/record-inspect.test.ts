// `keyviz record` writes a valid, reproducible recording of the demo (its split and merge
// included); `keyviz inspect` describes it; both answer misuse with one line.
import { spawn } from "node:child_process";
import { readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openHistory } from "../../src/history/replay.js";
import { COLUMNS, useDemoRecording, END_MS, RECORD_ARGS } from "./recording.js";
import { CLI, runCli } from "./run-cli.js";

const recording = useDemoRecording();

describe("keyviz record", () => {
  it("records the demo's columns, with the hot route split and two cold routes merged", () => {
    const replay = openHistory(recording.bytes);
    expect(replay.columns).toHaveLength(COLUMNS);
    expect(replay.toMs).toBe(END_MS);
    expect(replay.stepMs).toBe(1000);
    const ids = new Set(replay.routes.map((r) => r.routeId));
    // Route 42 split into 65 and 66; the first merge made 67 (route ids: demo-balancer.ts).
    expect([65, 66, 67].every((id) => ids.has(id))).toBe(true);
    expect(replay.matrix({ series: "writes" }).rows.length).toBeGreaterThanOrEqual(128);
  });

  it("gives the same recording for the same seed and end time", async () => {
    const again = join(recording.dir, "again.kvz");
    const run = await runCli(["record", ...RECORD_ARGS, "--out", again]).done;
    expect(run.code).toBe(0);
    const a = openHistory(recording.bytes).snapshot();
    const b = openHistory(new Uint8Array(readFileSync(again))).snapshot();
    expect(b).toEqual(a);
    expect(new Uint8Array(readFileSync(again))).toEqual(recording.bytes); // written at the simulated end time
  }, 30_000);
});

describe("keyviz record --out to stdout", () => {
  it("writes the recording alone into stdout (a pipe) and its status line on stderr", async () => {
    const out = join(recording.dir, "to-stdout.kvz");
    symlinkSync("/proc/self/fd/1", out);
    const child = spawn(process.execPath, [CLI, "record", ...RECORD_ARGS, "--out", out]);
    const chunks: Buffer[] = [];
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => chunks.push(c));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise((resolve) => child.on("close", resolve));
    expect(code).toBe(0);
    expect(new Uint8Array(Buffer.concat(chunks))).toEqual(recording.bytes);
    expect(stderr).toBe(`keyviz record: wrote ${out} (${COLUMNS} columns, ${recording.bytes.length} bytes)\n`);
  }, 30_000);
});

describe("keyviz inspect", () => {
  it("prints the format, when written, span, routes, columns, rows, cells and size per cell", async () => {
    const { code, stdout } = await runCli(["inspect", recording.file]).done;
    expect(code).toBe(0);
    const replay = openHistory(recording.bytes);
    const cells = replay.snapshot().reduce((n, c) => n + c.rows.length, 0);
    const virtual = replay.routes.filter((r) => r.routeId === null).length;
    const lines = stdout.split("\n");
    // Row descriptions: metadata records of the file (a bucket gets a new one when its range or members change).
    expect(lines[7]).toMatch(/^ {2}rows {7}\d+ distinct row descriptions$/);
    expect(Number(/\d+/.exec(lines[7]!)![0])).toBeGreaterThanOrEqual(replay.routes.length);
    lines[7] = "(rows)";
    expect(lines.join("\n")).toBe(
      [
        recording.file,
        "  format     .kvz 1.0 (export)",
        `  written    ${new Date(END_MS).toISOString()}`,
        "  step       1000 ms",
        `  span       ${new Date(END_MS - COLUMNS * 1000).toISOString()} .. ${new Date(END_MS).toISOString()} (${COLUMNS} s)`,
        `  columns    ${COLUMNS} (${COLUMNS} × 1000 ms)`,
        `  routes     ${replay.routes.length - virtual}${virtual > 0 ? ` (+ ${virtual} virtual buckets)` : ""}`,
        "(rows)",
        `  cells      ${cells}`,
        `  size       ${recording.bytes.length} bytes, ${(recording.bytes.length / cells).toFixed(2)} bytes per stored cell`,
        "",
      ].join("\n"),
    );
  });

  it("rejects a damaged recording in one line naming the offset", async () => {
    const damaged = join(recording.dir, "damaged.kvz");
    const bytes = recording.bytes.slice();
    bytes[bytes.length - 3]! ^= 0xff;
    writeFileSync(damaged, bytes);
    const { code, stdout, stderr } = await runCli(["inspect", damaged]).done;
    expect({ code, stdout }).toEqual({ code: 1, stdout: "" });
    expect(stderr).toMatch(
      /^keyviz: .*damaged\.kvz is not a valid \.kvz recording: invalid \.kvz history at byte \d+: checksum mismatch.*\n$/,
    );
  });
});

describe("record and inspect misuse", () => {
  it("answers each with one line and the right exit code", async () => {
    const cases: [string[], number, RegExp][] = [
      [["record", "--out", join(recording.dir, "x.kvz")], 2, /^keyviz: record: --seconds N is required\n$/],
      [["record", "--seconds", "5"], 2, /^keyviz: record: --out FILE is required\n$/],
      [
        ["record", "--seconds", "0", "--out", join(recording.dir, "x.kvz")],
        2,
        /^keyviz: --seconds must be an integer in 1\.\.604800, got "0"\n$/,
      ],
      [
        ["record", "--seconds", "1", "--out", join(recording.dir, "missing", "x.kvz")],
        1,
        /^keyviz: cannot write .*x\.kvz: .*no such file or directory.*\n$/,
      ],
      [
        ["record", "--seconds", "200000", "--step-ms", "100", "--out", join(recording.dir, "x.kvz")],
        2,
        /^keyviz: record: --seconds 200000 at --step-ms 100 is 2000000 columns; a recording holds at most 100000 \(raise --step-ms or lower --seconds\)\n$/,
      ],
      [
        ["record", "--seconds", "30", "--end", "1000", "--out", join(recording.dir, "x.kvz")],
        2,
        /^keyviz: --end must be an integer in 30000\.\.8640000000000000, got "1000"\n$/,
      ],
      [["inspect"], 2, /^keyviz: inspect: missing FILE\.kvz/],
      [["inspect", join(recording.dir, "nope.kvz")], 1, /^keyviz: cannot read .*nope\.kvz: no such file\n$/],
    ];
    const results = await Promise.all(cases.map(([args]) => runCli(args).done));
    results.forEach((r, i) => {
      const [args, code, message] = cases[i]!;
      expect({ args, code: r.code, stdout: r.stdout }).toEqual({ args, code, stdout: "" });
      expect(r.stderr).toMatch(message);
    });
  }, 30_000);
});
