// Binding: the listen rules (non-loopback needs a token) and the node:http / node:https server
// with its timeouts and protocol-error answers (protocol-errors.ts).
import http from "node:http";
import https from "node:https";
import type { Duplex } from "node:stream";
import { isLoopbackHost } from "./loopback.js";
import { answerClientError, answerConnect, answerExpectation } from "./protocol-errors.js";

export type NodeServer = http.Server | https.Server;

/** Generic socket bounds: a request's head and body must arrive in time; a silent socket is closed. */
const HEADERS_TIMEOUT_MS = 20_000;
const REQUEST_TIMEOUT_MS = 30_000;
const IDLE_SOCKET_TIMEOUT_MS = 120_000;
/**
 * How often node looks for connections past those timeouts. Its default, 30 s, let the 20 s head
 * bound fire at up to 30 s and the 30 s request bound at up to 60 s; once a second costs one walk
 * over the open connections (at most `maxConnections`).
 */
const TIMEOUT_CHECK_INTERVAL_MS = 1000;

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
  // Without a Host, node:http would answer a bare 400 itself; keyviz's Host rule (403 without a
  // token, the token as the guard with one) answers instead, with the envelope.
  const options = {
    maxHeaderSize: maxUrlBytes + HEADER_FIELD_BYTES,
    requireHostHeader: false,
    connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
  };
  let server: NodeServer;
  if (tls === undefined) server = http.createServer(options, listener);
  else {
    try {
      server = https.createServer({ key: tls.key, cert: tls.cert, ...options }, listener);
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
    answerClientError(err, socket, options.maxHeaderSize),
  );
  server.on("checkExpectation", answerExpectation);
  server.on("connect", answerConnect);
  return server;
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
