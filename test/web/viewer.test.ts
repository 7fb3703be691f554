// The viewer in a real Chromium against real keyviz servers on 127.0.0.1 (fixture.ts): what it
// draws is read back from the canvas pixels, never taken from the page's own bookkeeping.
// One browser for the whole file; screenshots go to test-artifacts/.
// (Past 400 lines: one Chromium launch is the expensive part, so the viewer's scenarios share it.)
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { chromiumPath } from "../browser/find-chromium.js";
import { createServer } from "../../src/server/create-server.js";
import { silentLogger } from "../../src/logger.js";
import { openHistory } from "../../src/history/replay.js";
import { keyOf, READ_AFTER, READ_BEFORE, ROUTES, startNode, STEP_MS, WRITE_BAND } from "./fixture.js";
import { viewerEnv } from "./viewer-env.js";
import { cellPoint, luminance, pickFile, rowColours, shot, waitForShape, watchedPage, type Rgba } from "./page.js";

const executablePath = chromiumPath();
const COLUMNS = 60;
const viewerFile = pathToFileURL(join(import.meta.dirname, "..", "..", "dist", "web", "viewer.html")).href;

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const band = (colours: Rgba[], [lo, hi]: readonly [number, number]): number[] =>
  colours.slice(lo, hi + 1).map(luminance);
const outside = (colours: Rgba[], ...bands: (readonly [number, number])[]): number[] =>
  colours.filter((_, i) => !bands.some(([lo, hi]) => i >= lo && i <= hi)).map(luminance);

