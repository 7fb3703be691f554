// Shared fixtures of the server tests: a fake sampler, server lifecycle, a raw HTTP client and
// an SSE reader. Every server listens on 127.0.0.1.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach } from "vitest";
import { createServer, type KeyvizServer, type ServerOptions } from "../../src/server/index.js";
import { silentLogger } from "../../src/logger.js";
import type { Column, Row } from "../../src/types.js";
import type { Matrix, MatrixQuery } from "../../src/wire/wire.js";
import type { HotKeysResponse } from "../../src/hotkeys/response.js";
import type { HotKeysRequest } from "../../src/server/sampler-port.js";

export class FakeSampler {
  readonly matrixCalls: MatrixQuery[] = [];
  readonly hotKeysCalls: { routeId: number; opts: HotKeysRequest }[] = [];
  readonly listeners = new Set<(c: Column) => void>();
  hotKeysEnabled = false;
  matrixResult: (q: MatrixQuery) => Matrix = (q) => emptyMatrix(q.series);
  hotKeysResult: (routeId: number, opts: HotKeysRequest) => HotKeysResponse | null = () => null;

  matrix(q: MatrixQuery): Matrix {
    this.matrixCalls.push(q);
    return this.matrixResult(q);
  }
  onFlush(listener: (c: Column) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  hotKeys(routeId: number, opts: HotKeysRequest): HotKeysResponse | null {
    this.hotKeysCalls.push({ routeId, opts });
    return this.hotKeysResult(routeId, opts);
  }
  /** Delivers a column to every listener, as the sampler's flush does. */
  flush(column: Column): void {
    for (const l of [...this.listeners]) l(column);
  }
}

export function emptyMatrix(series: Matrix["series"] = "writes"): Matrix {
  return { column_unix_ms: [], rows: [], series, generated_at: "2026-01-01T00:00:00.000Z" };
}

export function row(partial: Partial<Row> & { bucketId: string }): Row {
  return {
    routeId: 1,
    label: "",
    start: null,
    end: null,
    aggregate: false,
    memberRoutes: [1],
    memberRoutesTotal: 1,
    groupId: 0,
    subBucket: 0,
    subBucketCount: 1,
    leaderTerm: 0,
    reads: 0,
    writes: 0,
    readBytes: 0,
    writeBytes: 0,
    ...partial,
  };
}

const running: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

/** Starts a keyviz server on 127.0.0.1 (closed after the test). */
export async function startServer(opts: ServerOptions): Promise<{ server: KeyvizServer; url: string }> {
  const server = createServer({ host: "127.0.0.1", logger: silentLogger, ...opts });
  running.push(server);
  await server.listen();
  return { server, url: server.url };
}

/** Starts a plain node:http server on 127.0.0.1 (closed after the test): a misbehaving peer. */
export async function startRawServer(
  handler: http.RequestListener,
): Promise<{ url: string; requests: http.IncomingMessage[] }> {
  const requests: http.IncomingMessage[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  running.push({
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: any;
}

/** One HTTP exchange with full control over method, headers and body; no redirects, no pooling. */
export function request(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer; chunked?: boolean } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.body !== undefined && !opts.chunked) headers["Content-Length"] = String(Buffer.byteLength(opts.body));
    if (opts.chunked) headers["Transfer-Encoding"] = "chunked";
    const req = http.request(url, { method: opts.method ?? "GET", headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    if (opts.chunked) {
      req.write(opts.body ?? "x");
      req.end();
    } else {
      req.end(opts.body);
    }
  });
}

export interface SseEvent {
  event?: string;
  id?: string;
  data?: string;
  comments: string[];
}

/** A connected SSE client: blocks (frames separated by a blank line) parsed as they arrive. */
export class SseReader {
  readonly blocks: SseEvent[] = [];
  status = 0;
  headers: http.IncomingHttpHeaders = {};
  private buffer = "";
  private waiters: (() => void)[] = [];
  private req!: http.ClientRequest;
  closed = false;

  /** `localAddress`: another loopback source address (127.0.0.x) to look like another client. */
  static open(url: string, headers: Record<string, string> = {}, localAddress?: string): Promise<SseReader> {
    const reader = new SseReader();
    return new Promise((resolve, reject) => {
      reader.req = http.get(url, { headers, agent: false, localAddress }, (res) => {
        reader.status = res.statusCode ?? 0;
        reader.headers = res.headers;
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => reader.push(chunk));
        res.on("close", () => {
          reader.closed = true;
          reader.wake();
        });
        resolve(reader);
      });
      reader.req.on("error", reject);
    });
  }

  private push(chunk: string): void {
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf("\n\n")) >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const ev: SseEvent = { comments: [] };
      for (const line of block.split("\n")) {
        if (line.startsWith(":")) ev.comments.push(line.slice(1).trim());
        else {
          const colon = line.indexOf(":");
          const field = colon < 0 ? line : line.slice(0, colon);
          const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
          if (field === "event" || field === "id") ev[field] = value;
          if (field === "data") ev.data = ev.data === undefined ? value : `${ev.data}\n${value}`;
        }
      }
      this.blocks.push(ev);
    }
    this.wake();
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves with the first block (from the start of the stream) matching `pred`. */
  async waitFor(pred: (e: SseEvent) => boolean, timeoutMs = 5000): Promise<SseEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.blocks.find(pred);
      if (hit !== undefined) return hit;
      if (this.closed) throw new Error("stream closed before the expected event");
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("timed out waiting for an SSE event");
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.req.destroy();
  }
}

/** Polls `cond` until true (or fails after `timeoutMs`). */
export async function eventually(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

export interface RowSpec {
  id: string;
  /** Plain-text key (base64-encoded into the row); null = lowest / unbounded. */
  start: string | null;
  end: string | null;
  values: number[];
  groups?: number[];
  terms?: number[];
}

/** A wire matrix from compact row specs (route rows, one member). */
export function matrixOf(series: Matrix["series"], columns: number[], rows: RowSpec[]): Matrix {
  const b64 = (k: string | null): string | null => (k === null ? null : Buffer.from(k).toString("base64"));
  return {
    column_unix_ms: columns,
    rows: rows.map((r) => ({
      bucket_id: r.id,
      start: b64(r.start),
      end: b64(r.end),
      aggregate: false,
      route_count: 1,
      values: r.values,
      raft_group_ids: r.groups ?? r.values.map(() => 0),
      leader_terms: r.terms ?? r.values.map(() => 0),
    })),
    series,
    generated_at: "2026-01-01T00:00:00.000Z",
  };
}

/** A port that was free a moment ago (bound then released on 127.0.0.1). */
export async function freePort(): Promise<number> {
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
