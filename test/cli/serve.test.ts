// `keyviz serve FILE.kvz`: the viewer at / and the recording's matrix from the API, the same as
// openHistory gives in process; Ctrl-C stops it; an unreadable file is one line and exit 1.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openHistory } from "../../src/history/replay.js";
import type { Matrix } from "../../src/wire/wire.js";
import { COLUMNS, useDemoRecording } from "./recording.js";
import { runCli } from "./run-cli.js";

const recording = useDemoRecording();

describe("keyviz serve", () => {
  it("serves the viewer and the recording's matrix, and stops on SIGINT", async () => {
    const run = runCli(["serve", recording.file, "--port", "0"]);
    const url = (await run.waitFor(/at (http:\/\/127\.0\.0\.1:\d+\/) \(Ctrl-C to stop\)/))[1]!;
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<canvas id="heat"/);
    const served = (await (await fetch(`${url}admin/api/v1/keyviz/matrix?series=reads&rows=32`)).json()) as Matrix;
    const expected = openHistory(recording.bytes).matrix({ series: "reads", rows: 32 });
    expect(served.column_unix_ms).toHaveLength(COLUMNS);
    expect({ ...served, generated_at: "" }).toEqual({ ...expected, generated_at: "" });
    run.child.kill("SIGINT");
    const { code, stdout, stderr } = await run.done;
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toMatch(/keyviz serve: stopped\n$/);
  }, 30_000);

  it("rejects a missing file with one line and exit 1", async () => {
    const { code, stderr } = await runCli(["serve", join(recording.dir, "nope.kvz")]).done;
    expect(code).toBe(1);
    expect(stderr).toMatch(/^keyviz: cannot read .*nope\.kvz: no such file\n$/);
  });
});
