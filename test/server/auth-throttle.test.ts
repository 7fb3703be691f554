// Slow-down after repeated failed authentication (issue 10.10).
import { describe, expect, it } from "vitest";
import { AuthThrottle } from "../../src/server/auth-throttle.js";
import { FakeSampler, request, startServer } from "./fixtures.js";

const MATRIX = "/admin/api/v1/keyviz/matrix";
const LOGIN = "/admin/api/v1/auth/login";
const token = "s3cret-token";

function throttle(now: () => number): AuthThrottle {
  return new AuthThrottle({ freeFailures: 3, baseDelayMs: 100, maxDelayMs: 1000, forgetAfterMs: 60_000, maxAddresses: 2, now });
}

describe("AuthThrottle", () => {
  it("free failures, then doubling delays serialised per address, capped", () => {
    let now = 0;
    const t = throttle(() => now);
    for (let i = 0; i < 3; i++) {
      expect(t.admit("a")).toBe(0);
      t.failed("a");
    }
    expect(t.admit("a")).toBe(0); // the 3rd failure is still free
    t.failed("a"); // 4th: delays start
    expect(t.admit("a")).toBe(100);
    expect(t.admit("a")).toBe(200); // a parallel attempt waits behind the first
    t.failed("a");
    t.failed("a");
    now = 10_000;
    expect(t.admit("a")).toBe(400);
    for (let i = 0; i < 10; i++) t.failed("a");
    now = 20_000;
    expect(t.admit("a")).toBe(1000);
    expect(t.admit("b")).toBe(0); // other addresses are not affected
  });

  it("a success clears the address; failures are forgotten after a quiet period", () => {
    let now = 0;
    const t = throttle(() => now);
    for (let i = 0; i < 5; i++) t.failed("a");
    expect(t.admit("a")).toBeGreaterThan(0);
    t.succeeded("a");
    expect(t.admit("a")).toBe(0);
    for (let i = 0; i < 5; i++) t.failed("a");
    now = 60_001;
    expect(t.failures("a")).toBe(0);
    expect(t.admit("a")).toBe(0);
  });

  it("remembers at most maxAddresses, dropping the stalest", () => {
    const t = throttle(() => 0);
    t.failed("a");
    t.failed("b");
    t.failed("a");
    t.failed("c"); // evicts b (a failed more recently)
    expect(t.failures("a")).toBe(2);
    expect(t.failures("b")).toBe(0);
    expect(t.failures("c")).toBe(1);
  });
});

describe("auth slow-down over HTTP", () => {
  it("after 5 wrong tokens the next attempts are delayed; the right token is delayed but accepted", async () => {
    const { url } = await startServer({ sampler: new FakeSampler(), token, authFailureDelayMs: 150 });
    const wrong = { Authorization: "Bearer wrong" };
    for (let i = 0; i < 5; i++) expect((await request(url + MATRIX, { headers: wrong })).status).toBe(401);
    expect((await request(url + MATRIX, { headers: wrong })).status).toBe(401); // 6th failure: no delay yet (5 free)
    let t0 = Date.now();
    const right = await request(url + MATRIX, { headers: { Authorization: `Bearer ${token}` } });
    expect(right.status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    // The success cleared the record: the next attempt is immediate again.
    t0 = Date.now();
    expect((await request(url + MATRIX, { headers: wrong })).status).toBe(401);
    expect(Date.now() - t0).toBeLessThan(140);
  });

  it("requests without credentials never count", async () => {
    const { url } = await startServer({ sampler: new FakeSampler(), token, authFailureDelayMs: 5000 });
    for (let i = 0; i < 20; i++) expect((await request(url + MATRIX)).status).toBe(401);
    const t0 = Date.now();
    expect((await request(url + MATRIX, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(200);
    expect(Date.now() - t0).toBeLessThan(2500);
  });

  it("failed logins count, and a correct login after them is delayed, not refused", async () => {
    const { url } = await startServer({ sampler: new FakeSampler(), token, authFailureDelayMs: 150 });
    const login = (secret: string) =>
      request(url + LOGIN, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ access_key: "keyviz", secret_key: secret }) });
    for (let i = 0; i < 6; i++) expect((await login("guess" + i)).status).toBe(401);
    const t0 = Date.now();
    expect((await login(token)).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
  });
});
