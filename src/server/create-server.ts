// createServer: the HTTP(S) front of a keyviz node. This file only composes the parts; the
// request order is in request-pipeline.ts, the bounds in connection-limits.ts and
// stream-handler.ts, credentials in auth.ts / session.ts / auth-throttle.ts.
import http from "node:http";
import https from "node:https";
import { logSafely } from "../logger.js";
import { Authenticator } from "./auth.js";
import { AUTH_THROTTLE_DEFAULTS, AuthThrottle } from "./auth-throttle.js";
import { ByteBudget } from "./byte-budget.js";
import { ConnectionLimits } from "./connection-limits.js";
import type { HandlerContext } from "./context.js";
import type { FanoutTransport } from "./fanout.js";
import { EXPORT_PATH, handleExport } from "./export-handler.js";
import { handleHotKeys, HOTKEYS_PATH } from "./hotkeys-handler.js";
import { createNodeServer, hostPort } from "./listen.js";
import { ServerLifecycle } from "./lifecycle.js";
import { handleMatrix, MATRIX_PATH } from "./matrix-handler.js";
import { METRICS_PATH, metricsHandler, ServerCounters } from "./metrics.js";
import { resolveOptions, type ServerOptions } from "./options.js";
import { createPipeline, type Route } from "./request-pipeline.js";
import { sendError } from "./respond.js";
import { SessionStore } from "./session.js";
import { STREAM_PATH, StreamHub } from "./stream-handler.js";
import { viewerRoutes } from "./static-handler.js";

export { API_PREFIX, HEALTH_PATH } from "./request-pipeline.js";

/** Sessions kept at most (oldest ended first): bounds memory whatever the login rate. */
const MAX_SESSIONS = 1024;

export interface KeyvizServer {
  /**
   * Binds; resolves with the bound address. Rejects for a non-loopback host without a token, a busy
   * port, a listen() already in progress, or a close() called before the bind completed.
   */
  listen(): Promise<{ host: string; port: number }>;
  /** Ends live streams, stops accepting, closes every connection (after a bind in progress). */
  close(): Promise<void>;
  /** `http://host:port` (or `https://`) once listening; throws before. */
  readonly url: string;
}

export function createServer(options: ServerOptions): KeyvizServer {
  const opts = resolveOptions(options);
  let bound: { host: string; port: number } | undefined;
  const httpAgent = new http.Agent({ keepAlive: true });
  const httpsAgent = new https.Agent({ keepAlive: true });
  const peerBudget = new ByteBudget(opts.peerBodyBudgetBytes);
  const transport: FanoutTransport = {
    budget: peerBudget,
    peers: opts.peers,
    timeoutMs: opts.fanoutTimeoutMs,
    limitBytes: opts.fanoutBodyLimitBytes,
    token: opts.token,
    httpAgent,
    httpsAgent,
  };
  const counters = new ServerCounters();
  const ctx: HandlerContext = {
    options: opts,
    transport,
    hotKeysTransport: { ...transport, token: opts.hotKeysToken ?? opts.token },
    selfName: () => opts.nodeName ?? (bound === undefined ? opts.host : hostPort(bound.host, bound.port)),
    observeFanout: (nodes) => counters.observeFanout(nodes),
  };
  const streams = new StreamHub(ctx);
  const sessions = new SessionStore({
    ttlMs: opts.sessionTtlMs,
    maxSessions: MAX_SESSIONS,
    onEnd: (session) => streams.endSession(session),
  });
  const auth = new Authenticator(opts, sessions);
  const throttle = new AuthThrottle({ ...AUTH_THROTTLE_DEFAULTS, baseDelayMs: opts.authFailureDelayMs });
  const limits = new ConnectionLimits(opts);
  const metrics = metricsHandler({
    sampler: opts.sampler,
    counters,
    peers: opts.peers,
    streamClients: () => streams.size,
    streamDrops: () => streams.dropped,
    connections: () => limits.connections,
    bufferedResponseBytes: () => limits.bufferedBytes(),
    overloaded: () => limits.counts.overloaded,
    pipelineOverflows: () => limits.counts.pipelineOverflows,
    sessions: () => sessions.size,
    peerBodyBytes: () => peerBudget.inUse,
  });
  const routes = new Map<string, Route>([
    [MATRIX_PATH, { protected: true, handle: (req, res, url) => handleMatrix(ctx, req, res, url) }],
    [HOTKEYS_PATH, { protected: true, hotKeys: true, handle: (req, res, url) => handleHotKeys(ctx, req, res, url) }],
    [STREAM_PATH, { protected: true, handle: (req, res, url, principal) => streams.handle(req, res, url, principal) }],
    [METRICS_PATH, { protected: true, handle: metrics }],
    [EXPORT_PATH, { protected: true, handle: (req, res, url) => handleExport(ctx, req, res, url) }],
    ...viewerRoutes(),
  ]);
  const pipeline = createPipeline({
    options: opts,
    auth,
    throttle,
    routes,
    login: { ...opts, auth, sessions, throttle },
    onAuthFailure: () => counters.authFailures++,
  });

  const server = createNodeServer(
    opts.tls,
    limits.serialise((req, res) => {
      pipeline(req, res).catch((err: unknown) => {
        // Internal details stay in the process (logged); the client learns only that this node failed.
        logSafely(opts.logger, "error", "keyviz server: request failed", { path: req.url, error: String(err) });
        if (!res.headersSent) sendError(res, 500, "internal_error", "internal server error");
        else res.destroy();
      });
    }),
    opts.maxUrlBytes,
  );
  limits.attach(server);

  const lifecycle = new ServerLifecycle(server, {
    host: opts.host,
    port: opts.port,
    hasToken: opts.token !== undefined,
  });

  return {
    listen: () => lifecycle.listen().then((addr) => (bound = addr)),
    close: async () => {
      streams.closeAll();
      sessions.clear();
      httpAgent.destroy();
      httpsAgent.destroy();
      await lifecycle.close();
      bound = undefined;
    },
    get url(): string {
      if (bound === undefined) throw new Error("keyviz server: url is only known after listen() resolved");
      return `${opts.tls === undefined ? "http" : "https"}://${hostPort(bound.host, bound.port)}`;
    },
  };
}
