// createServer options: validation and defaults. Bad arguments throw TypeError/RangeError naming
// the option, at construction time, so a misconfigured server never starts.
import { checkLogger, type Logger } from "../logger.js";
import type { SamplerPort } from "./sampler-port.js";
import { checkInteger } from "../validate.js";

export interface ServerOptions {
  /** The sampler to serve; `null`/absent makes the data endpoints answer 503. */
  sampler?: SamplerPort | null;
  /** Listen host; default `127.0.0.1`. A non-loopback host requires `token`. */
  host?: string;
  /** Listen port; default 0 (a free port). */
  port?: number;
  /** When set, every `/admin/api/` request needs `Authorization: Bearer <token>`; forwarded to peers. */
  token?: string;
  /** Base URLs of the other nodes, e.g. `http://10.0.0.2:8080`. */
  peers?: readonly string[];
  /** Deadline of one peer call (connect + body), default 2000 ms. */
  fanoutTimeoutMs?: number;
  /** Per-peer response body cap, default 64 MiB. */
  fanoutBodyLimitBytes?: number;
  /** This node's name in `fanout.nodes`; default `host:port` once listening. */
  nodeName?: string;
  /** Interval of SSE heartbeat comments, default 15 000 ms. */
  streamHeartbeatMs?: number;
  /** An SSE client whose unsent backlog exceeds this is dropped; default 1 MiB. */
  streamMaxBufferedBytes?: number;
  /** Concurrent SSE clients; more get 503 `too_many_streams`. Default 64. */
  maxStreamClients?: number;
  /** Longest accepted request target (path + query) in bytes, default 8192; longer → 414. */
  maxUrlBytes?: number;
  /** Where warnings and audit lines go; default one line per message on stderr. */
  logger?: Logger;
  /** Without a token, `Host` names served besides loopback addresses and `localhost` (DNS-rebinding guard). */
  allowedHosts?: readonly string[];
  /** Behind a TLS-terminating proxy: honour `X-Forwarded-Proto` (Secure cookies) and `X-Forwarded-For` (per-address limits). */
  trustProxy?: boolean;
  /** Serve HTTPS (`node:https`) with this PEM key and certificate. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** Access key the login flow expects with the token as secret; default `keyviz`. */
  accessKey?: string;
  /** Lifetime of a login session, default 1 h (as the reference). */
  sessionTtlMs?: number;
  /** When set, the hot-keys endpoint needs this bearer token (or a login with it as secret). */
  hotKeysToken?: string;
  /** First delay after repeated failed authentication from one address, default 250 ms (doubles per failure, ≤ 8 s). */
  authFailureDelayMs?: number;
  /** Concurrent connections, default 1024; more are closed at once. */
  maxConnections?: number;
  /** Requests one connection may have queued behind an unsent response, default 16; more close the connection. */
  maxPipelinedRequests?: number;
  /** Unsent response bytes over all connections before new requests get 503 `overloaded`, default 256 MiB. */
  maxBufferedResponseBytes?: number;
  /** Concurrent SSE clients per client address, default 8. */
  maxStreamsPerAddress?: number;
  /** Stream slots kept for addresses with no stream yet, default 8 (of `maxStreamClients`). */
  streamReserve?: number;
  /** An SSE client whose unsent backlog stays non-empty this long is dropped, default 5000 ms. */
  streamStallMs?: number;
  /** Peer response bytes held at once over all fan-out requests, default 256 MiB; excess reads wait. */
  peerBodyBudgetBytes?: number;
}

export interface ResolvedOptions {
  sampler: SamplerPort | null;
  host: string;
  port: number;
  token: string | undefined;
  peers: string[];
  fanoutTimeoutMs: number;
  fanoutBodyLimitBytes: number;
  nodeName: string | undefined;
  streamHeartbeatMs: number;
  streamMaxBufferedBytes: number;
  maxStreamClients: number;
  maxUrlBytes: number;
  logger: Logger;
  allowedHosts: ReadonlySet<string>;
  trustProxy: boolean;
  tls: { key: string | Buffer; cert: string | Buffer } | undefined;
  accessKey: string;
  sessionTtlMs: number;
  hotKeysToken: string | undefined;
  authFailureDelayMs: number;
  maxConnections: number;
  maxPipelinedRequests: number;
  maxBufferedResponseBytes: number;
  maxStreamsPerAddress: number;
  streamReserve: number;
  streamStallMs: number;
  peerBodyBudgetBytes: number;
}

