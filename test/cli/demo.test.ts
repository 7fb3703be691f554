// `keyviz demo` as `npm start` runs it: the built command serves the API with a live matrix within
// seconds, splits the overloaded route, and stops cleanly on Ctrl-C (SIGINT).
import net from "node:net";
import { describe, expect, it } from "vitest";
import { runCli } from "./run-cli.js";

describe("keyviz demo", () => {
  it("serves the viewer at / and a matrix with rows within seconds, splits and merges, and exits 0 on SIGINT", async () => {
    const run = runCli(["demo", "--port", "0", "--step-ms", "200", "--rate", "2000"]);
    const url = (await run.waitFor(/viewer and API at (http:\/\/127\.0\.0\.1:\d+\/)/))[1]!;
    let rows = 0;
    for (let i = 0; i < 50 && rows === 0; i++) {
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
    // the store then has more routes than it started with, so the coldest pair merges.
    await run.waitFor(/split route 42 .* into 65 and 66/);
    await run.waitFor(/merged cold routes \d+ and \d+ .* into 67/);
    run.child.kill("SIGINT");
    const { code, stdout, stderr } = await run.done;
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toMatch(/stopped after \d+ columns, \d+ requests/);
  }, 30_000);

  it("says in one line that the port is taken, and exits 1", async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const { code, stdout, stderr } = await runCli(["demo", "--port", String(port)]).done;
      expect(code).toBe(1);
      expect(stdout).toBe("");
      expect(stderr).toBe(`keyviz: port ${port} on 127.0.0.1 is in use; stop what holds it or pick another with --port N (0 = any free port)\n`);
    } finally {
      blocker.close();
    }
  }, 15_000);
});
