// createServer options: validation and defaults. Bad arguments throw TypeError/RangeError naming
// the option, at construction time, so a misconfigured server never starts.
import type { SamplerPort } from "./sampler-port.js";

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
    fanoutBodyLimitBytes: integerIn("fanoutBodyLimitBytes", opts.fanoutBodyLimitBytes, DEFAULTS.fanoutBodyLimitBytes, 1, 2 ** 32),
    nodeName: resolveNodeName(opts.nodeName),
    streamHeartbeatMs: integerIn("streamHeartbeatMs", opts.streamHeartbeatMs, DEFAULTS.streamHeartbeatMs, 1, 2 ** 31 - 1),
    streamMaxBufferedBytes: integerIn("streamMaxBufferedBytes", opts.streamMaxBufferedBytes, DEFAULTS.streamMaxBufferedBytes, 1, 2 ** 32),
    maxStreamClients: integerIn("maxStreamClients", opts.maxStreamClients, DEFAULTS.maxStreamClients, 0, 1_000_000),
    maxUrlBytes: integerIn("maxUrlBytes", opts.maxUrlBytes, DEFAULTS.maxUrlBytes, 64, 1024 * 1024),
  };
}

function integerIn(name: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new TypeError(`createServer: ${name} must be an integer, got ${String(value)}`);
  }
  if (value < min || value > max) throw new RangeError(`createServer: ${name} must be in [${min}, ${max}], got ${value}`);
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
  if (typeof host !== "string" || host.trim() === "") throw new TypeError("createServer: host must be a non-empty string");
  return host;
}

function resolveToken(token: unknown): string | undefined {
  if (token === undefined) return undefined;
  // The token travels in an HTTP header: visible ASCII only, no spaces.
  if (typeof token !== "string" || !/^[\x21-\x7e]+$/.test(token)) {
    throw new TypeError("createServer: token must be a non-empty string of visible ASCII characters without spaces");
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
    if (url.search !== "" || url.hash !== "" || url.username !== "" || url.password !== "") {
      throw new TypeError(`createServer: peers[${i}] must be a base URL without query, fragment or credentials: ${peer}`);
    }
    // Kept as configured (minus a trailing slash): it is also the peer's node name.
    return peer.replace(/\/+$/, "");
  });
}