export const DEFAULTS = {
  host: "127.0.0.1",
  port: 0,
  fanoutTimeoutMs: 2000,
  fanoutBodyLimitBytes: 64 * 1024 * 1024,
  streamHeartbeatMs: 15_000,
  streamMaxBufferedBytes: 1024 * 1024,
  maxStreamClients: 64,
  maxUrlBytes: 8192,
  accessKey: "keyviz",
  sessionTtlMs: 60 * 60_000,
  authFailureDelayMs: 250,
  maxConnections: 1024,
  maxPipelinedRequests: 16,
  maxBufferedResponseBytes: 256 * 1024 * 1024,
  maxStreamsPerAddress: 8,
  streamReserve: 8,
  streamStallMs: 5000,
  peerBodyBudgetBytes: 256 * 1024 * 1024,
} as const;

export function resolveOptions(opts: ServerOptions): ResolvedOptions {
  if (typeof opts !== "object" || opts === null) throw new TypeError("createServer: options must be an object");
  return {
    sampler: resolveSampler(opts.sampler),
    host: resolveHost(opts.host),
    port: integerIn("port", opts.port, DEFAULTS.port, 0, 65535),
    token: resolveToken(opts.token),
    peers: resolvePeers(opts.peers),
    fanoutTimeoutMs: integerIn("fanoutTimeoutMs", opts.fanoutTimeoutMs, DEFAULTS.fanoutTimeoutMs, 1, 2 ** 31 - 1),
    fanoutBodyLimitBytes: integerIn(
      "fanoutBodyLimitBytes",
      opts.fanoutBodyLimitBytes,
      DEFAULTS.fanoutBodyLimitBytes,
      1,
      2 ** 32,
    ),
    nodeName: resolveNodeName(opts.nodeName),
    streamHeartbeatMs: integerIn(
      "streamHeartbeatMs",
      opts.streamHeartbeatMs,
      DEFAULTS.streamHeartbeatMs,
      1,
      2 ** 31 - 1,
    ),
    streamMaxBufferedBytes: integerIn(
      "streamMaxBufferedBytes",
      opts.streamMaxBufferedBytes,
      DEFAULTS.streamMaxBufferedBytes,
      1,
      2 ** 32,
    ),
    maxStreamClients: integerIn("maxStreamClients", opts.maxStreamClients, DEFAULTS.maxStreamClients, 0, 1_000_000),
    maxUrlBytes: integerIn("maxUrlBytes", opts.maxUrlBytes, DEFAULTS.maxUrlBytes, 64, 1024 * 1024),
    logger: checkLogger(opts.logger, "createServer: logger"),
    allowedHosts: resolveAllowedHosts(opts.allowedHosts),
    trustProxy: resolveBoolean("trustProxy", opts.trustProxy),
    tls: resolveTls(opts.tls),
    accessKey: resolveAccessKey(opts.accessKey),
    sessionTtlMs: integerIn("sessionTtlMs", opts.sessionTtlMs, DEFAULTS.sessionTtlMs, 1000, 2 ** 31 - 1),
    hotKeysToken: resolveHotKeysToken(opts.hotKeysToken, opts.token),
    authFailureDelayMs: integerIn(
      "authFailureDelayMs",
      opts.authFailureDelayMs,
      DEFAULTS.authFailureDelayMs,
      1,
      60_000,
    ),
    maxConnections: integerIn("maxConnections", opts.maxConnections, DEFAULTS.maxConnections, 1, 1_000_000),
    maxPipelinedRequests: integerIn(
      "maxPipelinedRequests",
      opts.maxPipelinedRequests,
      DEFAULTS.maxPipelinedRequests,
      1,
      10_000,
    ),
    maxBufferedResponseBytes: integerIn(
      "maxBufferedResponseBytes",
      opts.maxBufferedResponseBytes,
      DEFAULTS.maxBufferedResponseBytes,
      1024,
      2 ** 40,
    ),
    maxStreamsPerAddress: integerIn(
      "maxStreamsPerAddress",
      opts.maxStreamsPerAddress,
      DEFAULTS.maxStreamsPerAddress,
      1,
      1_000_000,
    ),
    streamReserve: integerIn("streamReserve", opts.streamReserve, DEFAULTS.streamReserve, 0, 1_000_000),
    streamStallMs: integerIn("streamStallMs", opts.streamStallMs, DEFAULTS.streamStallMs, 100, 2 ** 31 - 1),
    peerBodyBudgetBytes: integerIn(
      "peerBodyBudgetBytes",
      opts.peerBodyBudgetBytes,
      DEFAULTS.peerBodyBudgetBytes,
      1024,
      2 ** 40,
    ),
  };
}

function resolveBoolean(name: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== "boolean") throw new TypeError(`createServer: ${name} must be a boolean`);
  return value;
}

