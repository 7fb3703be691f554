// Slow-down after repeated failed authentication (issue 10.10).
//
// The HTTP tests do not time anything: the server's `pause` is replaced by one the test holds and
// releases, so they assert how long the server asked to wait and that no answer (not even the
// right one) comes before the wait is over. The delays themselves are AuthThrottle's (clock
// injected) and `pause` is a plain timer (its own test, a lower bound only).
import http from "node:http";
import { describe, expect, it, vi } from "vitest";
import { AuthThrottle, pause } from "../../src/server/auth-throttle.js";
import { FakeSampler, request, SseReader, startServer } from "./fixtures.js";

const held = vi.hoisted(() => ({ asked: [] as number[], waiting: [] as (() => void)[] }));
vi.mock("../../src/server/auth-throttle.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../src/server/auth-throttle.js")>();
  return {
    ...real,
    realPause: real.pause,
    pause: (ms: number) => {
      held.asked.push(ms);
      return ms <= 0 ? Promise.resolve() : new Promise<void>((resolve) => held.waiting.push(resolve));
    },
  };
});

/** Sends a request and reports whether it was answered yet, while its pause is held. */
async function heldRequest(send: () => Promise<{ status: number }>): Promise<{ status: number }> {
  const before = held.waiting.length;
  let answered = false;
  const reply = send().then((r) => ((answered = true), r));
  await vi.waitFor(() => expect(held.waiting.length).toBe(before + 1), { timeout: 10_000 });
  await new Promise((r) => setImmediate(r));
  expect(answered).toBe(false); // held: not even the right secret is answered before the wait ends
  held.waiting.pop()!();
  return reply;
}

const MATRIX = "/admin/api/v1/keyviz/matrix";
const LOGIN = "/admin/api/v1/auth/login";
const STREAM = "/admin/api/v1/keyviz/stream";
const token = "s3cret-token";

function throttle(now: () => number): AuthThrottle {
  return new AuthThrottle({
    freeFailures: 3,
    baseDelayMs: 100,
    maxDelayMs: 1000,
    forgetAfterMs: 60_000,
    maxAddresses: 2,
    now,
  });
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

describe("pause", () => {
  it("waits at least the time asked (resolves at once for 0)", async () => {
    const { realPause } = (await import("../../src/server/auth-throttle.js")) as unknown as { realPause: typeof pause };
    const t0 = performance.now();
    await realPause(0);
    await realPause(30);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(29); // timers never fire early; no upper bound
  });
});

describe("auth slow-down over HTTP", () => {
  it("after 5 wrong tokens the next attempts are delayed; the right token is delayed but accepted", async () => {
    const { url } = await startServer({ sampler: new FakeSampler(), token, authFailureDelayMs: 150 });
    const wrong = { Authorization: "Bearer wrong" };
    held.asked.length = 0;
    for (let i = 0; i < 5; i++) expect((await request(url + MATRIX, { headers: wrong })).status).toBe(401);
    expect((await request(url + MATRIX, { headers: wrong })).status).toBe(401); // 6th failure: no delay yet (5 free)
    expect(held.asked).toEqual([0, 0, 0, 0, 0, 0]);
    const right = await heldRequest(() => request(url + MATRIX, { headers: { Authorization: `Bearer ${token}` } }));
    expect(right.status).toBe(200);
    expect(held.asked.at(-1)).toBe(150);
    // The success cleared the record: the next attempt is immediate again.
    expect((await request(url + MATRIX, { headers: wrong })).status).toBe(401);
    expect(held.asked.at(-1)).toBe(0);
  });

  it("requests without credentials never count", async () => {
    const { url } = await startServer({ sampler: new FakeSampler(), token, authFailureDelayMs: 5000 });
    held.asked.length = 0;
    for (let i = 0; i < 20; i++) expect((await request(url + MATRIX)).status).toBe(401);
    expect(held.asked).toEqual([]); // no credential: not even admitted through the throttle
    expect((await request(url + MATRIX, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(200);
    expect(held.asked).toEqual([0]);
  });

  it("failed logins count, and a correct login after them is delayed, not refused", async () => {
    const { url } = await startServer({ sampler: new FakeSampler(), token, authFailureDelayMs: 150 });
    const login = (secret: string) =>
      request(url + LOGIN, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ access_key: "keyviz", secret_key: secret }),
      });
    held.asked.length = 0;
    for (let i = 0; i < 6; i++) expect((await login("guess" + i)).status).toBe(401);
    expect(held.asked).toEqual([0, 0, 0, 0, 0, 0]);
    expect((await heldRequest(() => login(token))).status).toBe(200);
    expect(held.asked.at(-1)).toBe(150);
  });

  it("a stream client that leaves while held is not subscribed once its wait ends", async () => {
    const sampler = new FakeSampler();
    const { url } = await startServer({ sampler, token, authFailureDelayMs: 150 });
    for (let i = 0; i < 6; i++) await request(url + MATRIX, { headers: { Authorization: "Bearer wrong" } });
    const waiting = held.waiting.length;
    const gone = http.get(url + STREAM, { agent: false, headers: { Authorization: `Bearer ${token}` } });
    gone.on("error", () => {});
    await vi.waitFor(() => expect(held.waiting.length).toBe(waiting + 1), { timeout: 10_000 });
    gone.destroy();
    await new Promise((r) => setTimeout(r, 50)); // the server sees the close before the wait ends
    held.waiting.pop()!();
    // The right token cleared the address, so this one is not held; it runs after the first.
    const stays = await SseReader.open(url + STREAM, { Authorization: `Bearer ${token}` });
    expect(stays.status).toBe(200);
    await vi.waitFor(() => expect(sampler.listeners.size).toBeGreaterThan(0));
    expect(sampler.listeners.size).toBe(1); // was 2: the departed client held a slot and a listener
    stays.close();
  });

  it("parallel wrong guesses from one address wait one after another (doubling)", async () => {
    const { url } = await startServer({ sampler: new FakeSampler(), token, authFailureDelayMs: 150 });
    const wrong = { Authorization: "Bearer wrong" };
    for (let i = 0; i < 6; i++) await request(url + MATRIX, { headers: wrong });
    held.asked.length = 0;
    const replies = [request(url + MATRIX, { headers: wrong }), request(url + MATRIX, { headers: wrong })];
    await vi.waitFor(() => expect(held.waiting.length).toBe(2), { timeout: 10_000 });
    // Both reserved their slots before either was checked: the second waits behind the first
    // (150 + its own 150, less the milliseconds of wall clock between the two admissions, which
    // the server's throttle reads from Date.now: 299 under load, not always 300).
    expect(held.asked[0]).toBe(150);
    expect(held.asked[1]).toBeGreaterThan(150);
    expect(held.asked[1]).toBeLessThanOrEqual(300);
    for (const release of held.waiting.splice(0)) release();
    expect((await Promise.all(replies)).map((r) => r.status)).toEqual([401, 401]);
  });
});
