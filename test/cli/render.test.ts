// `keyviz render`: a PNG that decodes back to the demo's picture (the hot tenant's band is the
// brightest), an HTML page that shows the heatmap opened from disk in Chromium with no request to
// any server, and one clear line for every way the command can be misused or fail.
import { symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import pngjs from "pngjs";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TENANT } from "../../src/cli/demo-workload.js";
import { numberOf } from "../../src/cli/demo-store.js";
import { openHistory } from "../../src/history/replay.js";
import { decodeKey, type Matrix } from "../../src/wire/wire.js";
import { chromiumPath, launchChromium } from "../browser/find-chromium.js";
import { rowColours, shot, waitForShape, watchedPage } from "../web/page.js";
import { COLUMNS, useDemoRecording } from "./recording.js";
import { runCli } from "./run-cli.js";

const recording = useDemoRecording();

/** Indices of the matrix rows whose key range overlaps the hot tenant's keys. */
function tenantRows(m: Matrix): number[] {
  const out: number[] = [];
  m.rows.forEach((r, i) => {
    const lo = numberOf(decodeKey(r.start), 0);
    const hi = numberOf(decodeKey(r.end), Infinity);
    if (lo < TENANT[1] && hi > TENANT[0]) out.push(i);
  });
  return out;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe("keyviz render", () => {
  it("writes a PNG whose brightest band is the hot tenant's key range", async () => {
    const out = join(recording.dir, "heatmap.png");
    const run = await runCli(["render", recording.file, "--out", out, "--series", "writes"]).done;
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const m = openHistory(recording.bytes).matrix({ series: "writes" });
    expect(run.stdout).toBe(
      `keyviz render: wrote ${out} (1200×${m.rows.length * Math.floor(600 / m.rows.length)}, ${m.rows.length} rows × ${COLUMNS} columns of writes)\n`,
    );

    const png = pngjs.PNG.sync.read(Buffer.from(await import("node:fs").then((fs) => fs.readFileSync(out))));
    expect(png.width).toBe(1200);
    const perRow = png.height / m.rows.length;
    // Brightness of each matrix row: mean luminance over its pixel lines.
    const rowLum = m.rows.map((_, i) => {
      let sum = 0;
      for (let y = Math.floor(i * perRow); y < Math.floor((i + 1) * perRow); y++) {
        for (let x = 0; x < png.width; x++) {
          const at = (y * png.width + x) * 4;
          sum += 0.2126 * png.data[at]! + 0.7152 * png.data[at + 1]! + 0.0722 * png.data[at + 2]!;
        }
      }
      return sum / (perRow * png.width);
    });
    const hot = tenantRows(m);
    expect(hot.length).toBeGreaterThanOrEqual(2);
    const brightest = rowLum.indexOf(Math.max(...rowLum));
    expect(hot).toContain(brightest);
    const others = rowLum.filter((_, i) => !hot.includes(i));
    expect(mean(hot.map((i) => rowLum[i]!))).toBeGreaterThan(1.5 * mean(others));
  }, 30_000);

  it("--out to stdout (a link to /proc/self/fd/1) gives the page alone there, the status line on stderr", async () => {
    const out = join(recording.dir, "to-stdout.html");
    symlinkSync("/proc/self/fd/1", out);
    const run = await runCli(["render", recording.file, "--out", out]).done;
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^<!doctype html>/i);
    expect(run.stdout).toMatch(/<\/html>\s*$/);
    // The count is of bytes: the page has non-ASCII text, where characters are fewer.
    expect(Buffer.byteLength(run.stdout)).toBeGreaterThan(run.stdout.length);
    expect(run.stderr).toBe(
      `keyviz render: wrote ${out} (viewer page with ${COLUMNS} columns inlined, ${Buffer.byteLength(run.stdout)} bytes)\n`,
    );
  }, 30_000);

  const executablePath = chromiumPath();
  describe.skipIf(executablePath === null)("as an HTML page", () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await launchChromium(executablePath!);
    }, 30_000);
    afterAll(async () => browser?.close());

    it("shows the heatmap when opened from disk, with the hot band, and asks no server", async () => {
      const out = join(recording.dir, "heatmap.html");
      const run = await runCli(["render", recording.file, "--out", out, "--rows", "64"]).done;
      expect(run.stderr).toBe("");
      expect(run.code).toBe(0);
      const { page, errors, requests } = await watchedPage(browser);
      await page.goto(pathToFileURL(out).href);
      await waitForShape(page, 64, COLUMNS);
      expect(page.url()).toMatch(/#.*rows=64/);
      const colours = (await rowColours(page, null)).map(
        (c) => (c.a / 255) * (0.2126 * c.r + 0.7152 * c.g + 0.0722 * c.b),
      );
      const m = openHistory(recording.bytes).matrix({ series: "writes", rows: 64 });
      const hot = tenantRows(m);
      expect(hot).toContain(colours.indexOf(Math.max(...colours)));
      await shot(page, "render-html");
      expect(requests.filter((u) => !u.startsWith("file:") && !u.startsWith("data:"))).toEqual([]);
      expect(errors).toEqual([]);
      await page.close();
    }, 30_000);
  });

  it("answers every misuse and failure with one line", async () => {
    const corrupt = join(recording.dir, "corrupt.kvz");
    const cut = recording.bytes.slice(0, recording.bytes.length - 7);
    writeFileSync(corrupt, cut);
    const cases: [string[], number, RegExp][] = [
      [["render"], 2, /^keyviz: render: missing FILE\.kvz/],
      [["render", recording.file], 2, /^keyviz: render: --out FILE is required/],
      [
        ["render", recording.file, "--out", join(recording.dir, "x.gif")],
        2,
        /^keyviz: render: --out must end in \.png or \.html/,
      ],
      [
        ["render", recording.file, "--out", join(recording.dir, "x.png"), "--series", "deletes"],
        2,
        /^keyviz: --series must be one of: reads, writes, read_bytes, write_bytes; got "deletes"/,
      ],
      [
        ["render", recording.file, "--out", join(recording.dir, "x.png"), "--rows", "0"],
        2,
        /^keyviz: --rows must be an integer in 1\.\.1024/,
      ],
      [
        ["render", recording.file, "--out", join(recording.dir, "x.png"), "--from", "yesterday"],
        2,
        /^keyviz: --from must be unix milliseconds or an ISO 8601 time/,
      ],
      [
        ["render", join(recording.dir, "missing.kvz"), "--out", join(recording.dir, "x.png")],
        1,
        /^keyviz: cannot read .*missing\.kvz: no such file/,
      ],
      [
        ["render", recording.dir, "--out", join(recording.dir, "x.png")],
        1,
        /^keyviz: cannot read .*: it is a directory/,
      ],
      [
        ["render", corrupt, "--out", join(recording.dir, "x.png")],
        1,
        /^keyviz: .*corrupt\.kvz is not a valid \.kvz recording: .*at byte \d+/,
      ],
      [
        ["render", recording.file, "--out", join(recording.dir, "no-such-dir", "x.png")],
        1,
        /^keyviz: cannot write .*x\.png: /,
      ],
      [
        ["render", recording.file, "--out", join(recording.dir, "x.png"), "--from", "2030-01-01T00:00:00Z"],
        1,
        /^keyviz: .*demo\.kvz: no columns in the chosen window/,
      ],
    ];
    const results = await Promise.all(cases.map(([args]) => runCli(args).done));
    results.forEach((r, i) => {
      const [args, code, message] = cases[i]!;
      expect({ args, code: r.code, stdout: r.stdout, lines: r.stderr.split("\n").length }).toEqual({
        args,
        code,
        stdout: "",
        lines: 2,
      });
      expect(r.stderr).toMatch(message);
    });
  }, 30_000);
});