function resolveAllowedHosts(hosts: unknown): ReadonlySet<string> {
  if (hosts === undefined) return new Set();
  if (!Array.isArray(hosts)) throw new TypeError("createServer: allowedHosts must be an array of host names");
  return new Set(
    hosts.map((h, i) => {
      // Names only: the rule compares the Host header's name, whatever the port.
      if (typeof h !== "string" || !/^[a-z0-9.\-_]+$|^[0-9a-f:.]+$/i.test(h)) {
        throw new TypeError(
          `createServer: allowedHosts[${i}] must be a host name without port or scheme, got ${String(h)}`,
        );
      }
      return h.toLowerCase().replace(/\.$/, "");
    }),
  );
}

function resolveTls(tls: unknown): { key: string | Buffer; cert: string | Buffer } | undefined {
  if (tls === undefined) return undefined;
  const t = tls as { key?: unknown; cert?: unknown } | null;
  const pem = (v: unknown): boolean => (typeof v === "string" && v !== "") || (Buffer.isBuffer(v) && v.length > 0);
  if (t === null || typeof t !== "object" || !pem(t.key) || !pem(t.cert)) {
    throw new TypeError("createServer: tls must be { key, cert } with PEM strings or Buffers");
  }
  return { key: t.key as string | Buffer, cert: t.cert as string | Buffer };
}

function resolveAccessKey(key: unknown): string {
  if (key === undefined) return DEFAULTS.accessKey;
  if (typeof key !== "string" || key.trim() === "" || key.trim() !== key) {
    throw new TypeError("createServer: accessKey must be a non-empty string without surrounding spaces");
  }
  return key;
}

function resolveHotKeysToken(hotKeysToken: unknown, token: unknown): string | undefined {
  const resolved = resolveToken(hotKeysToken, "hotKeysToken");
  if (resolved !== undefined && resolved === token)
    throw new TypeError("createServer: hotKeysToken must differ from token");
  return resolved;
}

function integerIn(name: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  checkInteger(`createServer: ${name}`, value);
  if (value < min || value > max)
    throw new RangeError(`createServer: ${name} must be in [${min}, ${max}], got ${value}`);
  return value;
}

function resolveSampler(sampler: unknown): SamplerPort | null {
  if (sampler === undefined || sampler === null) return null;
  const s = sampler as Partial<SamplerPort>;
  if (typeof s.matrix !== "function" || typeof s.onFlush !== "function") {
    throw new TypeError("createServer: sampler must have matrix() and onFlush() methods");
  }
  return sampler as SamplerPort;
}

function resolveHost(host: unknown): string {
  if (host === undefined) return DEFAULTS.host;
  if (typeof host !== "string" || host.trim() === "")
    throw new TypeError("createServer: host must be a non-empty string");
  return host;
}

function resolveToken(token: unknown, name = "token"): string | undefined {
  if (token === undefined) return undefined;
  // The token travels in an HTTP header: visible ASCII only, no spaces.
  if (typeof token !== "string" || !/^[\x21-\x7e]+$/.test(token)) {
    throw new TypeError(`createServer: ${name} must be a non-empty string of visible ASCII characters without spaces`);
  }
  return token;
}

function resolveNodeName(name: unknown): string | undefined {
  if (name === undefined) return undefined;
  if (typeof name !== "string" || name === "") throw new TypeError("createServer: nodeName must be a non-empty string");
  return name;
}

function resolvePeers(peers: unknown): string[] {
  if (peers === undefined) return [];
  if (!Array.isArray(peers)) throw new TypeError("createServer: peers must be an array of base URLs");
  return peers.map((peer, i) => {
    if (typeof peer !== "string") throw new TypeError(`createServer: peers[${i}] must be a string`);
    let url: URL;
    try {
      url = new URL(peer);
    } catch {
      throw new TypeError(`createServer: peers[${i}] is not a valid URL: ${peer}`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new TypeError(`createServer: peers[${i}] must be an http or https URL: ${peer}`);
    }
    // The string is checked too: URL reads a bare trailing ? or # as an empty search or hash, yet
    // the peer is used as configured, so fan-out would put the ? or # in front of the API path.
    const queryOrFragment = url.search !== "" || url.hash !== "" || /[?#]/.test(peer);
    if (queryOrFragment || url.username !== "" || url.password !== "") {
      throw new TypeError(
        `createServer: peers[${i}] must be a base URL without query, fragment or credentials: ${peer}`,
      );
    }
    // Kept as configured (minus a trailing slash): it is also the peer's node name.
    return peer.replace(/\/+$/, "");
  });
}
