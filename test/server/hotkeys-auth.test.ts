// Hot-key bytes behind a stronger door (issue 10.11): the optional hotKeysToken, and one audit
// line per hot-keys request.
import { describe, expect, it } from "vitest";
import type { Logger } from "../../src/logger.js";
import type { HotKeysResponse } from "../../src/hotkeys/response.js";
import { createServer } from "../../src/server/index.js";
import { FakeSampler, request, startServer } from "./fixtures.js";

const HOTKEYS = "/admin/api/v1/keyviz/hotkeys?route_id=7&label=sql";
const MATRIX = "/admin/api/v1/keyviz/matrix";
const LOGIN = "/admin/api/v1/auth/login";

function hotSampler(): FakeSampler {
  const s = new FakeSampler();
  s.hotKeysEnabled = true;
  s.hotKeysResult = (routeId, opts): HotKeysResponse => ({
    route_id: routeId,
    ...(opts.label ? { label: opts.label } : {}), // echoed, as a sampler does
    series: "writes",
    keys: [
      { key_b64: "YQ==", count: 3 },
      { key_b64: "Yg==", count: 1 },
    ],
    approximate: true,
    sample_rate: 1,
    sampled_n: 4,
    dropped_samples: 0,
    skipped_long_keys: 0,
    degraded: false,
    error_bound: 0,
    snapshot_at: "2026-01-01T00:00:00.000Z",
  });
  return s;
}

class SpyLogger implements Logger {
  readonly lines: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  info(message: string, fields?: Record<string, unknown>): void {
    this.lines.push({ level: "info", message, fields });
  }
  warn(message: string, fields?: Record<string, unknown>): void {
    this.lines.push({ level: "warn", message, fields });
  }
  error(message: string, fields?: Record<string, unknown>): void {
    this.lines.push({ level: "error", message, fields });
  }
  audits(): Record<string, unknown>[] {
    return this.lines.filter((l) => l.message === "keyviz audit: hot keys").map((l) => l.fields!);
  }
}

describe("hotKeysToken", () => {
  it("the API token no longer opens hot keys; the hot-keys token does (and the rest of the API)", async () => {
    const sampler = hotSampler();
    const { url } = await startServer({ sampler, token: "api-t", hotKeysToken: "hot-t" });
    const api = { Authorization: "Bearer api-t" };
    const hot = { Authorization: "Bearer hot-t" };
    const refused = await request(url + HOTKEYS, { headers: api });
    expect(refused.status).toBe(401);
    expect(refused.json.message).toMatch(/hot-keys token/);
    expect(sampler.hotKeysCalls).toEqual([]);
    expect((await request(url + HOTKEYS)).status).toBe(401);
    expect((await request(url + HOTKEYS, { headers: hot })).status).toBe(200);
    expect((await request(url + MATRIX, { headers: api })).status).toBe(200);
    expect((await request(url + MATRIX, { headers: hot })).status).toBe(200);
  });

  it("a session from logging in with the hot-keys secret opens hot keys; one from the token does not", async () => {
    const { url } = await startServer({ sampler: hotSampler(), token: "api-t", hotKeysToken: "hot-t" });
    const login = async (secret: string): Promise<string> => {
      const r = await request(url + LOGIN, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ access_key: "keyviz", secret_key: secret }),
      });
      expect(r.status).toBe(200);
      return r.headers["set-cookie"]!.map((c) => c.split(";")[0]).join("; ");
    };
    const apiCookie = await login("api-t");
    const hotCookie = await login("hot-t");
    expect((await request(url + HOTKEYS, { headers: { Cookie: apiCookie } })).status).toBe(401);
    expect((await request(url + MATRIX, { headers: { Cookie: apiCookie } })).status).toBe(200);
    expect((await request(url + HOTKEYS, { headers: { Cookie: hotCookie } })).status).toBe(200);
  });

  it("without an API token only hot keys are closed", async () => {
    const { url } = await startServer({ sampler: hotSampler(), hotKeysToken: "hot-t" });
    expect((await request(url + MATRIX)).status).toBe(200);
    expect((await request(url + HOTKEYS)).status).toBe(401);
    expect((await request(url + HOTKEYS, { headers: { Authorization: "Bearer hot-t" } })).status).toBe(200);
  });

  it("peers are asked with the hot-keys token", async () => {
    const peer = await startServer({ sampler: hotSampler(), token: "api-t", hotKeysToken: "hot-t" });
    const { url } = await startServer({
      sampler: hotSampler(),
      token: "api-t",
      hotKeysToken: "hot-t",
      peers: [peer.url],
    });
    const r = await request(url + HOTKEYS, { headers: { Authorization: "Bearer hot-t" } });
    expect(r.status).toBe(200);
    expect(r.json.fanout.responded).toBe(2);
    expect(r.json.keys).toEqual([
      { key_b64: "YQ==", count: 6 },
      { key_b64: "Yg==", count: 2 },
    ]);
  });

  it("validates the option", () => {
    expect(() => createServer({ hotKeysToken: "has space" })).toThrow(/hotKeysToken/);
    expect(() => createServer({ token: "same", hotKeysToken: "same" })).toThrow(/hotKeysToken must differ/);
  });
});

