// Binding: the listen rules (non-loopback needs a token) and the node:http / node:https choice.
import http from "node:http";
import https from "node:https";
import type { Duplex } from "node:stream";
import { ERROR_STATUS, type ErrorCode } from "../errors.js";
import { isLoopbackHost } from "./loopback.js";

export type NodeServer = http.Server | https.Server;

/** Generic socket bounds: a request's head and body must arrive in time; a silent socket is closed. */
const HEADERS_TIMEOUT_MS = 20_000;
const REQUEST_TIMEOUT_MS = 30_000;
const IDLE_SOCKET_TIMEOUT_MS = 120_000;

/**
 * Bytes a request's header fields may take besides its request line (node:http's default for
 * the whole head). The head's limit is `maxUrlBytes` + this, so a target just over `maxUrlBytes`
 * still reaches the pipeline and gets its 414 envelope.
 */
export const HEADER_FIELD_BYTES = 16 * 1024;

/** An HTTP server, or HTTPS with `tls` (PEM key and certificate). */
export function createNodeServer(
  tls: { key: string | Buffer; cert: string | Buffer } | undefined,
  listener: http.RequestListener,
  maxUrlBytes: number,
): NodeServer {
  const maxHeaderSize = maxUrlBytes + HEADER_FIELD_BYTES;
  let server: NodeServer;
  if (tls === undefined) server = http.createServer({ maxHeaderSize }, listener);
  else {
    try {
      server = https.createServer({ key: tls.key, cert: tls.cert, maxHeaderSize }, listener);
    } catch (err) {
      throw new TypeError(`createServer: tls key/cert could not be loaded: ${(err as Error).message}`, { cause: err });
    }
  }
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  // A connection with no traffic either way for this long is closed (a client that stopped
  // reading a response it asked for holds no socket forever). Streams opt out: they have their
  // own stall rule.
  server.timeout = IDLE_SOCKET_TIMEOUT_MS;
  server.on("clientError", (err: NodeJS.ErrnoException, socket: Duplex) =>
    answerClientError(err, socket, maxHeaderSize),
  );
  return server;
}

/**
 * A request node:http could not parse (or that timed out) never reaches the pipeline. Answered as
 * node:http would answer it without this listener (only on a connection that has sent nothing
 * yet, then closed), but with the JSON envelope every other error has.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex, maxHeaderSize: number): void {
  const sentNothing = (socket as Duplex & { bytesWritten?: number }).bytesWritten === 0;
  if (!socket.writable || !sentNothing || err.code === "ECONNRESET") return void socket.destroy();
  const [code, message]: [ErrorCode, string] =
    err.code === "HPE_HEADER_OVERFLOW"
      ? ["headers_too_large", `request line and header fields exceed ${maxHeaderSize} bytes`]
      : err.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? ["request_timeout", "the request did not arrive in time"]
        : ["bad_request", "malformed HTTP request"];
  const status = ERROR_STATUS[code];
  const body = JSON.stringify({ error: code, message });
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\n` +
      "Content-Type: application/json; charset=utf-8\r\n" +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n" +
      body,
  );
}

export function hostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

export function listen(
  server: NodeServer,
  host: string,
  port: number,
  hasToken: boolean,
): Promise<{ host: string; port: number }> {
  if (!isLoopbackHost(host) && !hasToken) {
    return Promise.reject(
      new Error(
        `keyviz server: refusing to listen on non-loopback host ${host} without a token; ` +
          "set the token option (every API request then needs Authorization: Bearer <token>) or listen on 127.0.0.1",
      ),
    );
  }
  if (server.listening) return Promise.reject(new Error("keyviz server: already listening"));
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      server.off("listening", onListening);
      if (err.code === "EADDRINUSE") reject(new Error(`keyviz server: port ${port} on ${host} is already in use`));
      else reject(new Error(`keyviz server: cannot listen on ${hostPort(host, port)}: ${err.message}`));
    };
    const onListening = (): void => {
      server.off("error", onError);
      const addr = server.address();
      if (addr === null || typeof addr === "string")
        return reject(new Error("keyviz server: unexpected listen address"));
      resolve({ host: addr.address, port: addr.port });
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(port, host);
  });
}
