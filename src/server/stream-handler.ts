// GET /admin/api/v1/keyviz/stream: Server-Sent Events, one `column` event per flushed column.
//
// The sampler calls flush listeners synchronously, so a listener here only formats (once per
// column and series, shared by all clients) and hands bytes to the socket; it never waits.
// A client that stops reading is dropped when either
//   - its unsent backlog passes `streamMaxBufferedBytes` (checked at each frame and heartbeat), or
//   - it has had unsent bytes continuously for `streamStallMs` (checked every quarter of that),
//     whatever the frame size: small frames never reach the byte bound, yet such a client is
//     just as stuck and holds a slot.
// Slots (issue 10.8): at most `maxStreamsPerAddress` per client address, and the last
// `streamReserve` of `maxStreamClients` only go to addresses that have no stream yet, so one
// address cannot lock a new viewer out. Every client unsubscribes from the sampler when its
// connection closes, whoever closes it.
// A stream opened with a login session lives no longer than the session: its credential was
// checked only at open, so logout or expiry must end it (a bearer stream has nothing to end).
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Column, Series } from "../types.js";
import type { Principal } from "./auth.js";
import { parseMatrixQuery } from "../wire/wire.js";
import { columnFrame } from "./column-event.js";
import { clientAddress } from "./client-address.js";
import type { HandlerContext } from "./context.js";
import { KEYVIZ_DISABLED_MESSAGE } from "./matrix-handler.js";
import { answerKeyvizErrors, sendError } from "./respond.js";
import type { Session } from "./session.js";

export const STREAM_PATH = "/admin/api/v1/keyviz/stream";

interface StreamClient {
  res: ServerResponse;
  address: string;
  /** The login session that let it in (undefined: a bearer token or open access). */
  session?: Session;
  /** Since when its backlog has been non-empty (undefined: it is keeping up). */
  stalledSinceMs?: number;
  close(): void;
}

export class StreamHub {
  private readonly clients = new Set<StreamClient>();
  // Formatted frames per column, shared by every client of the same series.
  private readonly frames = new WeakMap<Column, Map<Series, string>>();
  private readonly perAddress = new Map<string, number>();
  private stallTimer: NodeJS.Timeout | undefined;
  /** Clients dropped for a backlog (over the byte bound or stalled). */
  dropped = 0;

  constructor(private readonly ctx: HandlerContext) {}

  /** Connected clients (for tests and diagnostics). */
  get size(): number {
    return this.clients.size;
  }

  handle(req: IncomingMessage, res: ServerResponse, url: URL, principal?: Principal | null): void {
    // The client may have left while the request waited (auth slow-down): its "close" has already
    // fired, so a subscription now would hold a slot and a listener until a write found it gone.
    if (res.destroyed) return;
    const { sampler } = this.ctx.options;
    if (sampler === null) return sendError(res, 503, "keyviz_disabled", KEYVIZ_DISABLED_MESSAGE);
    const series = answerKeyvizErrors(res, () => parseStreamSeries(url.searchParams));
    if (series === undefined) return;
    const address = clientAddress(req, this.ctx.options);
    const refusal = this.admission(address);
    if (refusal !== null) return sendError(res, 503, "too_many_streams", refusal);
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
    // Streams are long and quiet by design; the stall rule below replaces the idle timeout.
    res.socket?.setTimeout(0);
    res.write(": keyviz stream\nretry: 3000\n\n");

    let unsubscribe: (() => void) | undefined;
    const heartbeat = setInterval(() => this.send(client, ": heartbeat\n\n"), this.ctx.options.streamHeartbeatMs);
    heartbeat.unref();
    const session = principal?.session;
    const expiry = session === undefined ? undefined : this.endAtExpiry(session, () => this.end(client));
    const client: StreamClient = {
      res,
      address,
      session,
      close: () => {
        if (!this.clients.delete(client)) return;
        this.release(address);
        clearInterval(heartbeat);
        clearTimeout(expiry);
        unsubscribe?.();
        if (!res.destroyed) res.destroy();
      },
    };
    this.clients.add(client);
    this.perAddress.set(address, (this.perAddress.get(address) ?? 0) + 1);
    this.watchStalls();
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
    for (const client of [...this.clients]) this.end(client);
  }

  /** Ends the streams opened with `session` (it was logged out, expired or evicted). */
  endSession(session: Session): void {
    for (const client of [...this.clients]) if (client.session === session) this.end(client);
  }

  private end(client: StreamClient): void {
    client.res.end();
    client.close();
  }

  /**
   * A timer calling `end` when `session` expires (the store only notices expiry on a request).
   * One setTimeout holds it: sessionTtlMs is at most 2^31 − 1 ms (options.ts).
   */
  private endAtExpiry(session: Session, end: () => void): NodeJS.Timeout {
    const timer = setTimeout(end, Math.max(0, session.expiresAtMs - Date.now()));
    timer.unref();
    return timer;
  }

  /** Why a new stream from `address` is refused, or null to admit it. */
  private admission(address: string): string | null {
    const { maxStreamClients, maxStreamsPerAddress, streamReserve } = this.ctx.options;
    const mine = this.perAddress.get(address) ?? 0;
    if (this.clients.size >= maxStreamClients) return `at most ${maxStreamClients} stream clients may be connected`;
    if (mine >= maxStreamsPerAddress) return `at most ${maxStreamsPerAddress} streams per client address`;
    if (mine > 0 && this.clients.size >= maxStreamClients - streamReserve) {
      return `the last ${streamReserve} stream slots are kept for new viewers`;
    }
    return null;
  }

  private release(address: string): void {
    const left = (this.perAddress.get(address) ?? 1) - 1;
    if (left > 0) this.perAddress.set(address, left);
    else this.perAddress.delete(address);
    if (this.clients.size === 0 && this.stallTimer !== undefined) {
      clearInterval(this.stallTimer);
      this.stallTimer = undefined;
    }
  }

  /** One timer for all clients, running only while there are clients. */
  private watchStalls(): void {
    if (this.stallTimer !== undefined) return;
    const limit = this.ctx.options.streamStallMs;
    this.stallTimer = setInterval(() => this.dropStalled(limit), Math.max(25, Math.floor(limit / 4)));
    this.stallTimer.unref();
  }

  private dropStalled(limitMs: number): void {
    const now = Date.now();
    for (const client of [...this.clients]) {
      if (client.res.writableLength === 0) client.stalledSinceMs = undefined;
      else if (client.stalledSinceMs === undefined) client.stalledSinceMs = now;
      else if (now - client.stalledSinceMs >= limitMs) this.drop(client);
    }
  }

  private drop(client: StreamClient): void {
    this.dropped++;
    client.close();
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
    if (res.writableLength > this.ctx.options.streamMaxBufferedBytes) return this.drop(client);
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
