// Browser-side helpers for the viewer tests: console capture, heatmap pixel reads, cell positions.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";

export const ARTIFACTS = join(import.meta.dirname, "..", "..", "test-artifacts");
mkdirSync(ARTIFACTS, { recursive: true });

export interface Watched {
  page: Page;
  /** Console errors and uncaught exceptions seen so far. */
  errors: string[];
  /** Every URL the page requested. */
  requests: string[];
}

export async function watchedPage(
  browser: Browser,
  opts: { allowStatus?: number[]; allowText?: string[] } = {},
): Promise<Watched> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  const errors: string[] = [];
  const requests: string[] = [];
  // Chromium itself logs every non-2xx resource as a console error; an answer the test expects
  // (401 before signing in) is named in `allowStatus`, a network failure in `allowText` — the page
  // handles it and logs nothing.
  const allowed = (text: string): boolean =>
    (opts.allowStatus ?? []).some((s) => text.includes(`status of ${s}`)) ||
    (opts.allowText ?? []).some((t) => text.includes(t));
  page.on("console", (m) => {
    if (m.type() === "error" && !allowed(m.text())) errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("request", (r) => requests.push(r.url()));
  return { page, errors, requests };
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

/** Waits until the heatmap shows `rows` × `columns` cells (after a fetch, zoom or stream event). */
export async function waitForShape(page: Page, rows: number | null, columns: number | null): Promise<void> {
  await page.waitForFunction(
    ([r, c]) => {
      const d = document.getElementById("heat")?.dataset;
      return d !== undefined && (r === null || d.rows === String(r)) && (c === null || d.columns === String(c));
    },
    [rows, columns] as const,
  );
}

export interface Rgba {
  r: number;
  g: number;
  b: number;
  a: number;
}

/**
 * The colour at the centre of every shown row, for column `col` of the view (or averaged over all
 * columns when `col` is null): what an operator sees along the key axis.
 */
export async function rowColours(page: Page, col: number | null): Promise<Rgba[]> {
  return page.evaluate((colIndex) => {
    const canvas = document.getElementById("heat") as HTMLCanvasElement;
    const rows = Number(canvas.dataset.rows);
    const cols = Number(canvas.dataset.columns);
    const data = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height).data;
    const out: { r: number; g: number; b: number; a: number }[] = [];
    for (let i = 0; i < rows; i++) {
      const y = Math.floor(((i + 0.5) * canvas.height) / rows);
      const xs = colIndex === null ? Array.from({ length: cols }, (_, j) => j) : [colIndex];
      const sum = { r: 0, g: 0, b: 0, a: 0 };
      for (const j of xs) {
        const x = Math.floor(((j + 0.5) * canvas.width) / cols);
        const at = (y * canvas.width + x) * 4;
        sum.r += data[at]!;
        sum.g += data[at + 1]!;
        sum.b += data[at + 2]!;
        sum.a += data[at + 3]!;
      }
      out.push({ r: sum.r / xs.length, g: sum.g / xs.length, b: sum.b / xs.length, a: sum.a / xs.length });
    }
    return out;
  }, col);
}

export const luminance = (c: Rgba): number => ((0.2126 * c.r + 0.7152 * c.g + 0.0722 * c.b) * c.a) / 255;

/** Client coordinates of the centre of cell (row, col) of the current view. */
export async function cellPoint(page: Page, row: number, col: number): Promise<{ x: number; y: number }> {
  return page.evaluate(
    ([r, c]) => {
      const canvas = document.getElementById("heat") as HTMLCanvasElement;
      const box = canvas.getBoundingClientRect();
      const rows = Number(canvas.dataset.rows);
      const cols = Number(canvas.dataset.columns);
      return { x: box.left + ((c + 0.5) * box.width) / cols, y: box.top + ((r + 0.5) * box.height) / rows };
    },
    [row, col] as const,
  );
}

/** Picks `bytes` as a `.kvz` file named `name` in the page's file input, as a user would. */
export async function pickFile(page: Page, name: string, bytes: Uint8Array): Promise<void> {
  await page.setInputFiles("#file", { name, mimeType: "application/octet-stream", buffer: Buffer.from(bytes) });
}
