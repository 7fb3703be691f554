// HTTP front: routing, query rules and messages of SPEC §5, auth, listen rules, request limits.
import net, { type AddressInfo } from "node:net";
import { PassThrough } from "node:stream";
import { answerClientError } from "../../src/server/protocol-errors.js";
import { createNodeServer } from "../../src/server/listen.js";
import { describe, expect, it } from "vitest";
import { createServer } from "../../src/server/index.js";
import { isLoopbackHost } from "../../src/server/loopback.js";
import { emptyMatrix, FakeSampler, freePort, request, startServer } from "./fixtures.js";

const MATRIX = "/admin/api/v1/keyviz/matrix";

/** True when a TCP connection to 127.0.0.1:`port` is accepted. */
function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1", () => {
      socket.destroy();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
  });
}

/** Sends `text` on a fresh connection to the server at `url`; resolves with all it got once it closed. */
function rawExchange(url: string, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(new URL(url).port), "127.0.0.1", () => socket.write(text));
    let got = "";
    socket.on("data", (d) => (got += d.toString("latin1")));
    socket.on("close", () => resolve(got));
    socket.on("error", reject);
  });
}

function bodyOf(response: string): string {
  return response.slice(response.indexOf("\r\n\r\n") + 4);
}

function expectNoCors(headers: Record<string, unknown>): void {
  for (const name of Object.keys(headers)) expect(name.startsWith("access-control-")).toBe(false);
}

describe("matrix endpoint: query rules through HTTP", () => {
  it("passes defaults to the sampler and returns its matrix with no-store", async () => {
    const sampler = new FakeSampler();
    const { url } = await startServer({ sampler });
    const r = await request(url + MATRIX);
    expect(r.status).toBe(200);
    expect(r.headers["cache-control"]).toBe("no-store");
    expect(r.headers["content-type"]).toMatch(/^application\/json/);
    expect(r.json).toEqual(emptyMatrix("writes"));
    expect(sampler.matrixCalls).toEqual([{ series: "writes", rows: 1024 }]);
  });

  it.each([
    ["series=reads", { series: "reads", rows: 1024 }],
    ["series=read_bytes", { series: "read_bytes", rows: 1024 }],
    ["series=write_bytes", { series: "write_bytes", rows: 1024 }],
    ["series=", { series: "writes", rows: 1024 }],
    ["rows=10", { series: "writes", rows: 10 }],
    ["rows=0", { series: "writes", rows: 1024 }],
    ["rows=-3", { series: "writes", rows: 1024 }],
    ["rows=1025", { series: "writes", rows: 1024 }],
    ["rows=1024", { series: "writes", rows: 1024 }],
    ["from_unix_ms=0&to_unix_ms=0", { series: "writes", rows: 1024 }],
    ["from_unix_ms=1000&to_unix_ms=2000", { series: "writes", rows: 1024, fromMs: 1000, toMs: 2000 }],
    ["from_unix_ms=5000&to_unix_ms=10", { series: "writes", rows: 1024, fromMs: 5000, toMs: 10 }],
  ])("%s → sampler query %j", async (qs, expected) => {
    const sampler = new FakeSampler();
    const { url } = await startServer({ sampler });
    const r = await request(`${url}${MATRIX}?${qs}`);
    expect(r.status).toBe(200);
    expect(sampler.matrixCalls).toEqual([expected]);
  });

  it.each([
    ["series=bogus", "series must be one of: reads, writes, read_bytes, write_bytes"],
    ["series=WRITES", "series must be one of: reads, writes, read_bytes, write_bytes"],
    ["from_unix_ms=abc", "from_unix_ms must be an integer (unix milliseconds)"],
    ["from_unix_ms=1.5", "from_unix_ms must be an integer (unix milliseconds)"],
    ["to_unix_ms=1e3", "to_unix_ms must be an integer (unix milliseconds)"],
    ["to_unix_ms=%201", "to_unix_ms must be an integer (unix milliseconds)"],
    ["rows=ten", "rows must be an integer"],
    ["rows=1.0", "rows must be an integer"],
  ])("%s → 400 invalid_query %j", async (qs, message) => {
    const sampler = new FakeSampler();
    const { url } = await startServer({ sampler });
    const r = await request(`${url}${MATRIX}?${qs}`);
    expect(r.status).toBe(400);
    expect(r.headers["cache-control"]).toBe("no-store");
    expect(r.json).toEqual({ error: "invalid_query", message });
    expect(sampler.matrixCalls).toEqual([]);
  });

  it("503 keyviz_disabled without a sampler", async () => {
    const { url } = await startServer({ sampler: null });
    const r = await request(url + MATRIX);
    expect(r.status).toBe(503);
    expect(r.json.error).toBe("keyviz_disabled");
    expect(r.headers["cache-control"]).toBe("no-store");
  });

  it("500 internal_error without details when the sampler throws", async () => {
    const sampler = new FakeSampler();
    sampler.matrixResult = () => {
      throw new Error("secret detail");
    };
    const { url } = await startServer({ sampler });
    const r = await request(url + MATRIX);
    expect(r.status).toBe(500);
    expect(r.json).toEqual({ error: "internal_error", message: "internal server error" });
  });

  it("HEAD answers headers only", async () => {
    const { url } = await startServer({ sampler: new FakeSampler() });
    const r = await request(url + MATRIX, { method: "HEAD" });
    expect(r.status).toBe(200);
    expect(r.text).toBe("");
    expect(r.headers["cache-control"]).toBe("no-store");
  });
});

