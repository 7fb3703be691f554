// The viewer page served by createServer: content types, caching, security headers, no
// credentials for the page while the API keeps its token, and the built file set.
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { viewerRoutes } from "../../src/server/static-handler.js";
import { FakeSampler, request, startServer } from "./fixtures.js";

describe("viewer static files", () => {
  it("serves the page at / with its policy, revalidated on every load", async () => {
    const { url } = await startServer({ sampler: new FakeSampler() });
    for (const path of ["/", "/index.html"]) {
      const r = await request(url + path);
      expect(r.status).toBe(200);
      expect(r.headers["content-type"]).toBe("text/html; charset=utf-8");
      expect(r.headers["cache-control"]).toBe("no-cache");
      expect(r.headers["content-security-policy"]).toContain("script-src 'self' 'wasm-unsafe-eval'");
      expect(r.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
      expect(r.headers["x-content-type-options"]).toBe("nosniff");
      expect(r.headers["x-frame-options"]).toBe("DENY");
      expect(r.headers.etag).toMatch(/^"[\w-]{22}"$/);
      expect(r.text).toMatch(/<script src="viewer\.js\?v=[0-9a-f]{12}" defer><\/script>/);
      expect(r.text).not.toMatch(/<script>/); // no inline script: the policy forbids it
    }
  });

  it("caches the versioned assets for good, anything else only with revalidation", async () => {
    const { url } = await startServer({ sampler: new FakeSampler() });
    const page = await request(url + "/");
    const version = /viewer\.js\?v=([0-9a-f]+)/.exec(page.text)![1]!;
    const js = await request(`${url}/viewer.js?v=${version}`);
    expect(js.status).toBe(200);
    expect(js.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(js.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect((await request(`${url}/viewer.js?v=000000000000`)).headers["cache-control"]).toBe("no-cache");
    // The pages are never cached for good, whatever their query: a `/?v=…` link must not pin an
    // old page (and its policy) past an upgrade.
    for (const pagePath of ["/", "/index.html", "/viewer.html"]) {
      const r = await request(`${url}${pagePath}?v=${version}`);
      expect(r.status).toBe(200);
      expect(r.headers["cache-control"]).toBe("no-cache");
    }
    const css = await request(`${url}/viewer.css?v=${version}`);
    expect(css.headers["content-type"]).toBe("text/css; charset=utf-8");
    expect(css.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    for (const icon of ["/favicon.svg", "/favicon.ico"]) {
      const r = await request(url + icon);
      expect(r.status).toBe(200);
      expect(r.headers["content-type"]).toBe("image/svg+xml");
      expect(r.text).toMatch(/^<svg /);
    }
  });

  it("answers 304 to a matching If-None-Match, and HEAD with headers only", async () => {
    const { url } = await startServer({ sampler: new FakeSampler() });
    const first = await request(url + "/");
    const again = await request(url + "/", { headers: { "If-None-Match": first.headers.etag! } });
    expect(again.status).toBe(304);
    expect(again.text).toBe("");
    const head = await request(url + "/", { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers["content-length"]).toBe(String(Buffer.byteLength(first.text)));
    expect(head.text).toBe("");
  });

  it("needs no credentials on a token-protected server, while the API still does", async () => {
    const { url } = await startServer({ sampler: new FakeSampler(), token: "s3cret" });
    expect((await request(url + "/")).status).toBe(200);
    expect((await request(url + "/viewer.js")).status).toBe(200);
    expect((await request(url + "/admin/api/v1/keyviz/matrix")).status).toBe(401);
  });

  it("offers the self-contained page as a download, with the Wasm core and a data slot inlined", async () => {
    const { url } = await startServer({ sampler: null });
    const r = await request(url + "/viewer.html");
    expect(r.status).toBe(200);
    expect(r.headers["content-disposition"]).toBe('attachment; filename="keyviz-viewer.html"');
    expect(r.text).toContain('<script id="keyviz-data" type="application/octet-stream"></script>');
    expect(r.text).not.toMatch(/src="viewer\.js/);
    expect(r.text).toMatch(/wasmBase64|AGFzbQ/); // the Wasm core travels inside the script
  });

  it("keeps the rest of the pipeline: other methods 405, unknown files 404", async () => {
    const { url } = await startServer({ sampler: new FakeSampler() });
    expect((await request(url + "/", { method: "POST" })).status).toBe(405);
    for (const path of ["/viewer.js/", "/index.htm", "/dist/web/viewer.js", "/../package.json"]) {
      const r = await request(url + path);
      expect(r.status).toBe(404);
      expect(r.json.error).toBe("unknown_endpoint");
    }
  });

  it("answers 404 with a hint when the viewer is not built", () => {
    const routes = new Map(viewerRoutes(join(tmpdir(), "keyviz-no-viewer-here")));
    let status = 0;
    let body = "";
    const res = { writeHead: (s: number) => (status = s), end: (b: string) => (body = b) };
    void routes.get("/")!.handle({ headers: {} } as never, res as never, new URL("http://x/"));
    expect(status).toBe(404);
    expect(JSON.parse(body)).toEqual({
      error: "unknown_endpoint",
      message: "the viewer is not built (run npm run build)",
    });
  });
});
