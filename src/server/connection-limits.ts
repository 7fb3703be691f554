// Bounds on what one connection, and all of them together, can make the server do (issue 10.7).
//
// node:http parses every request in a received buffer and emits them all at once, whether or not
// earlier responses were read (5 000 pipelined requests → 5 000 handler calls and every response
// queued in memory). So requests of one connection are run strictly one after another here: the
// next starts only when the previous response has been handed to the operating system
// (`finish`). A client that never reads therefore stalls its own connection after one response
// and the kernel's socket buffer, and costs nothing more. Requests parsed meanwhile wait in a
// queue of at most `maxPipelinedRequests`; one more closes the connection (browsers never
// pipeline; a client that does is either very patient or hostile). node:http offers no public
// way to stop its parser mid-buffer, so closing is the bound on bytes read, not pausing.
//
// Over all connections: at most `maxConnections` sockets (node:http closes the rest), and when the
// unsent response bytes of all sockets together exceed `maxBufferedResponseBytes`, a new request
// is answered 503 `overloaded` at once (small, and with `Connection: close`) instead of building
// another large answer that nobody is reading.
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { sendError } from "./respond.js";

export interface ConnectionLimitOptions {
  maxConnections: number;
  maxPipelinedRequests: number;
  maxBufferedResponseBytes: number;
}

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

interface ConnectionState {
  busy: boolean;
  queue: [IncomingMessage, ServerResponse][];
}

export class ConnectionLimits {
  private readonly sockets = new Map<Socket, ConnectionState>();
  /** Connections closed for pipelining past the bound, and requests refused as overloaded. */
  readonly counts = { pipelineOverflows: 0, overloaded: 0 };

  constructor(private readonly opts: ConnectionLimitOptions) {}

  /** Applies the connection cap. */
  attach(server: Server): void {
    server.maxConnections = this.opts.maxConnections;
  }

  /** Open connections that have sent a request. */
  get connections(): number {
    return this.sockets.size;
  }

  /** Response bytes written by handlers but not yet taken by the operating system, over all connections. */
  bufferedBytes(): number {
    let total = 0;
    for (const socket of this.sockets.keys()) total += socket.writableLength;
    return total;
  }

  /** Wraps a request listener so each connection runs one request at a time (see above). */
  serialise(listener: Listener): Listener {
    return (req, res) => {
      const socket = req.socket;
      if (socket.destroyed) return; // parsed after its connection was closed
      const state = this.stateOf(socket);
      if (!state.busy) return this.run(state, listener, req, res);
      if (state.queue.length >= this.opts.maxPipelinedRequests) {
        this.counts.pipelineOverflows++;
        state.queue.length = 0;
        socket.destroy();
        return;
      }
      state.queue.push([req, res]);
    };
  }

  /** Tracked from its first request (under TLS that is the decrypted socket, as wanted). */
  private stateOf(socket: Socket): ConnectionState {
    let state = this.sockets.get(socket);
    if (state === undefined) {
      state = { busy: false, queue: [] };
      this.sockets.set(socket, state);
      socket.once("close", () => this.sockets.delete(socket));
    }
    return state;
  }

  private run(state: ConnectionState, listener: Listener, req: IncomingMessage, res: ServerResponse): void {
    state.busy = true;
    let done = false;
    const next = (): void => {
      if (done) return;
      done = true;
      state.busy = false;
      const queued = state.queue.shift();
      if (queued !== undefined && !req.socket.destroyed) this.run(state, listener, queued[0], queued[1]);
    };
    res.once("finish", next);
    res.once("close", next);
    if (this.bufferedBytes() > this.opts.maxBufferedResponseBytes) {
      this.counts.overloaded++;
      res.setHeader("Connection", "close");
      return sendError(res, 503, "overloaded", "server is overloaded (too many unsent response bytes); retry later", {
        "Retry-After": "1",
      });
    }
    listener(req, res);
  }
}
