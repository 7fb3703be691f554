// `keyviz demo` as `npm start` runs it: the built command serves the API with a live matrix within
// seconds, splits the overloaded route, and stops cleanly on Ctrl-C (SIGINT).
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "./run-cli.js";

// Every run gets its own history folder (the default one is shared by every demo on the machine).
const dirs: string[] = [];
function historyDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "keyviz-demo-test-"));
  dirs.push(dir);
  return dir;
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function columnsServed(url: string): Promise<number> {
  const m = (await (await fetch(`${url}admin/api/v1/keyviz/matrix?series=reads`)).json()) as {
    column_unix_ms: number[];
  };
  return m.column_unix_ms.length;
}

describe("keyviz demo", () => {
  it("serves the viewer at / and a matrix with rows within seconds, splits and merges, and exits 0 on SIGINT", async () => {
    const run = runCli(["demo", "--port", "0", "--step-ms", "200", "--rate", "2000", "--dir", historyDir()]);
    const url = (await run.waitFor(/viewer and API at (http:\/\/127\.0\.0\.1:\d+\/)/))[1]!;
    let rows = 0;
    for (let i = 0; i < 200 && rows === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const m = (await (await fetch(`${url}admin/api/v1/keyviz/matrix?series=reads`)).json()) as { rows: unknown[] };
      rows = m.rows.length;
    }
    expect(rows).toBeGreaterThan(64);
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await page.text()).toMatch(/<canvas/);
    // The hot tenant's route is over capacity from the start: 8 columns later it is split, and
    // the store then has more routes than it started with, so the coldest pair merges. Other
    // routes may split too, depending on where the wall-clock hotspot is, so the new ids vary.
    await run.waitFor(/split route 42 .* into \d+ and \d+\n/);
    await run.waitFor(/merged cold routes \d+ and \d+ .* into \d+\n/);
    run.child.kill("SIGINT");
    const { code, stdout, stderr } = await run.done;
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toMatch(/stopped after \d+ columns, \d+ requests/);
  }, 60_000);

  it("stops after --duration even at a rate the machine cannot send", async () => {
    // At 10^6 requests a second each slice fell further behind and owed the next one more time,
    // so the run never ended; now a slice covers at most a few hundred ms and the backlog is dropped.
    const started = Date.now();
    const run = runCli(["demo", "--port", "0", "--duration", "1", "--rate", "1000000", "--dir", historyDir()]);
    const { code, stdout } = await run.done;
    expect(code).toBe(0);
    expect(stdout).toMatch(/stopped after \d+ columns, \d+ requests/);
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 60_000);

  it("draws --terminal heatmaps into a pipe without screen-clearing escape codes", async () => {
    const args = ["demo", "--port", "0", "--duration", "1", "--step-ms", "200", "--terminal", "--dir", historyDir()];
    const { code, stdout } = await runCli(args).done;
    expect(code).toBe(0);
    expect(stdout).toMatch(/ops\/s, \d+ routes/); // a status line per step, heatmaps between
    expect(stdout).not.toContain("\x1b");
  }, 60_000);

  it("stops cleanly, exit 0, when the reader of its output goes away (keyviz demo | head)", async () => {
    const run = runCli(["demo", "--port", "0", "--step-ms", "200", "--terminal", "--dir", historyDir()]);
    await run.waitFor(/history in/);
    run.child.stdout!.destroy();
    const { code, stderr } = await run.done;
    expect(stderr).toBe("");
    expect(code).toBe(0);
  }, 60_000);

  it("says in one line that the port is taken, and exits 1", async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const dir = historyDir();
      const { code, stdout, stderr } = await runCli(["demo", "--port", String(port), "--dir", dir]).done;
      expect(code).toBe(1);
      expect(existsSync(join(dir, "keyviz.lock"))).toBe(false); // the history directory is released
      expect(stdout).toBe("");
      expect(stderr).toBe(
        `keyviz: port ${port} on 127.0.0.1 is in use; stop what holds it or pick another with --port N (0 = any free port)\n`,
      );
    } finally {
      blocker.close();
    }
  }, 15_000);

  it("keeps its history in --dir: a restart continues it, a second demo on the same folder is one line", async () => {
    const dir = historyDir();
    const args = ["demo", "--port", "0", "--step-ms", "200", "--rate", "500", "--dir", dir];
    const first = runCli(args);
    const url1 = (await first.waitFor(/viewer and API at (http:\/\/127\.0\.0\.1:\d+\/)/))[1]!;
    await first.waitFor(new RegExp(`history in ${dir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\n`));
    for (let i = 0; i < 200 && (await columnsServed(url1)) < 3; i++) await new Promise((r) => setTimeout(r, 100));
    const busy = await runCli(args).done;
    expect(busy.code).toBe(1);
    expect(busy.stderr).toMatch(
      /^keyviz: cannot keep the demo's history: directory .* is in use by process \d+.*; pick another with --dir DIR\n$/,
    );
    first.child.kill("SIGINT");
    const stopped = await first.done;
    expect(stopped.code).toBe(0);
    const before = Number(/stopped after (\d+) columns/.exec(stopped.stdout)![1]);
    expect(before).toBeGreaterThanOrEqual(3);

    const second = runCli(args);
    const url2 = (await second.waitFor(/viewer and API at (http:\/\/127\.0\.0\.1:\d+\/)/))[1]!;
    await second.waitFor(new RegExp(`\\(continuing ${before} columns\\)`));
    expect(await columnsServed(url2)).toBeGreaterThanOrEqual(before);
    second.child.kill("SIGINT");
    const again = await second.done;
    expect(again.code).toBe(0);
    expect(again.stderr).toBe("");
  }, 60_000);
});
