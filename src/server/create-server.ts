// createServer: the HTTP front of a keyviz node on node:http.
//
// Request pipeline, in order (first failing step answers):
//   414 uri_too_long       request target longer than maxUrlBytes
//   400 bad_request        target not in origin-form (/path?query)
//   /healthz               200 {"ok":true}, no token needed (GET/HEAD only)
//   401 unauthenticated    /admin/api/… without the bearer token (when one is set)
//   404 unknown_endpoint   any other path, API or not
//   405 method_not_allowed methods other than GET/HEAD
//   413 body_not_allowed   the request announces a body
// A request that announces a body is always answered with `Connection: close`: the body is never
// read, so the connection cannot be reused.
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import https from "node:https";
import { bearerAuthenticator } from "./auth.js";
import type { HandlerContext } from "./context.js";
import { handleHotKeys, HOTKEYS_PATH } from "./hotkeys-handler.js";
import { isLoopbackHost } from "./loopback.js";
import { handleMatrix, MATRIX_PATH } from "./matrix-handler.js";
import { resolveOptions, type ServerOptions } from "./options.js";
import { hasBody, requestUrl } from "./request-guard.js";
import { sendError, sendJson } from "./respond.js";
import { STREAM_PATH, StreamHub } from "./stream-handler.js";

export const API_PREFIX = "/admin/api/";
export const HEALTH_PATH = "/healthz";

export interface KeyvizServer {
  /** Binds; resolves with the bound address. Rejects for a non-loopback host without a token or a busy port. */
  listen(): Promise<{ host: string; port: number }>;
  /** Ends live streams, stops accepting, closes every connection. */
  close(): Promise<void>;
  /** `http://host:port` once listening; throws before. */
  readonly url: string;
}

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;

export function createServer(options: ServerOptions): KeyvizServer {
  const opts = resolveOptions(options);
  let bound: { host: string; port: number } | undefined;
  const httpAgent = new http.Agent({ keepAlive: true });
  const httpsAgent = new https.Agent({ keepAlive: true });
  const ctx: HandlerContext = {
    options: opts,
    transport: {
      peers: opts.peers,
      timeoutMs: opts.fanoutTimeoutMs,
      limitBytes: opts.fanoutBodyLimitBytes,
      token: opts.token,
      httpAgent,
      httpsAgent,
    },
    selfName: () => opts.nodeName ?? (bound === undefined ? opts.host : hostPort(bound.host, bound.port)),
  };
  const streams = new StreamHub(ctx);
  const routes = new Map<string, Handler>([
    [MATRIX_PATH, (req, res, url) => handleMatrix(ctx, req, res, url)],
    [HOTKEYS_PATH, (req, res, url) => handleHotKeys(ctx, req, res, url)],
    [STREAM_PATH, (req, res, url) => streams.handle(req, res, url)],
  ]);
  const authenticated = bearerAuthenticator(opts.token);

  const dispatch = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (hasBody(req)) res.setHeader("Connection", "close");
    if (Buffer.byteLength(req.url ?? "") > opts.maxUrlBytes) {
      return sendError(res, 414, "uri_too_long", `request target exceeds ${opts.maxUrlBytes} bytes`);
    }
    const url = requestUrl(req);
    if (url === null) return sendError(res, 400, "bad_request", "request target must be an absolute path");
    const isApi = url.pathname.startsWith(API_PREFIX);
    if (isApi && !authenticated(req.headers.authorization)) {
      return sendError(res, 401, "unauthenticated", "missing or invalid bearer token", { "WWW-Authenticate": 'Bearer realm="keyviz"' });
    }
    const handler = url.pathname === HEALTH_PATH ? health : routes.get(url.pathname);
    if (handler === undefined) return sendError(res, 404, "unknown_endpoint", `no endpoint at ${url.pathname}`);
    if (req.method !== "GET" && req.method !== "HEAD") {
      return sendError(res, 405, "method_not_allowed", "only GET", { Allow: "GET, HEAD" });
    }
    if (hasBody(req)) return sendError(res, 413, "body_not_allowed", "requests must not have a body");
    await handler(req, res, url);
  };

  const server = http.createServer((req, res) => {
    dispatch(req, res).catch(() => {
      // Internal details stay in the process; the client learns only that this node failed.
      if (!res.headersSent) sendError(res, 500, "internal_error", "internal server error");
      else res.destroy();
    });
  });

  return {
    listen: () => listen(server, opts.host, opts.port, opts.token !== undefined).then((addr) => (bound = addr)),
    close: async () => {
      streams.closeAll();
      httpAgent.destroy();
      httpsAgent.destroy();
      if (!server.listening) return;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      bound = undefined;
    },
    get url(): string {
      if (bound === undefined) throw new Error("keyviz server: url is only known after listen() resolved");
      return `http://${hostPort(bound.host, bound.port)}`;
    },
  };
}

function health(_req: IncomingMessage, res: ServerResponse): void {
  sendJson(res, 200, { ok: true });
}

function hostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

function listen(server: http.Server, host: string, port: number, hasToken: boolean): Promise<{ host: string; port: number }> {
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
      if (addr === null || typeof addr === "string") return reject(new Error("keyviz server: unexpected listen address"));
      resolve({ host: addr.address, port: addr.port });
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(port, host);
  });
}
