// The viewer page, served by createServer at `/` from the built dist/web/ (scripts/build-web.mjs).
// No credentials: the page and its assets are public; the API behind them keeps its auth, and a
// token-protected server makes the page show its sign-in form.
//
// Caching: the page itself is `no-cache` (revalidated with its ETag on every load), so a new
// build shows up at once; index.html names its script and styles with a `?v=<build version>`
// query, and exactly those URLs are cached for a year (the pages themselves never are, whatever
// their query: a link to `/?v=…` must not pin an old page past an upgrade). Files are read once,
// on first use.
import { createHash } from "node:crypto";
import { readFileSync, existsSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { fileURLToPath } from "node:url";
import type { Route } from "./request-pipeline.js";
import { sendError } from "./respond.js";

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
  headers: Record<string, string>;
  /** Named with `?v=<build version>` by the page: cacheable for a year under that URL. */
  versioned: boolean;
}

// Built layout: dist/server/static-handler.js → dist/web/. From source (tests run src/), the
// package's dist/web/. src/web/ holds the sources (no viewer.js), so it is never picked.
const CANDIDATES = ["../web/", "../../dist/web/"].map((p) => fileURLToPath(new URL(p, import.meta.url)));

// The page runs only its own script and the Wasm core, talks only to this origin, and may not
// be framed.
const PAGE_CSP =
  "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; " +
  "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const FILES: Record<string, { file: string; type: string; headers?: Record<string, string>; versioned?: true }> = {
  "/": { file: "index.html", type: "text/html; charset=utf-8", headers: { "Content-Security-Policy": PAGE_CSP } },
  "/index.html": {
    file: "index.html",
    type: "text/html; charset=utf-8",
    headers: { "Content-Security-Policy": PAGE_CSP },
  },
  "/viewer.js": { file: "viewer.js", versioned: true, type: "text/javascript; charset=utf-8" },
  "/viewer.css": { file: "viewer.css", versioned: true, type: "text/css; charset=utf-8" },
  "/favicon.svg": { file: "favicon.svg", versioned: true, type: "image/svg+xml" },
  "/favicon.ico": { file: "favicon.svg", versioned: true, type: "image/svg+xml" },
  // The self-contained page is for opening from disk: offered as a download, never run here
  // (its inline script would need a weaker policy).
  "/viewer.html": {
    file: "viewer.html",
    type: "text/html; charset=utf-8",
    headers: { "Content-Disposition": 'attachment; filename="keyviz-viewer.html"' },
  },
};

export const VIEWER_PATHS: readonly string[] = Object.keys(FILES);

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => void;

/** The viewer's routes for createServer's table; `dir` overrides where the built page is read from. */
export function viewerRoutes(dir?: string): [string, Route][] {
  let cache: Map<string, Asset> | null = null;
  let version = "";
  const load = (): Map<string, Asset> | null => {
    if (cache !== null) return cache;
    const root = dir ?? CANDIDATES.find((d) => existsSync(`${d}viewer.js`));
    if (root === undefined || !existsSync(`${root}/index.html`)) return null;
    cache = new Map();
    for (const [path, spec] of Object.entries(FILES)) {
      const body = readFileSync(`${root}/${spec.file}`);
      const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`;
      cache.set(path, { body, type: spec.type, etag, headers: spec.headers ?? {}, versioned: spec.versioned === true });
    }
    version = /viewer\.js\?v=([0-9a-f]+)/.exec(cache.get("/")!.body.toString("utf8"))?.[1] ?? "";
    return cache;
  };
  const handler: Handler = (req, res, url) => {
    const asset = load()?.get(url.pathname);
    if (asset === undefined)
      return sendError(res, 404, "unknown_endpoint", "the viewer is not built (run npm run build)");
    const immutable = asset.versioned && version !== "" && url.searchParams.get("v") === version;
    const headers: Record<string, string> = {
      "Content-Type": asset.type,
      "Cache-Control": immutable ? "public, max-age=31536000, immutable" : "no-cache",
      ETag: asset.etag,
      "X-Content-Type-Options": "nosniff",
      "Referrer-Policy": "no-referrer",
      "X-Frame-Options": "DENY",
      ...asset.headers,
    };
    if (req.headers["if-none-match"] === asset.etag) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    res.writeHead(200, { ...headers, "Content-Length": String(asset.body.length) });
    res.end(asset.body);
  };
  return VIEWER_PATHS.map((p) => [p, { protected: false, handle: handler }]);
}
