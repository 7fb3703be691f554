// Login flow of the reference's admin page (issue 9.3): JSON login, cookie jar, then the matrix
// with the cookie only; logout with the double-submit CSRF header.
import { describe, expect, it } from "vitest";
import { SessionStore, readCookie } from "../../src/server/session.js";
import { emptyMatrix, FakeSampler, request, startServer, type Reply } from "./fixtures.js";

const LOGIN = "/admin/api/v1/auth/login";
const LOGOUT = "/admin/api/v1/auth/logout";
const MATRIX = "/admin/api/v1/keyviz/matrix";
const token = "s3cret-token";

interface Cookie {
  value: string;
  attrs: Map<string, string>;
}

/** A minimal browser cookie jar: stores Set-Cookie, sends back the live ones whose Path prefixes the request path. */
class CookieJar {
  readonly cookies = new Map<string, Cookie>();
  take(reply: Reply): void {
    const set = reply.headers["set-cookie"] ?? [];
    for (const line of set) {
      const [pair, ...attrs] = line.split(";").map((s) => s.trim());
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq);
      const map = new Map(
        attrs.map((a) => {
          const i = a.indexOf("=");
          return i < 0 ? [a.toLowerCase(), ""] : [a.slice(0, i).toLowerCase(), a.slice(i + 1)];
        }),
      );
      if (map.get("max-age") === "0") this.cookies.delete(name);
      else this.cookies.set(name, { value: pair!.slice(eq + 1), attrs: map });
    }
  }
  header(path: string): string {
    return [...this.cookies]
      .filter(([, c]) => path.startsWith(c.attrs.get("path") ?? "/"))
      .map(([n, c]) => `${n}=${c.value}`)
      .join("; ");
  }
}

/** The page's apiFetch: Accept JSON, JSON body with Content-Type, CSRF header on writes, cookies attached. */
async function pageFetch(
  url: string,
  path: string,
  jar: CookieJar,
  opts: { method?: string; body?: unknown } = {},
): Promise<Reply> {
  const method = opts.method ?? "GET";
  const headers: Record<string, string> = { Accept: "application/json" };
  if (opts.body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && method !== "HEAD") {
    const csrf = jar.cookies.get("admin_csrf");
    if (csrf) headers["X-Admin-CSRF"] = decodeURIComponent(csrf.value);
  }
  const cookie = jar.header(path);
  if (cookie !== "") headers.Cookie = cookie;
  const reply = await request(url + path, {
    method,
    headers,
    ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
  });
  jar.take(reply);
  return reply;
}

