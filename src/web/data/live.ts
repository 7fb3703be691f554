// Live data: the matrix from the API, then new columns pushed over the SSE stream (or polled).
// The stream reconnects on its own (the server sends `retry: 3000`); after any gap the matrix is
// fetched again, so a column missed while disconnected is never silently absent.
import type { ColumnEvent } from "../../server/column-event.js";
import type { Series } from "../../types.js";
import { validateMatrix } from "../../wire/wire.js";
import { apiUrl, getJson } from "./api.js";
import { gridFromMatrix, type Grid } from "./grid.js";

export async function fetchGrid(series: Series, rows: number, signal?: AbortSignal): Promise<Grid> {
  const body = await getJson("/keyviz/matrix", { series, rows }, signal);
  validateMatrix(body, "matrix response");
  return gridFromMatrix(body);
}

export type StreamState = "connecting" | "open" | "reconnecting";

export interface StreamHandlers {
  column(ev: ColumnEvent): void;
  /**
   * Refetch: the stream (re)opened after a gap, or the server refused it (e.g. 401 after a
   * restart: the matrix request then says why).
   */
  resync(): void;
  state(s: StreamState): void;
}

/** Subscribes to the column stream of `series`; returns the function that closes it. */
export function openStream(series: Series, h: StreamHandlers): () => void {
  let closed = false;
  let source: EventSource | null = null;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let failures = 0;
  let hadGap = false;

  const connect = (): void => {
    if (closed) return;
    h.state(failures === 0 ? "connecting" : "reconnecting");
    const es = new EventSource(apiUrl("/keyviz/stream", { series }));
    source = es;
    es.addEventListener("open", () => {
      failures = 0;
      h.state("open");
      if (hadGap) h.resync();
      hadGap = false;
    });
    es.addEventListener("column", (e) => {
      try {
        h.column(JSON.parse((e as MessageEvent<string>).data) as ColumnEvent);
      } catch {
        // A frame that is not JSON is skipped; the next resync repairs the picture.
        hadGap = true;
      }
    });
    es.addEventListener("error", () => {
      hadGap = true;
      if (es.readyState === EventSource.CLOSED) {
        // The browser gave up (an HTTP error answer): back off and open a new one.
        failures++;
        h.state("reconnecting");
        h.resync();
        retry = setTimeout(connect, Math.min(30_000, 1000 * 2 ** Math.min(failures, 5)));
      } else h.state("reconnecting");
    });
  };
  connect();
  return () => {
    closed = true;
    clearTimeout(retry);
    source?.close();
  };
}