describe("routing and request limits", () => {
  it.each(["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])('%s → 405 method_not_allowed "only GET"', async (method) => {
    const { url } = await startServer({ sampler: new FakeSampler() });
    const r = await request(url + MATRIX, { method });
    expect(r.status).toBe(405);
    expect(r.json).toEqual({ error: "method_not_allowed", message: "only GET" });
    expect(r.headers.allow).toBe("GET, HEAD");
    expect(r.headers["cache-control"]).toBe("no-store");
  });

  it.each([
    "/admin/api/v1/keyviz/nope",
    "/admin/api/v1/keyviz/matrix/",
    "/admin/api/v1/keyviz",
    "/admin/api/",
    "/index.htm",
    "/viewer.js/",
    "//x/healthz",
  ])("%s → 404 unknown_endpoint", async (path) => {
    const { url } = await startServer({ sampler: new FakeSampler() });
    const r = await request(url + path);
    expect(r.status).toBe(404);
    expect(r.json.error).toBe("unknown_endpoint");
    expect(r.headers["cache-control"]).toBe("no-store");
  });

  it("/healthz → 200 {ok:true}, even with a token and no sampler", async () => {
    const { url } = await startServer({ sampler: null, token: "s3cret" });
    const r = await request(url + "/healthz");
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ ok: true });
  });

  it("a request with a body is refused with 413 and the connection closed", async () => {
    const sampler = new FakeSampler();
    const { url } = await startServer({ sampler });
    const withLength = await request(url + MATRIX, { body: "hello" });
    expect(withLength.status).toBe(413);
    expect(withLength.json.error).toBe("body_not_allowed");
    expect(withLength.headers.connection).toBe("close");
    const chunked = await request(url + MATRIX, { chunked: true, body: "hello" });
    expect(chunked.status).toBe(413);
    expect(sampler.matrixCalls).toEqual([]);
    const empty = await request(url + MATRIX, { headers: { "Content-Length": "0" } });
    expect(empty.status).toBe(200);
  });

  it("a request target over the bound → 414", async () => {
    const { url } = await startServer({ sampler: new FakeSampler(), maxUrlBytes: 1024 });
    const ok = await request(`${url}${MATRIX}?pad=${"a".repeat(900)}`);
    expect(ok.status).toBe(200);
    const r = await request(`${url}${MATRIX}?pad=${"a".repeat(1100)}`);
    expect(r.status).toBe(414);
    expect(r.json.error).toBe("uri_too_long");
  });

  it("a target past node:http's own head limit still gets the 414 envelope", async () => {
    const big = await startServer({ sampler: new FakeSampler(), maxUrlBytes: 100_000 });
    expect((await request(`${big.url}${MATRIX}?pad=${"a".repeat(30_000)}`)).status).toBe(200);
    const bigger = await request(`${big.url}${MATRIX}?pad=${"a".repeat(100_100)}`);
    expect([bigger.status, bigger.json.error]).toEqual([414, "uri_too_long"]);
    const dflt = await startServer({ sampler: new FakeSampler() });
    const r = await request(`${dflt.url}${MATRIX}?pad=${"a".repeat(20_000)}`);
    expect([r.status, r.json.error]).toEqual([414, "uri_too_long"]);
  });

  it("header fields past the head limit → 431 with the JSON envelope, and the connection closed", async () => {
    const { url } = await startServer({ sampler: new FakeSampler() });
    const r = await request(url + "/healthz", { headers: { "X-Pad": "a".repeat(8192 + 16 * 1024) } });
    expect(r.status).toBe(431);
    expect(r.json).toEqual({
      error: "headers_too_large",
      message: "request line and header fields exceed 24576 bytes",
    });
    expect(r.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(r.headers["x-content-type-options"]).toBe("nosniff");
    expect(r.headers.connection).toBe("close");
  });

  it("a request node:http cannot parse → 400 with the JSON envelope", async () => {
    const { url } = await startServer({ sampler: new FakeSampler() });
    const { port } = new URL(url);
    const text = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(port), "127.0.0.1", () => socket.write("GARBAGE\r\n\r\n"));
      let got = "";
      socket.on("data", (d) => (got += d.toString("latin1")));
      socket.on("end", () => resolve(got));
      socket.on("error", reject);
    });
    expect(text).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(text.slice(text.indexOf("\r\n\r\n") + 4)).toBe('{"error":"bad_request","message":"malformed HTTP request"}');
  });

  it("a request node:http timed out → 408 with the JSON envelope; a socket that already answered is only closed", async () => {
    // node:http's request timeout is 30 s: the handler is driven directly with what node passes it.
    const socket = Object.assign(new PassThrough(), { bytesWritten: 0 });
    const timeout = Object.assign(new Error("Request timeout"), { code: "ERR_HTTP_REQUEST_TIMEOUT" });
    answerClientError(timeout, socket, 24_576);
    const text = (await socket.toArray()).join("");
    expect(text).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(text).toContain("Connection: close\r\n");
    expect(text.slice(text.indexOf("\r\n\r\n") + 4)).toBe(
      '{"error":"request_timeout","message":"the request did not arrive in time"}',
    );
    const used = Object.assign(new PassThrough(), { bytesWritten: 120 }); // mid keep-alive
    answerClientError(timeout, used, 24_576);
    expect(used.destroyed).toBe(true);
    expect(used.read()).toBeNull();
  });

  it("a request without Host gets keyviz's Host rule and its envelope (node:http's bare 400 before)", async () => {
    const open = await startServer({ sampler: new FakeSampler() });
    const refused = await rawExchange(open.url, "GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n");
    expect(refused).toMatch(/^HTTP\/1\.1 403 Forbidden\r\n/);
    expect(refused).toContain("Cache-Control: no-store\r\n");
    expect(JSON.parse(bodyOf(refused)).error).toBe("forbidden");
    // With a token the token is the guard, whatever the Host.
    const guarded = await startServer({ sampler: new FakeSampler(), token: "t0k" });
    const served = await rawExchange(guarded.url, "GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n");
    expect(served).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
  });

  it("an unsupported Expect → 417 expectation_failed with the envelope", async () => {
    const { url } = await startServer({ sampler: new FakeSampler() });
    const text = await rawExchange(
      url,
      "GET /healthz HTTP/1.1\r\nHost: localhost\r\nExpect: foo\r\nConnection: close\r\n\r\n",
    );
    expect(text).toMatch(/^HTTP\/1\.1 417 Expectation Failed\r\n/);
    expect(text).toContain("Cache-Control: no-store\r\n");
    expect(JSON.parse(bodyOf(text))).toEqual({
      error: "expectation_failed",
      message: "the only expectation supported is 100-continue",
    });
  });

  it("CONNECT → 405 with the envelope, then the connection is closed", async () => {
    const { url } = await startServer({ sampler: new FakeSampler() });
    const text = await rawExchange(url, "CONNECT localhost:80 HTTP/1.1\r\nHost: localhost\r\n\r\n");
    expect(text).toMatch(/^HTTP\/1\.1 405 Method Not Allowed\r\n/);
    expect(text).toContain("Allow: GET, HEAD\r\n");
    expect(text).toContain("Connection: close\r\n");
    expect(text).toContain("Cache-Control: no-store\r\n");
    expect(JSON.parse(bodyOf(text))).toEqual({ error: "method_not_allowed", message: "only GET" });
  });

  it("head and request timeouts are checked every second, so 20 s / 30 s hold within ~1 s", async () => {
    const server = createNodeServer(undefined, () => {}, 8192);
    expect(server.headersTimeout).toBe(20_000);
    expect(server.requestTimeout).toBe(30_000);
    // node only looks for expired heads every connectionsCheckingInterval (30 s by default), so
    // the 20 s bound used to fire at up to 30 s.
    // (a public field of node's Server that @types/node does not declare)
    expect((server as typeof server & { connectionsCheckingInterval: number }).connectionsCheckingInterval).toBe(1000);
    // The same server with a short head timeout: a head that stops arriving is answered in ~1 s.
    server.headersTimeout = 200;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const started = Date.now();
      const text = await rawExchange(`http://127.0.0.1:${port}`, "GET /healthz HTTP/1.1\r\nHost: localhost\r\n");
      expect(text).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
      expect(Date.now() - started).toBeLessThan(2500);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("Content-Length: 00 announces no body", async () => {
    const { url } = await startServer({ sampler: new FakeSampler() });
    const r = await request(url + "/healthz", { headers: { "Content-Length": "00" } });
    expect(r.status).toBe(200); // was 413 body_not_allowed
  });

  it("the default URL bound is 8 KiB", async () => {
    const { url } = await startServer({ sampler: new FakeSampler() });
    expect((await request(`${url}${MATRIX}?pad=${"a".repeat(8000)}`)).status).toBe(200);
    expect((await request(`${url}${MATRIX}?pad=${"a".repeat(8200)}`)).status).toBe(414);
  });

  it("never sends CORS headers, even to a cross-origin request", async () => {
    const { url } = await startServer({ sampler: new FakeSampler() });
    const headers = { Origin: "http://evil.example" };
    expectNoCors((await request(url + MATRIX, { headers })).headers);
    expectNoCors((await request(url + MATRIX, { method: "OPTIONS", headers })).headers);
    expectNoCors((await request(url + "/healthz", { headers })).headers);
  });
});