describe("hot-keys audit line", () => {
  it("one line per request: who, remote, route, status, keys returned", async () => {
    const logger = new SpyLogger();
    const { url } = await startServer({ sampler: hotSampler(), token: "api-t", hotKeysToken: "hot-t", logger });
    await request(url + HOTKEYS, { headers: { Authorization: "Bearer hot-t" } });
    await request(url + "/admin/api/v1/keyviz/hotkeys?route_id=abc", { headers: { Authorization: "Bearer hot-t" } });
    await request(url + MATRIX, { headers: { Authorization: "Bearer hot-t" } });
    expect(logger.audits()).toEqual([
      { who: "hot-keys bearer", remote: "127.0.0.1", route_id: "7", label: "sql", status: 200, keys_returned: 2 },
      { who: "hot-keys bearer", remote: "127.0.0.1", route_id: "abc", status: 400, keys_returned: 0 },
    ]);
    // No key bytes in the audit line.
    expect(JSON.stringify(logger.lines)).not.toContain("YQ==");
  });

  it("audits refused requests too: who presented which credential, status 401", async () => {
    const logger = new SpyLogger();
    const { url } = await startServer({ sampler: hotSampler(), token: "api-t", hotKeysToken: "hot-t", logger });
    expect((await request(url + HOTKEYS, { headers: { Authorization: "Bearer api-t" } })).status).toBe(401);
    expect((await request(url + HOTKEYS)).status).toBe(401);
    expect((await request(url + MATRIX)).status).toBe(401); // not hot keys: not audited
    expect(logger.audits()).toEqual([
      { who: "bearer", remote: "127.0.0.1", route_id: "7", label: "sql", status: 401, keys_returned: 0 },
      { who: "anonymous", remote: "127.0.0.1", route_id: "7", label: "sql", status: 401, keys_returned: 0 },
    ]);
  });

  it("audits the row named by bucket_id, and an aggregate one as given", async () => {
    const logger = new SpyLogger();
    const { url } = await startServer({ sampler: hotSampler(), logger });
    const base = "/admin/api/v1/keyviz/hotkeys";
    expect((await request(`${url}${base}?bucket_id=route:7:sql%232`)).status).toBe(200);
    expect((await request(`${url}${base}?bucket_id=merged:1-2`)).status).toBe(404);
    expect(logger.audits()).toEqual([
      {
        who: "anonymous",
        remote: "127.0.0.1",
        bucket_id: "route:7:sql#2",
        route_id: "7",
        label: "sql",
        sub_bucket: "2",
        status: 200,
        keys_returned: 2,
      },
      { who: "anonymous", remote: "127.0.0.1", bucket_id: "merged:1-2", route_id: null, status: 404, keys_returned: 0 },
    ]);
  });

  it("audits a request the sampler fails on, with its 500", async () => {
    const logger = new SpyLogger();
    const sampler = hotSampler();
    sampler.hotKeysResult = () => {
      throw new Error("sketch exploded");
    };
    const { url } = await startServer({ sampler, logger });
    const r = await request(url + HOTKEYS);
    expect(r.status).toBe(500);
    expect(r.json.error).toBe("internal_error");
    expect(logger.audits()).toEqual([
      { who: "anonymous", remote: "127.0.0.1", route_id: "7", label: "sql", status: 500, keys_returned: 0 },
    ]);
  });

  it("audits anonymous access on an open server too", async () => {
    const logger = new SpyLogger();
    const { url } = await startServer({ sampler: hotSampler(), logger });
    await request(url + HOTKEYS);
    expect(logger.audits()).toEqual([
      { who: "anonymous", remote: "127.0.0.1", route_id: "7", label: "sql", status: 200, keys_returned: 2 },
    ]);
  });

  it("a logger that throws does not break the request", async () => {
    const logger: Logger = {
      info() {
        throw new Error("x");
      },
      warn() {},
      error() {},
    };
    const { url } = await startServer({ sampler: hotSampler(), logger });
    expect((await request(url + HOTKEYS)).status).toBe(200);
  });
});
