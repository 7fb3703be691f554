// A history with tiers in a real Chromium: older columns are wider (10 s against the base 1 s),
// and the viewer gives each column the width of its time, so the last 20 seconds take a tenth of
// the heatmap, not half of it (equal slots would draw 18 tier columns and 20 base columns alike).
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumPath, launchChromium } from "../browser/find-chromium.js";
import { createSampler } from "../../src/sampler/sampler.js";
import { createServer, type KeyvizServer } from "../../src/server/create-server.js";
import { silentLogger } from "../../src/logger.js";
import { waitForShape, watchedPage } from "./page.js";

const executablePath = chromiumPath();

describe.skipIf(executablePath === null)("viewer over a tiered history", () => {
  let browser: Browser;
  let server: KeyvizServer;
  let columns = 0;
  let baseShare = 0;
  let baseColumns = 0;

  beforeAll(async () => {
    let now = Date.UTC(2026, 10, 30, 12, 0, 0);
    const sampler = createSampler({
      stepMs: 1000,
      historyColumns: 20,
      tiers: [{ stepMs: 10_000, columns: 100 }],
      now: () => now,
    });
    sampler.registerRoute(1, null, null);
    for (let c = 0; c < 200; c++) {
      sampler.observe(1, 1, 8); // one write a second: a tier column holds 10, a base column 1
      now += 1000;
      sampler.flush();
    }
    const times = sampler.matrix().column_unix_ms;
    columns = times.length;
    const base = (baseColumns = times.filter((t, i) => i > 0 && t - times[i - 1]! === 1000).length);
    baseShare = base / ((times.at(-1)! - times[0]!) / 1000 + (times[1]! - times[0]!) / 1000);
    server = createServer({ sampler, port: 0, logger: silentLogger });
    await server.listen();
    browser = await launchChromium(executablePath!);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("draws each column as wide as its time: the base columns take their share of the time axis", async () => {
    expect(columns).toBeGreaterThan(30); // both tiers are in the matrix
    const { page, errors } = await watchedPage(browser);
    await page.goto(`${server.url}/#series=writes`);
    await waitForShape(page, 1, columns);
    const share = await page.evaluate(() => {
      const canvas = document.getElementById("heat") as HTMLCanvasElement;
      const y = Math.floor(canvas.height / 2);
      const row = canvas.getContext("2d")!.getImageData(0, y, canvas.width, 1).data;
      const at = (x: number) => row.slice(x * 4, x * 4 + 4).join();
      const newest = at(canvas.width - 1); // a base column (value 1), coloured unlike the tier's 10
      let same = 0;
      for (let x = 0; x < canvas.width; x++) if (at(x) === newest) same++;
      return { same: same / canvas.width, differs: at(0) !== newest };
    });
    expect(share.differs).toBe(true);
    expect(baseShare).toBeLessThan(0.2);
    expect(baseColumns / columns).toBeGreaterThan(0.4); // what equal slots would have drawn
    expect(share.same).toBeGreaterThan(baseShare - 0.03);
    expect(share.same).toBeLessThan(baseShare + 0.03);
    expect(errors).toEqual([]);
    await page.close();
  });
});