describe("session login (reference admin page)", () => {
  it("login → matrix with the cookie only → logout → 401", async () => {
    const sampler = new FakeSampler();
    const { url } = await startServer({ sampler, token });
    const jar = new CookieJar();
    expect((await pageFetch(url, MATRIX, jar)).status).toBe(401);

    const before = Date.now();
    const login = await pageFetch(url, LOGIN, jar, {
      method: "POST",
      body: { access_key: "keyviz", secret_key: token },
    });
    expect(login.status).toBe(200);
    expect(login.headers["cache-control"]).toBe("no-store");
    expect(login.json.role).toBe("full");
    expect(login.json.expires_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    const expires = Date.parse(login.json.expires_at);
    expect(expires).toBeGreaterThanOrEqual(before + 3600_000 - 1000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 3600_000 + 1000);

    const session = jar.cookies.get("admin_session")!;
    const csrf = jar.cookies.get("admin_csrf")!;
    expect(session.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(session.attrs.has("httponly")).toBe(true);
    expect(session.attrs.get("samesite")).toBe("Strict");
    expect(session.attrs.get("path")).toBe("/admin");
    expect(session.attrs.get("max-age")).toBe("3600");
    expect(session.attrs.has("secure")).toBe(false); // plain http on loopback
    expect(csrf.attrs.has("httponly")).toBe(false); // the page reads it
    expect(csrf.attrs.get("samesite")).toBe("Strict");
    expect(csrf.value).not.toBe(session.value);

    const m = await pageFetch(url, MATRIX, jar);
    expect(m.status).toBe(200);
    expect(m.json).toEqual(emptyMatrix("writes"));

    const out = await pageFetch(url, LOGOUT, jar, { method: "POST" });
    expect(out.status).toBe(204);
    expect(jar.cookies.size).toBe(0);
    // The old cookie value no longer works even if a client kept it.
    const stale = await request(url + MATRIX, { headers: { Cookie: `admin_session=${session.value}` } });
    expect(stale.status).toBe(401);
  });

  it("bearer tokens keep working next to sessions", async () => {
    const { url } = await startServer({ sampler: new FakeSampler(), token });
    expect((await request(url + MATRIX, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(200);
  });

  it.each([
    ["wrong secret", { access_key: "keyviz", secret_key: "nope" }],
    ["wrong access key", { access_key: "admin", secret_key: token }],
  ])("%s → 401 invalid_credentials, no cookie", async (_n, body) => {
    const { url } = await startServer({ sampler: new FakeSampler(), token });
    const jar = new CookieJar();
    const r = await pageFetch(url, LOGIN, jar, { method: "POST", body });
    expect(r.status).toBe(401);
    expect(r.json).toEqual({ error: "invalid_credentials", message: "access_key or secret_key is invalid" });
    expect(r.headers["set-cookie"]).toBeUndefined();
  });

  it("the access key is configurable and trimmed; the secret is exact", async () => {
    const { url } = await startServer({ sampler: new FakeSampler(), token, accessKey: "ops" });
    const jar = new CookieJar();
    expect(
      (await pageFetch(url, LOGIN, jar, { method: "POST", body: { access_key: " ops ", secret_key: token } })).status,
    ).toBe(200);
    expect(
      (
        await pageFetch(url, LOGIN, new CookieJar(), {
          method: "POST",
          body: { access_key: "ops", secret_key: ` ${token}` },
        })
      ).status,
    ).toBe(401);
  });

  it("request rules of the reference: method, content type, body", async () => {
    const { url } = await startServer({ sampler: new FakeSampler(), token });
    const get = await request(url + LOGIN);
    expect(get.status).toBe(405);
    expect(get.json).toEqual({ error: "method_not_allowed", message: "login requires POST" });
    expect(get.headers.allow).toBe("POST");
    const form = await request(url + LOGIN, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "a=b",
    });
    expect(form.status).toBe(415);
    expect(form.json.error).toBe("unsupported_media_type");
    // A body never read leaves its connection unable to carry another request: closed.
    const keepAlive = { Connection: "keep-alive" };
    const getWithBody = await request(url + LOGIN, { headers: keepAlive, body: "hello" });
    expect([getWithBody.status, getWithBody.headers.connection]).toEqual([405, "close"]);
    const formKept = await request(url + LOGIN, {
      method: "POST",
      headers: { ...keepAlive, "Content-Type": "text/plain" },
      body: "a=b",
    });
    expect([formKept.status, formKept.headers.connection]).toEqual([415, "close"]);
    const getKept = await request(url + LOGIN, { headers: keepAlive }); // no body: nothing to close for
    expect([getKept.status, getKept.headers.connection]).toEqual([405, "keep-alive"]);
    const json = { "Content-Type": "application/json" };
    const bad = await request(url + LOGIN, { method: "POST", headers: json, body: "{not json" });
    expect(bad.json).toEqual({ error: "invalid_body", message: "body is not valid JSON" });
    const missing = await request(url + LOGIN, {
      method: "POST",
      headers: json,
      body: JSON.stringify({ access_key: "keyviz" }),
    });
    expect(missing.status).toBe(400);
    expect(missing.json.error).toBe("missing_fields");
    const huge = await request(url + LOGIN, { method: "POST", headers: json, body: "x".repeat(70_000) });
    expect(huge.status).toBe(413);
    expect(huge.json.error).toBe("payload_too_large");
    const chunkedHuge = await request(url + LOGIN, {
      method: "POST",
      headers: json,
      chunked: true,
      body: "x".repeat(70_000),
    });
    expect(chunkedHuge.status).toBe(413);
  });

  it("logout needs the session and the matching CSRF header", async () => {
    const { url } = await startServer({ sampler: new FakeSampler(), token });
    const jar = new CookieJar();
    await pageFetch(url, LOGIN, jar, { method: "POST", body: { access_key: "keyviz", secret_key: token } });
    const cookie = jar.header(LOGOUT);
    expect((await request(url + LOGOUT, { method: "POST" })).status).toBe(401);
    const noCsrf = await request(url + LOGOUT, { method: "POST", headers: { Cookie: cookie } });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.json.error).toBe("csrf_missing");
    const wrong = await request(url + LOGOUT, {
      method: "POST",
      headers: { Cookie: cookie, "X-Admin-CSRF": "forged" },
    });
    expect(wrong.status).toBe(403);
    expect(wrong.json.error).toBe("csrf_mismatch");
    expect((await pageFetch(url, MATRIX, jar)).status).toBe(200); // still logged in
  });

  it("Secure cookies behind a trusted TLS proxy, not from an untrusted header", async () => {
    const body = JSON.stringify({ access_key: "keyviz", secret_key: token });
    const headers = { "Content-Type": "application/json", "X-Forwarded-Proto": "https" };
    const proxied = await startServer({ sampler: new FakeSampler(), token, trustProxy: true });
    const r1 = await request(proxied.url + LOGIN, { method: "POST", headers, body });
    expect(r1.headers["set-cookie"]!.every((c) => /; Secure(;|$)/.test(c))).toBe(true);
    const direct = await startServer({ sampler: new FakeSampler(), token });
    const r2 = await request(direct.url + LOGIN, { method: "POST", headers, body });
    expect(r2.headers["set-cookie"]!.some((c) => /Secure/.test(c))).toBe(false);
  });

  it("without a token the page can still log in (the API is open anyway)", async () => {
    const { url } = await startServer({ sampler: new FakeSampler() });
    const jar = new CookieJar();
    const r = await pageFetch(url, LOGIN, jar, {
      method: "POST",
      body: { access_key: "anyone", secret_key: "anything" },
    });
    expect(r.status).toBe(200);
    expect((await pageFetch(url, MATRIX, jar)).status).toBe(200);
  });
});

describe("SessionStore", () => {
  it("expires sessions on the server clock and bounds their number", () => {
    let now = 1000;
    const store = new SessionStore({ ttlMs: 500, maxSessions: 2, now: () => now });
    const a = store.create("k", false);
    expect(store.get(a.id)).toBe(a.session);
    now = 1499;
    expect(store.get(a.id)).toBeDefined();
    now = 1500;
    expect(store.get(a.id)).toBeUndefined();
    const b = store.create("k", false);
    const c = store.create("k", false);
    const d = store.create("k", false); // ends b, the oldest
    expect(store.get(b.id)).toBeUndefined();
    expect(store.get(c.id)).toBeDefined();
    expect(store.get(d.id)).toBeDefined();
    expect(store.get(undefined)).toBeUndefined();
    expect(store.get("")).toBeUndefined();
  });

  it("tells onEnd of every session that ends: logout, expiry, eviction, clear", () => {
    let now = 1000;
    const ended: string[] = [];
    const store = new SessionStore({
      ttlMs: 500,
      maxSessions: 2,
      now: () => now,
      onEnd: (s) => ended.push(s.accessKey),
    });
    const out = store.create("logout", false);
    store.delete(out.id);
    store.delete(out.id); // already gone: not told twice
    const old = store.create("expired", false);
    now = 1500;
    store.get(old.id);
    store.create("evicted", false);
    store.create("kept", false);
    store.create("new", false);
    store.clear();
    expect(ended).toEqual(["logout", "expired", "evicted", "kept", "new"]);
  });

  it("reads one cookie out of a header", () => {
    expect(readCookie("a=1; admin_session=xyz; b=2", "admin_session")).toBe("xyz");
    expect(readCookie("admin_sessionx=1", "admin_session")).toBeUndefined();
    expect(readCookie(undefined, "a")).toBeUndefined();
  });
});