describe("auth", () => {
  const token = "s3cret-token";
  it.each([
    ["no header", undefined],
    ["wrong token", "Bearer nope"],
    ["token prefix", "Bearer s3cret"],
    ["token plus suffix", "Bearer s3cret-token2"],
    ["basic scheme", "Basic s3cret-token"],
    ["bare token", "s3cret-token"],
    ["empty bearer", "Bearer "],
  ])("%s → 401 unauthenticated on every API path", async (_name, authorization) => {
    const sampler = new FakeSampler();
    const { url } = await startServer({ sampler, token });
    const headers: Record<string, string> = authorization === undefined ? {} : { Authorization: authorization };
    for (const path of [
      MATRIX,
      "/admin/api/v1/keyviz/hotkeys?route_id=1",
      "/admin/api/v1/keyviz/stream",
      "/admin/api/v1/keyviz/nope",
    ]) {
      const r = await request(url + path, { headers });
      expect(r.status).toBe(401);
      expect(r.json.error).toBe("unauthenticated");
      expect(r.headers["www-authenticate"]).toMatch(/^Bearer/);
      expect(r.headers["cache-control"]).toBe("no-store");
    }
    expect(sampler.matrixCalls).toEqual([]);
  });

  it("the right token is accepted (scheme case-insensitive)", async () => {
    const { url } = await startServer({ sampler: new FakeSampler(), token });
    expect((await request(url + MATRIX, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(200);
    expect((await request(url + MATRIX, { headers: { Authorization: `bearer ${token}` } })).status).toBe(200);
  });

  it("without a token every API request is open", async () => {
    const { url } = await startServer({ sampler: new FakeSampler() });
    expect((await request(url + MATRIX, { headers: { Authorization: "Bearer whatever" } })).status).toBe(200);
  });
});

describe("listen rules", () => {
  it("defaults to 127.0.0.1 and a free port", async () => {
    const server = createServer({ sampler: new FakeSampler() });
    try {
      const { host, port } = await server.listen();
      expect(host).toBe("127.0.0.1");
      expect(port).toBeGreaterThan(0);
      expect(server.url).toBe(`http://127.0.0.1:${port}`);
    } finally {
      await server.close();
    }
  });

  it.each(["0.0.0.0", "::", "10.1.2.3", "example.com"])(
    "refuses non-loopback host %s without a token",
    async (host) => {
      const server = createServer({ sampler: new FakeSampler(), host });
      await expect(server.listen()).rejects.toThrow(/refusing to listen on non-loopback host .* without a token/);
      await server.close();
    },
  );

  it("rejects a port in use with a clear error", async () => {
    const { server: first } = await startServer({ sampler: new FakeSampler() });
    const port = Number(new URL(first.url).port);
    const second = createServer({ sampler: new FakeSampler(), port });
    await expect(second.listen()).rejects.toThrow(`port ${port} on 127.0.0.1 is already in use`);
    await second.close();
  });

  it("url throws before listen", () => {
    expect(() => createServer({}).url).toThrow(/after listen/);
  });

  it("close() can be called twice and frees the port", async () => {
    const server = createServer({ sampler: new FakeSampler() });
    const { port } = await server.listen();
    await server.close();
    await server.close();
    const again = createServer({ sampler: new FakeSampler(), port });
    await again.listen();
    await again.close();
  });

  it("close() while listen() is pending: listen() rejects and nothing listens once close() resolved", async () => {
    const port = await freePort();
    const server = createServer({ sampler: new FakeSampler(), port });
    const pending = server.listen();
    await server.close();
    await expect(pending).rejects.toThrow("keyviz server: close() was called before listen() completed");
    expect(await connects(port)).toBe(false);
    expect(() => server.url).toThrow(/after listen/);
  });

  it("a second listen() while the first is pending is refused", async () => {
    const server = createServer({ sampler: new FakeSampler() });
    const first = server.listen();
    await expect(server.listen()).rejects.toThrow("keyviz server: listen() is already in progress");
    await first;
    await expect(server.listen()).rejects.toThrow("keyviz server: already listening");
    await server.close();
  });

  it("loopback classification", () => {
    for (const h of [
      "127.0.0.1",
      "127.8.9.10",
      "localhost",
      "LOCALHOST",
      "::1",
      "[::1]",
      "::ffff:127.0.0.1",
      "0:0:0:0:0:0:0:1",
      // IPv4-mapped loopback spelt in hex, as a Host header may carry it
      "[::ffff:7f00:1]",
      "0:0:0:0:0:ffff:7f00:1",
    ]) {
      expect(isLoopbackHost(h), h).toBe(true);
    }
    for (const h of [
      "0.0.0.0",
      "::",
      "10.0.0.1",
      "128.0.0.1",
      "::ffff:10.0.0.1",
      "::ffff:a00:1",
      "::7f00:1", // IPv4-compatible, not mapped: not loopback
      "localhost.example.com",
      "example.com",
      "1.127.0.0",
    ]) {
      expect(isLoopbackHost(h), h).toBe(false);
    }
  });

  it.each(["http://127.0.0.1:1/?", "http://127.0.0.1:1/#", "http://127.0.0.1:1/x/?", "http://127.0.0.1:1?#"])(
    "a peer ending in a bare ? or # is refused like any query or fragment: %s",
    (peer) => {
      // URL reads an empty query or fragment as "", so only the string shows it; fan-out would
      // have asked `<peer>/admin/…` with the ? or # inside the path.
      expect(() => createServer({ peers: ["http://127.0.0.1:2", peer] })).toThrow(
        `createServer: peers[1] must be a base URL without query, fragment or credentials: ${peer}`,
      );
    },
  );

  it("validates options, naming the bad one", () => {
    expect(() => createServer({ port: 70000 })).toThrow(RangeError);
    expect(() => createServer({ port: 1.5 })).toThrow(/port must be an integer/);
    expect(() => createServer({ token: "" })).toThrow(/token/);
    expect(() => createServer({ token: "has space" })).toThrow(/token/);
    expect(() => createServer({ peers: ["ftp://x"] })).toThrow(/peers\[0\]/);
    expect(() => createServer({ peers: ["not a url"] })).toThrow(/peers\[0\]/);
    expect(() => createServer({ peers: ["http://x/?a=1"] })).toThrow(/peers\[0\]/);
    expect(() => createServer({ fanoutTimeoutMs: 0 })).toThrow(/fanoutTimeoutMs/);
    expect(() => createServer({ sampler: {} as never })).toThrow(/sampler/);
  });
});
