// DNS rebinding (issue 10.9): without a token only loopback names and allowedHosts are served.
import { describe, expect, it } from "vitest";
import { createServer } from "../../src/server/index.js";
import { hostAllowed, hostName } from "../../src/server/host-check.js";
import { FakeSampler, request, startServer } from "./fixtures.js";

const MATRIX = "/admin/api/v1/keyviz/matrix";

describe("Host rule without a token", () => {
  it.each([
    "evil.example",
    "evil.example:80",
    "127.0.0.1.nip.io",
    "localhost.evil.example",
    "10.0.0.1",
    "[fe80::1]:8080",
    "a b",
    "0.0.0.0",
  ])("Host %j → 403 forbidden on API, health and unknown paths; the sampler is never asked", async (host) => {
    const sampler = new FakeSampler();
    const { url } = await startServer({ sampler });
    for (const path of [MATRIX, "/healthz", "/", "/admin/api/v1/keyviz/hotkeys?route_id=1", "/metrics"]) {
      const r = await request(url + path, { headers: { Host: host } });
      expect(r.status, path).toBe(403);
      expect(r.json.error).toBe("forbidden");
      expect(r.headers["cache-control"]).toBe("no-store");
    }
    expect(sampler.matrixCalls).toEqual([]);
  });

  it.each(["127.0.0.1", "127.0.0.1:9", "localhost", "LOCALHOST:8080", "localhost.", "[::1]:8080", "127.3.4.5"])(
    "Host %j is served",
    async (host) => {
      const { url } = await startServer({ sampler: new FakeSampler() });
      expect((await request(url + MATRIX, { headers: { Host: host } })).status).toBe(200);
    },
  );

  it("names listed in allowedHosts are served, whatever the port and case", async () => {
    const { url } = await startServer({ sampler: new FakeSampler(), allowedHosts: ["keyviz.internal"] });
    expect((await request(url + MATRIX, { headers: { Host: "KeyViz.Internal:8080" } })).status).toBe(200);
    expect((await request(url + MATRIX, { headers: { Host: "other.internal" } })).status).toBe(403);
  });

  it("with a token the token is the rule: any Host with the token is served, none without", async () => {
    const { url } = await startServer({ sampler: new FakeSampler(), token: "t0k" });
    expect(
      (await request(url + MATRIX, { headers: { Host: "evil.example", Authorization: "Bearer t0k" } })).status,
    ).toBe(200);
    expect((await request(url + MATRIX, { headers: { Host: "evil.example" } })).status).toBe(401);
  });

  it("rejects malformed allowedHosts", () => {
    expect(() => createServer({ allowedHosts: "x" as never })).toThrow(/allowedHosts must be an array/);
    expect(() => createServer({ allowedHosts: ["http://x"] })).toThrow(/allowedHosts\[0\]/);
    expect(() => createServer({ allowedHosts: ["x:80"] })).toThrow(/allowedHosts\[0\]/);
  });

  it("parses Host header forms", () => {
    expect(hostName("Example.com:80")).toBe("example.com");
    expect(hostName("[::1]:80")).toBe("::1");
    expect(hostName("[::1]")).toBe("::1");
    expect(hostName("[::1]x")).toBeNull();
    expect(hostName("a:b:c")).toBeNull();
    expect(hostName(undefined)).toBeNull();
    expect(hostAllowed(undefined, new Set())).toBe(false);
    expect(hostAllowed("[::ffff:127.0.0.1]:1", new Set())).toBe(true);
    expect(hostAllowed("[::ffff:7f00:1]:1", new Set())).toBe(true); // the same address in hex
  });
});
