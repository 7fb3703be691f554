// TLS (issue 10.12): `tls: { key, cert }` serves HTTPS; session cookies are then Secure.
import { readFileSync } from "node:fs";
import https from "node:https";
import { describe, expect, it } from "vitest";
import { createServer } from "../../src/server/index.js";
import { FakeSampler, startServer } from "./fixtures.js";

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), "utf8");
const tls = { key: fixture("tls-test-key.pem"), cert: fixture("tls-test-cert.pem") };

function httpsRequest(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }>(
    (resolve, reject) => {
      const req = https.request(
        url,
        { method: opts.method ?? "GET", headers: opts.headers, ca: tls.cert, agent: false },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString() }),
          );
        },
      );
      req.on("error", reject);
      req.end(opts.body);
    },
  );
}

describe("TLS", () => {
  it("serves the API over https, verified against the certificate", async () => {
    const { url } = await startServer({ sampler: new FakeSampler(), token: "t", tls });
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const r = await httpsRequest(url + "/admin/api/v1/keyviz/matrix", { headers: { Authorization: "Bearer t" } });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text).series).toBe("writes");
  });

  it("login over TLS sets Secure cookies", async () => {
    const { url } = await startServer({ sampler: new FakeSampler(), token: "t", tls });
    const r = await httpsRequest(url + "/admin/api/v1/auth/login", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ access_key: "keyviz", secret_key: "t" }),
    });
    expect(r.status).toBe(200);
    const cookies = r.headers["set-cookie"] as string[];
    expect(cookies).toHaveLength(2);
    for (const c of cookies) expect(c).toMatch(/; Secure; SameSite=Strict$/);
  });

  it("plain http to the TLS port fails (no silent downgrade)", async () => {
    const { url } = await startServer({ sampler: new FakeSampler(), tls });
    const plain = url.replace("https:", "http:") + "/healthz";
    await expect(fetch(plain)).rejects.toThrow();
  });

  it("rejects unusable key material at construction", () => {
    expect(() => createServer({ tls: { key: "", cert: tls.cert } })).toThrow(/tls must be/);
    expect(() => createServer({ tls: { key: "not pem", cert: "not pem" } })).toThrow(
      /tls key\/cert could not be loaded/,
    );
  });
});
