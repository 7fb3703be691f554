// A keyviz node with known traffic for the viewer tests: 64 routes over keys "k00".."k63", one
// column per minute from a fixed clock, and a picture you can predict:
//   writes: a constant hot band on routes 20–27 (keys k20..k27) over every column;
//   reads:  hot on routes 8–11 in the first half of the columns, on routes 48–51 in the second
//           half (load moved: the difference view must show it).
import { createSampler, type Sampler } from "../../src/sampler/sampler.js";
import { createServer, type KeyvizServer } from "../../src/server/create-server.js";
import type { ServerOptions } from "../../src/server/options.js";
import { exportBytes } from "../../src/history/export.js";
import { silentLogger } from "../../src/logger.js";
import { historyOf } from "../history/history-file.js";

export const ROUTES = 64;
export const STEP_MS = 60_000;
export const T0 = Date.UTC(2026, 10, 30, 12, 0, 0);
export const WRITE_BAND = [20, 27] as const;
export const READ_BEFORE = [8, 11] as const;
export const READ_AFTER = [48, 51] as const;

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
export const keyOf = (i: number): string => `k${String(i).padStart(2, "0")}`;

export interface Node {
  sampler: Sampler;
  server: KeyvizServer;
  url: string;
  /** Column times flushed so far. */
  times: number[];
  /** Flushes one more column; `hotWrites` = route range hot in writes in it. */
  flush(hotWrites?: readonly [number, number]): number;
  close(): Promise<void>;
  /** The whole history as a `.kvz` export file. */
  exportFile(): Uint8Array;
}

const inBand = (i: number, band: readonly [number, number]): boolean => i >= band[0] && i <= band[1];

export async function startNode(columns: number, server: Partial<ServerOptions> = {}, writeScale = 1): Promise<Node> {
  let now = T0 - STEP_MS;
  const sampler = createSampler({ stepMs: STEP_MS, now: () => now, hotKeys: { enabled: true, sampleRate: 1 } });
  for (let i = 0; i < ROUTES; i++)
    sampler.registerRoute(
      i + 1,
      i === 0 ? null : enc(keyOf(i)),
      i === ROUTES - 1 ? null : enc(keyOf(i + 1)),
      1 + (i % 4),
    );
  const times: number[] = [];
  let column = 0;
  const flush = (hotWrites: readonly [number, number] = WRITE_BAND): number => {
    const firstHalf = column < columns / 2;
    for (let i = 0; i < ROUTES; i++) {
      const key = enc(`${keyOf(i)}/user${column % 7}`);
      const writes = writeScale * (inBand(i, hotWrites) ? 400 + ((column * 7 + i) % 50) : 2 + ((i + column) % 3));
      for (let n = 0; n < writes; n++) sampler.observeKey(i + 1, 1, key, 16);
      const readBand = firstHalf ? READ_BEFORE : READ_AFTER;
      const reads = inBand(i, readBand) ? 900 : 1 + ((i * 3 + column) % 4);
      for (let n = 0; n < reads; n++) sampler.observe(i + 1, 0, key.length);
    }
    column++;
    now += STEP_MS;
    sampler.flush();
    times.push(now);
    return now;
  };
  for (let c = 0; c < columns; c++) flush();
  const srv = createServer({ sampler, port: 0, logger: silentLogger, ...server });
  await srv.listen();
  return {
    sampler,
    server: srv,
    url: srv.url,
    times,
    flush,
    close: async () => {
      await srv.close();
    },
    exportFile: () => exportBytes(historyOf(sampler), STEP_MS, {}, now),
  };
}
