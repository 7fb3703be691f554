// The viewer's state across changes, in a real Chromium against real servers on 127.0.0.1: the
// live stream follows the series, a second recording starts from its own view, a server that
// forgot the session asks to sign in again, windows keep their milliseconds, an empty recording
// says so. (From a viewer audit: each of these failed on the earlier page.)
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { chromiumPath } from "../browser/find-chromium.js";
import { createSampler } from "../../src/sampler/sampler.js";
import { createServer } from "../../src/server/create-server.js";
import { exportBytes } from "../../src/history/export.js";
import { silentLogger } from "../../src/logger.js";
import { historyOf } from "../history/history-file.js";
import { ROUTES, STEP_MS, T0 } from "./fixture.js";
import { viewerEnv } from "./viewer-env.js";
import { pickFile, waitForShape, watchedPage } from "./page.js";
import { FakeSampler } from "../server/fixtures.js";

const executablePath = chromiumPath();
const COLUMNS = 20;
const viewerFile = pathToFileURL(join(import.meta.dirname, "..", "..", "dist", "web", "viewer.html")).href;

describe.skipIf(executablePath === null)("viewer state across changes, in chromium", () => {
  const env = viewerEnv(executablePath!, COLUMNS);

  it("after switching series the stream brings that series' new columns", async () => {
    const { page, errors, requests } = await watchedPage(env.browser);
    await page.goto(`${env.node.url}/`);
    const columns = env.node.times.length;
    await waitForShape(page, ROUTES, columns);
    await page.waitForSelector(".live-dot.open");
    await page.selectOption("#series", "reads");
    await page.waitForFunction(() => document.querySelector(".summary")?.textContent?.includes("reads"));
    await page.waitForSelector(".live-dot.open");
    env.node.flush();
    await waitForShape(page, ROUTES, columns + 1); // the writes stream dropped every reads column
    expect(requests.some((u) => u.includes("/stream") && u.includes("series=reads"))).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("a second recording starts from its own span and step, not the first one's zoom", async () => {
    const first = env.node.exportFile();
    const { page, errors } = await watchedPage(env.browser);
    await page.goto(viewerFile);
    await pickFile(page, "a.kvz", first);
    const firstColumns = env.node.times.length;
    await waitForShape(page, ROUTES, firstColumns);
    await page.selectOption("#step", String(5 * STEP_MS));
    await page.waitForFunction(() => location.hash.includes("step="));
    await page.evaluate(
      () => (location.hash += `&t=${Date.UTC(2026, 10, 30, 12, 0)}.${Date.UTC(2026, 10, 30, 12, 4)}`),
    );
    await page.waitForFunction(() => location.hash.includes("t="));

    // Another node's history, a day later: the first file's window selects none of its columns.
    const other = createSampler({ stepMs: STEP_MS, now: () => T0 + 86_400_000 });
    other.registerRoute(1, null, null);
    other.observe(1, 1, 1);
    other.flush();
    const second = exportBytes(historyOf(other), STEP_MS, {}, T0 + 86_400_000);
    await pickFile(page, "b.kvz", second);
    await waitForShape(page, 1, 1);
    expect(await page.inputValue("#step")).toBe(String(STEP_MS));
    expect(await page.isVisible("#empty")).toBe(false);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("a recording of more columns than the page draws at once opens at a coarser step", async () => {
    // 5 000 columns at 1 s: at its own step the grid of a day at 1 s froze the page for 30 s.
    let now = T0;
    const long = createSampler({ stepMs: 1000, historyColumns: 5000, now: () => now });
    long.registerRoute(1, null, null);
    for (let c = 0; c < 5000; c++) {
      long.observe(1, 1, 1);
      now += 1000;
      long.flush();
    }
    const bytes = exportBytes(historyOf(long), 1000, {}, now);
    const { page, errors } = await watchedPage(env.browser);
    await page.goto(viewerFile);
    await pickFile(page, "l.kvz", bytes);
    await waitForShape(page, 1, 2500); // the finest offered step that fits 2 880 columns: 2 s
    expect(await page.inputValue("#step")).toBe("2000");
    expect(await page.textContent("#message")).toContain("l.kvz has 5000 columns");
    await page.selectOption("#step", "1000"); // a finer step stays the user's choice
    await waitForShape(page, 1, 5000);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("an empty recording says it holds no load (not 'drive some traffic')", async () => {
    const empty = createSampler({ stepMs: STEP_MS, now: () => T0 });
    empty.flush();
    const bytes = exportBytes(historyOf(empty), STEP_MS, {}, T0);
    const { page, errors } = await watchedPage(env.browser);
    await page.goto(viewerFile);
    await pickFile(page, "e.kvz", bytes);
    await page.waitForFunction(() => document.getElementById("empty")?.hidden === false);
    expect(await page.textContent("#empty")).toContain("This recording holds no load");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("a link with a badly padded key window draws the page, ignoring that window", async () => {
    const { page, errors } = await watchedPage(env.browser);
    await page.goto(`${env.node.url}/#k=abc._`);
    await waitForShape(page, ROUTES, null);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("touching one difference-window input leaves the other windows' milliseconds as they were", async () => {
    const { page, errors } = await watchedPage(env.browser);
    const [t1, t2, t3, t4] = [
      env.node.times[1]! + 250,
      env.node.times[5]! + 250,
      env.node.times[8]! + 750,
      env.node.times[12]! + 750,
    ];
    await page.goto(`${env.node.url}/#view=diff&a=${t1}.${t2}&bw=${t3}.${t4}`);
    await waitForShape(page, null, null);
    const newTo = env.node.times[13]! + 750;
    await page.fill("#b-to", new Date(newTo).toISOString().slice(0, 23));
    await page.dispatchEvent("#b-to", "change");
    await page.waitForFunction((b) => location.hash.includes(`bw=${b}`), `${t3}.${newTo}`);
    expect(new URLSearchParams((await page.evaluate(() => location.hash)).slice(1)).get("a")).toBe(`${t1}.${t2}`);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("a first matrix fetch that fails is retried on its own (nothing on screen, no stream yet)", async () => {
    const sampler = new FakeSampler();
    let calls = 0;
    sampler.matrixResult = (q) => {
      if (calls++ === 0) throw new Error("not ready yet");
      return env.node.sampler.matrix(q);
    };
    const server = createServer({ sampler, port: 0, logger: silentLogger });
    await server.listen();
    try {
      const { page, errors } = await watchedPage(env.browser, { allowStatus: [500] });
      await page.goto(`${server.url}/`);
      await waitForShape(page, ROUTES, env.node.times.length); // the retry 1 s later
      expect(await page.isVisible("#message")).toBe(false);
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      await server.close();
    }
  });

  it("a picked file that cannot be read, or a damaged embedded recording, is a message, not a silent page", async () => {
    const { page, errors } = await watchedPage(env.browser);
    await page.goto(viewerFile);
    await page.evaluate(() => {
      Blob.prototype.arrayBuffer = () => Promise.reject(new Error("the file changed on disk"));
    });
    await pickFile(page, "gone.kvz", new Uint8Array([1]));
    await page.waitForFunction(() => document.getElementById("message")?.textContent?.includes("Cannot read gone.kvz"));
    expect(await page.textContent("#message")).toContain("the file changed on disk");

    const template = readFileSync(new URL(viewerFile), "utf8");
    const slot = '<script id="keyviz-data" type="application/octet-stream"></script>';
    const damaged = join(mkdtempSync(join(tmpdir(), "keyviz-viewer-")), "damaged.html");
    writeFileSync(damaged, template.replace(slot, slot.replace("></script>", ">!!not base64!!</script>")));
    await page.goto(pathToFileURL(damaged).href);
    await page.waitForFunction(() => document.getElementById("message")?.textContent?.includes("damaged"));
    expect(errors).toEqual([]);
    await page.close();
  });

  it("a server restart that forgot the session brings up the sign-in form, not endless reconnecting", async () => {
    const token = "s3cret-token";
    const first = createServer({ sampler: env.node.sampler, port: 0, logger: silentLogger, token });
    const { port } = await first.listen();
    let second: ReturnType<typeof createServer> | undefined;
    try {
      const { page } = await watchedPage(env.browser, { allowStatus: [401], allowText: ["ERR_CONNECTION_REFUSED"] });
      await page.goto(`${first.url}/`);
      await page.locator("#login").waitFor({ state: "visible" });
      await page.fill("#access-key", "keyviz");
      await page.fill("#secret-key", token);
      await page.click("#login-form button[type=submit]");
      await page.waitForSelector(".live-dot.open");
      await first.close();
      second = createServer({ sampler: env.node.sampler, port, logger: silentLogger, token });
      await second.listen();
      await page.locator("#login").waitFor({ state: "visible", timeout: 20_000 });
      await page.close();
    } finally {
      await first.close();
      await second?.close();
    }
  });
});