describe.skipIf(executablePath === null)("viewer page in chromium", () => {
  const env = viewerEnv(executablePath!, COLUMNS);

  it("shows the live heatmap with the hot band where the writes went, and switching series changes it", async () => {
    const { page, errors } = await watchedPage(env.browser);
    await page.goto(`${env.node.url}/`);
    await waitForShape(page, ROUTES, COLUMNS);
    const writes = await rowColours(page, null);
    expect(writes.every((c) => c.a > 0)).toBe(true); // every route had some writes: no empty row
    expect(mean(band(writes, WRITE_BAND))).toBeGreaterThan(2 * mean(outside(writes, WRITE_BAND)));
    await shot(page, "live-writes");

    await page.selectOption("#series", "reads");
    await page.waitForFunction(() => location.hash.includes("series=reads"));
    await page.waitForFunction(() => document.querySelector(".summary")?.textContent?.includes("reads"));
    const reads = await rowColours(page, null);
    expect(mean(band(reads, READ_BEFORE))).toBeGreaterThan(2 * mean(outside(reads, READ_BEFORE, READ_AFTER)));
    expect(mean(band(reads, READ_AFTER))).toBeGreaterThan(2 * mean(outside(reads, READ_BEFORE, READ_AFTER)));
    expect(mean(band(reads, WRITE_BAND))).toBeLessThan(mean(band(writes, WRITE_BAND)) / 2);
    await shot(page, "live-reads");

    // A narrow window keeps most of its width for the heatmap: the side panel goes below it.
    await page.setViewportSize({ width: 800, height: 600 });
    await expect.poll(async () => (await page.locator("#heat").boundingBox())?.width ?? 0).toBeGreaterThan(500);
    const heat = (await page.locator("#heat").boundingBox())!;
    expect((await page.locator("#side").boundingBox())!.y).toBeGreaterThanOrEqual(heat.y + heat.height);
    await shot(page, "narrow");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("hover names the bucket under the pointer with its exact value; a click pins it with its hot keys", async () => {
    const { page, errors, requests } = await watchedPage(env.browser);
    await page.goto(`${env.node.url}/`);
    await waitForShape(page, ROUTES, COLUMNS);
    const route = 24;
    const column = 41;
    const p = await cellPoint(page, route, column);
    await page.mouse.move(p.x, p.y);
    const tip = page.locator("#hover");
    await tip.waitFor({ state: "visible" });
    const text = await tip.innerText();
    expect(text).toContain(`route:${route + 1}`);
    expect(text).toContain(`start\n${keyOf(route)}`);
    expect(text).toContain(`end\n${keyOf(route + 1)}`);
    expect(text).toContain(`writes\n${400 + ((column * 7 + route) % 50)}`); // the fixture's count for that cell
    await shot(page, "hover");

    await page.mouse.click(p.x, p.y);
    const card = page.locator("#pins .card").first();
    await card.waitFor();
    await page.waitForFunction(() => document.querySelector("#pins .hotkeys table") !== null);
    expect(await card.innerText()).toMatch(new RegExp(`${keyOf(route)}/user\\d`));
    await shot(page, "pinned-hotkeys");

    // Pinning leaves the keyboard where it was: R still refreshes (the card's buttons took it before).
    const fetches = () => requests.filter((u) => u.includes("/keyviz/matrix")).length;
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("heat");
    let before = fetches();
    await page.keyboard.press("r");
    await expect.poll(fetches).toBeGreaterThan(before);
    // "Copy link" says what happened (headless Chromium may refuse the clipboard), and a focused
    // button leaves R to the page.
    await page.click("#copy-link");
    await expect.poll(() => page.textContent("#copy-link")).toMatch(/^(Copied|Copy it from the address bar)$/);
    before = fetches();
    await page.keyboard.press("r");
    await expect.poll(fetches).toBeGreaterThan(before);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("brush zoom narrows both axes, Back restores them, and the keyboard does the same", async () => {
    const { page, errors } = await watchedPage(env.browser);
    await page.goto(`${env.node.url}/`);
    await waitForShape(page, ROUTES, COLUMNS);
    const from = await cellPoint(page, 10, 5);
    const to = await cellPoint(page, 30, 20);
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    await page.mouse.move((from.x + to.x) / 2, (from.y + to.y) / 2, { steps: 3 });
    await page.mouse.move(to.x, to.y, { steps: 3 });
    await page.mouse.up();
    await waitForShape(page, 21, 16);
    expect(page.url()).toMatch(/[#&]t=\d+\.\d+/);
    expect(page.url()).toMatch(/[#&]k=/);
    const zoomed = await rowColours(page, null);
    // Rows 10..30 are shown: the write band (20..27) sits at view rows 10..17.
    expect(mean(band(zoomed, [10, 17]))).toBeGreaterThan(
      2 * mean([...band(zoomed, [0, 9]), ...band(zoomed, [18, 20])]),
    );
    await shot(page, "zoomed");
    await page.click("#back");
    await waitForShape(page, ROUTES, COLUMNS);

    // Keyboard: focus the heatmap, move the cursor, select with Shift, Enter zooms, Backspace returns.
    await page.focus("#heat");
    await page.keyboard.press("ArrowDown");
    for (let i = 0; i < 3; i++) await page.keyboard.press("Shift+ArrowDown");
    for (let i = 0; i < 4; i++) await page.keyboard.press("Shift+ArrowLeft");
    await page.keyboard.press("Enter");
    await waitForShape(page, 4, 5);
    await page.keyboard.press("Backspace");
    await waitForShape(page, ROUTES, COLUMNS);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("the URL carries the whole view: a new page opened on it shows the same", async () => {
    const { page, errors } = await watchedPage(env.browser);
    await page.goto(`${env.node.url}/`);
    await waitForShape(page, ROUTES, COLUMNS);
    await page.selectOption("#series", "reads");
    await page.fill("#rows", "32");
    await page.press("#rows", "Enter");
    await waitForShape(page, 32, COLUMNS);
    // A budget out of range is refused with a message; the field shows the one in force again.
    await page.fill("#rows", "5000");
    await page.press("#rows", "Enter");
    expect(await page.inputValue("#rows")).toBe("32");
    expect(await page.$eval("#rows", (el) => (el as HTMLInputElement).validationMessage)).toMatch(/1 to 1024/);
    await page.fill("#rows", "32"); // typing again clears the refusal
    expect(await page.$eval("#rows", (el) => (el as HTMLInputElement).validity.valid)).toBe(true);
    await page.selectOption("#scale", "linear");
    await page.selectOption("#palette", "reference");
    await page.fill("#brightness", "1");
    const from = await cellPoint(page, 2, 10);
    const to = await cellPoint(page, 20, 40);
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    await page.mouse.move(to.x, to.y, { steps: 4 });
    await page.mouse.up();
    await waitForShape(page, 19, 31);
    const url = page.url();
    const before = await rowColours(page, null);

    const second = await watchedPage(env.browser);
    await second.page.goto(url);
    await waitForShape(second.page, 19, 31);
    expect(await second.page.inputValue("#series")).toBe("reads");
    expect(await second.page.inputValue("#rows")).toBe("32");
    expect(await second.page.inputValue("#scale")).toBe("linear");
    expect(await second.page.inputValue("#palette")).toBe("reference");
    expect(await second.page.inputValue("#brightness")).toBe("1");
    expect(second.page.url()).toBe(url);
    expect(await rowColours(second.page, null)).toEqual(before);
    // The zoom came with the link, so there is no level before it here: Back shows the whole view.
    expect(await second.page.textContent(".summary")).toContain("1 level (Back / Reset)");
    await second.page.click("#back");
    await waitForShape(second.page, 32, COLUMNS);
    expect([...errors, ...second.errors]).toEqual([]);
    await second.page.close();
    await page.close();
  });

  it("the difference view of two windows shows where the reads moved", async () => {
    const { page, errors } = await watchedPage(env.browser);
    await page.goto(`${env.node.url}/#series=reads&view=diff`);
    await waitForShape(page, ROUTES, COLUMNS / 2);
    // Default windows: B = first half (reads on 8..11), A = second half (reads on 48..51).
    const colours = await rowColours(page, null);
    const orange = (c: Rgba): boolean => c.a > 200 && c.r > c.b + 60;
    const purple = (c: Rgba): boolean => c.a > 200 && c.b > c.r + 30 && c.b > c.g;
    expect(colours.slice(READ_AFTER[0], READ_AFTER[1] + 1).every(orange)).toBe(true);
    expect(colours.slice(READ_BEFORE[0], READ_BEFORE[1] + 1).every(purple)).toBe(true);
    expect(
      colours.filter(
        (c, i) =>
          (orange(c) || purple(c)) &&
          !(i >= READ_BEFORE[0] && i <= READ_BEFORE[1]) &&
          !(i >= READ_AFTER[0] && i <= READ_AFTER[1]),
      ),
    ).toEqual([]);
    expect(await page.isVisible("#diff-bar")).toBe(true);
    expect(page.url()).toMatch(/[#&]a=\d+\.\d+&bw=\d+\.\d+/);
    await shot(page, "difference");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("a recording opened from disk (file://) replays in the browser with no request to any server", async () => {
    const file = env.node.exportFile();
    const { page, errors, requests } = await watchedPage(env.browser);
    await page.goto(viewerFile);
    await pickFile(page, "recording.kvz", file);
    await waitForShape(page, ROUTES, COLUMNS);
    expect(await page.isVisible("#replay")).toBe(true);
    const writes = await rowColours(page, null);
    expect(mean(band(writes, WRITE_BAND))).toBeGreaterThan(2 * mean(outside(writes, WRITE_BAND)));

    // Scrub to column 10: later columns are not drawn yet.
    await page.fill("#timeline", "10");
    const early = await rowColours(page, 30);
    expect(early.every((c) => c.a === 0)).toBe(true);
    expect((await rowColours(page, 10)).every((c) => c.a > 0)).toBe(true);
    // Play at 1000×: one recorded minute per 60 ms; the cursor moves on.
    await page.selectOption("#speed", "1000");
    await page.click("#play");
    await page.waitForFunction(() => Number((document.getElementById("timeline") as HTMLInputElement).value) >= 14);
    await page.click("#play");
    await shot(page, "replay");

    // Re-bucket in the browser: 8 rows, 5-minute steps.
    await page.fill("#rows", "8");
    await page.press("#rows", "Enter");
    await page.selectOption("#step", String(5 * STEP_MS));
    await page.fill("#timeline", "11");
    const expected = openHistory(file).matrix({ series: "writes", rows: 8, stepMs: 5 * STEP_MS });
    await waitForShape(page, 8, expected.column_unix_ms.length);
    expect(expected.column_unix_ms.length).toBeLessThan(COLUMNS / 4);
    await shot(page, "replay-rebucketed");
    expect(requests.filter((u) => !u.startsWith("file:") && !u.startsWith("data:"))).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("a recording dropped on the page opens like a picked one", async () => {
    const file = Buffer.from(env.node.exportFile()).toString("base64");
    const { page, errors } = await watchedPage(env.browser);
    await page.goto(viewerFile);
    const transfer = await page.evaluateHandle((b64) => {
      const bin = atob(b64);
      const bytes = Uint8Array.from(bin, (ch) => ch.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], "dropped.kvz", { type: "application/octet-stream" }));
      return dt;
    }, file);
    await page.dispatchEvent("body", "dragenter", { dataTransfer: transfer });
    expect(await page.isVisible("#drop")).toBe(true);
    await page.dispatchEvent("body", "drop", { dataTransfer: transfer });
    await waitForShape(page, ROUTES, null);
    expect(await page.isVisible("#drop")).toBe(false);
    expect(await page.textContent(".summary")).toContain("dropped.kvz");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("drills into a merged row's hot keys through its member routes", async () => {
    const { page, errors } = await watchedPage(env.browser);
    await page.goto(`${env.node.url}/#rows=8`);
    await waitForShape(page, 8, COLUMNS);
    // With 8 rows the cold ranges are merged; the first row is a `merged:` row.
    const p = await cellPoint(page, 0, COLUMNS - 1);
    await page.mouse.click(p.x, p.y);
    const card = page.locator("#pins .card").first();
    await card.waitFor();
    expect(await card.locator(".title").innerText()).toMatch(/^merged:route:1\.\.route:\d+$/);
    await page.waitForFunction(() => document.querySelector("#pins .hotkeys table") !== null);
    const text = await card.innerText();
    expect(text).toMatch(/\d+ of \d+ routes had a snapshot/);
    expect(text).toMatch(new RegExp(`${keyOf(0)}/user\\d`));
    await shot(page, "merged-hotkeys");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("a fan-out with a failed peer shows the banner, and cells the nodes disagree on are hatched", async () => {
    const peer = await startNode(4, {}, 2); // same routes and times, twice the writes: every write cell conflicts
    const front = createServer({
      sampler: peer.sampler,
      port: 0,
      logger: silentLogger,
      peers: [env.node.url, "http://127.0.0.1:9"],
      fanoutTimeoutMs: 1000,
    });
    await front.listen();
    try {
      const { page, errors } = await watchedPage(env.browser);
      await page.goto(`${front.url}/`);
      await waitForShape(page, ROUTES, COLUMNS);
      const banner = page.locator("#banner");
      await banner.waitFor({ state: "visible" });
      expect(await banner.innerText()).toContain("2 of 3 nodes responded");
      expect(await banner.innerText()).toContain("http://127.0.0.1:9");
      const hatched = await page.evaluate(() => {
        const c = document.getElementById("heat") as HTMLCanvasElement;
        const d = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4)
          if (d[i] === 255 && d[i + 1] === 255 && d[i + 2] === 255 && d[i + 3] === 230) n++;
        return n / (d.length / 4);
      });
      // The peer only has the first 4 columns: those (and only those) conflict, 2 of every 6 pixels striped.
      expect(hatched).toBeGreaterThan(0.2 * (4 / COLUMNS));
      expect(hatched).toBeLessThan(0.4 * (4 / COLUMNS));
      await shot(page, "fanout-degraded");
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      await front.close();
      await peer.close();
    }
  });

  it("on a token-protected server the page signs in with the session flow, never with the token in a URL", async () => {
    const secured = createServer({ sampler: env.node.sampler, port: 0, logger: silentLogger, token: "s3cret-token" });
    await secured.listen();
    try {
      const { page, errors, requests } = await watchedPage(env.browser, { allowStatus: [401] });
      await page.goto(`${secured.url}/`);
      await page.locator("#login").waitFor({ state: "visible" });
      await page.fill("#access-key", "keyviz");
      await page.fill("#secret-key", "wrong");
      await page.click("#login-form button[type=submit]");
      await page.waitForFunction(() => document.getElementById("login-message")?.textContent?.startsWith("Wrong"));
      await shot(page, "login");
      await page.fill("#secret-key", "s3cret-token");
      await page.click("#login-form button[type=submit]");
      await waitForShape(page, ROUTES, null);
      await page.waitForSelector(".live-dot.open"); // the stream authenticates with the cookie too
      expect(await page.isVisible("#login")).toBe(false);
      expect([page.url(), ...requests].filter((u) => u.includes("s3cret"))).toEqual([]);
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      await secured.close();
    }
  });

  it("a new flushed column arrives over the stream without a reload", async () => {
    const { page, errors } = await watchedPage(env.browser);
    await page.goto(`${env.node.url}/`);
    await waitForShape(page, ROUTES, COLUMNS);
    await page.waitForSelector(".live-dot.open");
    const navigations: string[] = [];
    page.on("framenavigated", (f) => navigations.push(f.url()));
    env.node.flush([40, 45]);
    await waitForShape(page, ROUTES, COLUMNS + 1);
    const last = await rowColours(page, COLUMNS);
    expect(mean(band(last, [40, 45]))).toBeGreaterThan(2 * mean(outside(last, [40, 45])));
    expect(navigations).toEqual([]);
    await shot(page, "stream");
    expect(errors).toEqual([]);
    await page.close();
  });
  it("with manual refresh nothing moves until Refresh is pressed (runs after the stream test: one more column)", async () => {
    const { page, errors, requests } = await watchedPage(env.browser);
    await page.goto(`${env.node.url}/#refresh=off`);
    await waitForShape(page, ROUTES, COLUMNS + 1);
    expect(await page.textContent(".summary")).toContain("manual refresh");
    env.node.flush();
    await page.waitForTimeout(300);
    expect(await page.getAttribute("#heat", "data-columns")).toBe(String(COLUMNS + 1));
    expect(requests.filter((u) => u.includes("/stream"))).toEqual([]);
    await page.click("#reload");
    await waitForShape(page, ROUTES, COLUMNS + 2);
    expect(errors).toEqual([]);
    await page.close();
  });
  it("the stream reconnects after the server restarts and fills in the column it missed", async () => {
    const first = createServer({ sampler: env.node.sampler, port: 0, logger: silentLogger });
    const { port } = await first.listen();
    let second: ReturnType<typeof createServer> | undefined;
    try {
      // While the server is down Chromium logs each refused reconnect; the page itself logs nothing.
      const { page, errors } = await watchedPage(env.browser, { allowText: ["ERR_CONNECTION_REFUSED"] });
      await page.goto(`${first.url}/`);
      const columns = env.node.times.length;
      await waitForShape(page, ROUTES, columns);
      await page.waitForSelector(".live-dot.open");
      await first.close();
      await page.waitForSelector(".live-dot.reconnecting");
      env.node.flush(); // flushed while the page is disconnected: no stream can deliver it
      second = createServer({ sampler: env.node.sampler, port, logger: silentLogger });
      await second.listen();
      await page.waitForSelector(".live-dot.open", { timeout: 15_000 });
      await waitForShape(page, ROUTES, columns + 1); // the refetch after the gap brought it
      env.node.flush();
      await waitForShape(page, ROUTES, columns + 2); // and the stream is live again
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      await first.close();
      await second?.close();
    }
  });

  it("polling every 5 s and every 30 s fetches the new columns (the page's clock is driven, nothing waits 5 s)", async () => {
    const { page, errors, requests } = await watchedPage(env.browser);
    await page.clock.install(); // fake timers in the page, running at the natural pace until moved
    await page.goto(`${env.node.url}/#refresh=5s`);
    let columns = env.node.times.length;
    await waitForShape(page, ROUTES, columns);
    expect(await page.textContent(".summary")).toContain("polling every 5s");
    const matrixFetches = () => requests.filter((u) => u.includes("/keyviz/matrix")).length;
    env.node.flush();
    await page.clock.fastForward(5000);
    await waitForShape(page, ROUTES, ++columns); // the 5 s poll brought the new column
    await page.selectOption("#refresh", "30s");
    env.node.flush();
    const before = matrixFetches();
    await page.clock.fastForward(5000); // 5 s is not 30 s: no fetch yet
    await page.waitForTimeout(200);
    expect(matrixFetches()).toBe(before);
    expect(await page.getAttribute("#heat", "data-columns")).toBe(String(columns));
    await page.clock.fastForward(25_000);
    await waitForShape(page, ROUTES, columns + 1);
    expect(requests.filter((u) => u.includes("/stream"))).toEqual([]); // polling, not the stream
    expect(errors).toEqual([]);
    await page.close();
  });
});
