// GET /admin/api/v1/keyviz/stream: Server-Sent Events, one `column` event per flushed column.
//
// The sampler calls flush listeners synchronously, so a listener here only formats (once per
// column and series, shared by all clients) and hands bytes to the socket; it never waits. A
// client that stops reading is dropped once its unsent backlog passes `streamMaxBufferedBytes`
// (checked at each frame and heartbeat),
// so memory per client is bounded and the sampler is never blocked. Every client unsubscribes
// from the sampler when its connection closes, whoever closes it.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Column, Series } from "../types.js";
import { parseMatrixQuery } from "../wire/wire.js";
import { columnFrame } from "./column-event.js";
import type { HandlerContext } from "./context.js";
import { parseOrReject, sendError } from "./respond.js";

export const STREAM_PATH = "/admin/api/v1/keyviz/stream";

interface StreamClient {
  res: ServerResponse;
  close(): void;
}

export class StreamHub {
  private readonly clients = new Set<StreamClient>();
  // Formatted frames per column, shared by every client of the same series.
  private readonly frames = new WeakMap<Column, Map<Series, string>>();

  constructor(private readonly ctx: HandlerContext) {}

  /** Connected clients (for tests and diagnostics). */
  get size(): number {
    return this.clients.size;
  }

  handle(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const { sampler, maxStreamClients } = this.ctx.options;
    if (sampler === null) return sendError(res, 503, "keyviz_disabled", "key visualizer is not enabled on this node");
    const series = parseOrReject(res, () => parseStreamSeries(url.searchParams));
    if (series === undefined) return;
    if (this.clients.size >= maxStreamClients) {
      return sendError(res, 503, "too_many_streams", `at most ${maxStreamClients} stream clients may be connected`);
    }
    res.writeHead(200, {
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
      "X-Accel-Buffering": "no",
    });
    if (req.method === "HEAD") {
      res.end();
      return;
    }
    res.socket?.setNoDelay(true);
    res.write(": keyviz stream\nretry: 3000\n\n");

    let unsubscribe: (() => void) | undefined;
    const heartbeat = setInterval(() => this.send(client, ": heartbeat\n\n"), this.ctx.options.streamHeartbeatMs);
    heartbeat.unref();
    const client: StreamClient = {
      res,
      close: () => {
        if (!this.clients.delete(client)) return;
        clearInterval(heartbeat);
        unsubscribe?.();
        if (!res.destroyed) res.destroy();
      },
    };
    this.clients.add(client);
    res.on("close", client.close);
    unsubscribe = sampler.onFlush((column) => {
      // A listener must never throw into the sampler's flush.
      try {
        this.send(client, this.frame(column, series));
      } catch {
        client.close();
      }
    });
  }

  /** Ends every stream (server shutdown). */
  closeAll(): void {
    for (const client of [...this.clients]) {
      client.res.end();
      client.close();
    }
  }

  private frame(column: Column, series: Series): string {
    let bySeries = this.frames.get(column);
    if (bySeries === undefined) {
      bySeries = new Map();
      this.frames.set(column, bySeries);
    }
    let text = bySeries.get(series);
    if (text === undefined) {
      text = columnFrame(column, series);
      bySeries.set(series, text);
    }
    return text;
  }

  private send(client: StreamClient, text: string): void {
    const { res } = client;
    if (res.destroyed || res.writableEnded) return client.close();
    // What is still unsent from earlier frames is the client's lag. Measured before writing, so
    // one frame larger than the bound does not drop a client that keeps up; memory per client
    // stays below the bound plus one frame.
    if (res.writableLength > this.ctx.options.streamMaxBufferedBytes) return client.close();
    res.write(text);
  }
}

/** The stream takes `series` with the matrix rule (and its exact error message). */
function parseStreamSeries(params: URLSearchParams): Series {
  const only = new URLSearchParams();
  const series = params.get("series");
  if (series !== null) only.set("series", series);
  return parseMatrixQuery(only).series;
}
