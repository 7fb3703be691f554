// The order every request goes through (first failing step answers):
//   414 uri_too_long       request target longer than maxUrlBytes
//   400 bad_request        target not in origin-form (/path?query)
//   403 forbidden          no token set and `Host` names neither loopback nor an allowed host
//   /healthz               200 {"ok":true}, no credentials needed (GET/HEAD only)
//   /admin/api/v1/auth/*   login / logout (their own rules: POST, JSON body, CSRF)
//   401 unauthenticated    /admin/api/… or /metrics without an accepted credential (bearer token
//                          or session cookie; the hot-keys endpoint may need its own token).
//                          Requests presenting a bearer token pass the per-address slow-down first.
//   404 unknown_endpoint   any other path, API or not
//   405 method_not_allowed methods other than GET/HEAD
//   413 body_not_allowed   the request announces a body
// A request that announces a body is always answered with `Connection: close` (except login,
// whose body is read): the body is never read, so the connection cannot be reused.
import type { IncomingMessage, ServerResponse } from "node:http";
import { logSafely } from "../logger.js";
import { parseRouteBucketId } from "../wire/bucket-id.js";
import type { Authenticator, Principal } from "./auth.js";
import { pause, type AuthThrottle } from "./auth-throttle.js";
import { clientAddress } from "./client-address.js";
import { hostAllowed } from "./host-check.js";
import { handleLogin, handleLogout, LOGIN_PATH, LOGOUT_PATH, type LoginContext } from "./login-handler.js";
import type { ResolvedOptions } from "./options.js";
import { hasBody, requestUrl } from "./request-guard.js";
import { sendError, sendJson } from "./respond.js";

export const API_PREFIX = "/admin/api/";
export const HEALTH_PATH = "/healthz";

/** `principal`: who the pipeline let in (null: open access, or a path that needs no credential). */
export type Handler = (req: IncomingMessage, res: ServerResponse, url: URL, principal?: Principal | null) => unknown;

export interface Route {
  handle: Handler;
  /** Needs the API credential (all API paths and /metrics). */
  protected: boolean;
  /** The hot-keys endpoint: may need `hotKeysToken`, and every request is audited. */
  hotKeys?: boolean;
}

export interface PipelineDeps {
  options: ResolvedOptions;
  auth: Authenticator;
  throttle: AuthThrottle;
  login: LoginContext;
  routes: ReadonlyMap<string, Route>;
  onAuthFailure(): void;
}

export function createPipeline(deps: PipelineDeps): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const { options: opts, auth } = deps;
  return async (req, res) => {
    const url = requestUrl(req);
    if (hasBody(req) && url?.pathname !== LOGIN_PATH) res.setHeader("Connection", "close");
    if (Buffer.byteLength(req.url ?? "") > opts.maxUrlBytes) {
      return sendError(res, 414, "uri_too_long", `request target exceeds ${opts.maxUrlBytes} bytes`);
    }
    if (url === null) return sendError(res, 400, "bad_request", "request target must be an absolute path");
    if (!auth.closed && !hostAllowed(req.headers.host, opts.allowedHosts)) {
      return sendError(
        res,
        403,
        "forbidden",
        "Host header not allowed: a server without a token only answers loopback names and allowedHosts",
      );
    }
    if (url.pathname === HEALTH_PATH) return void (await routeTo(req, res, url, { handle: health, protected: false }));
    if (url.pathname === LOGIN_PATH) return handleLogin(deps.login, req, res);
    if (url.pathname === LOGOUT_PATH) return handleLogout(deps.login, req, res);

    const route = deps.routes.get(url.pathname);
    const guarded = route?.protected ?? url.pathname.startsWith(API_PREFIX);
    const principal = guarded ? await authenticate(deps, req, res, url, route?.hotKeys === true) : null;
    if (principal === undefined) return; // answered 401
    if (route === undefined) return sendError(res, 404, "unknown_endpoint", `no endpoint at ${url.pathname}`);
    if (route.hotKeys !== true) return void (await routeTo(req, res, url, route, principal));
    // Audited whatever happens: a handler that throws is answered 500 by the caller, after this.
    let keys: unknown = 0;
    let threw = true;
    try {
      keys = await routeTo(req, res, url, route, principal);
      threw = false;
    } finally {
      audit(deps, req, url, principal, keys, threw && !res.headersSent ? 500 : res.statusCode);
    }
  };
}

async function routeTo(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  route: Route,
  principal: Principal | null = null,
): Promise<unknown> {
  if (req.method !== "GET" && req.method !== "HEAD") {
    return sendError(res, 405, "method_not_allowed", "only GET", { Allow: "GET, HEAD" });
  }
  if (hasBody(req)) return sendError(res, 413, "body_not_allowed", "requests must not have a body");
  return route.handle(req, res, url, principal);
}

/** The caller's principal (null: open access), or undefined after answering 401. */
async function authenticate(
  deps: PipelineDeps,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  hotKeys: boolean,
): Promise<Principal | null | undefined> {
  const { auth, throttle } = deps;
  const id = auth.identify(req);
  const address = clientAddress(req, deps.options);
  if (id.presented) await pause(throttle.admit(address));
  if (auth.allows(id.principal, hotKeys)) {
    if (id.presented && id.principal !== null) throttle.succeeded(address);
    return id.principal;
  }
  if (id.wrongSecret) {
    throttle.failed(address);
    deps.onAuthFailure();
  }
  const message =
    hotKeys && deps.options.hotKeysToken !== undefined
      ? "hot keys need the hot-keys token (Authorization: Bearer <hotKeysToken>) or a login with it"
      : "missing or invalid bearer token or session";
  sendError(res, 401, "unauthenticated", message, { "WWW-Authenticate": 'Bearer realm="keyviz"' });
  // A refused try at hot keys is audited too: who presented what (e.g. the API token), from where.
  if (hotKeys) audit(deps, req, url, id.principal, 0, res.statusCode);
  return undefined;
}

/** One line per hot-keys request: who asked, for which row, the status, how many keys left the process. */
function audit(
  deps: PipelineDeps,
  req: IncomingMessage,
  url: URL,
  principal: Principal | null,
  keys: unknown,
  status: number,
): void {
  logSafely(deps.options.logger, "info", "keyviz audit: hot keys", {
    who: principal?.who ?? "anonymous",
    remote: clientAddress(req, deps.options),
    ...auditedRow(url.searchParams),
    status,
    keys_returned: typeof keys === "number" ? keys : 0,
  });
}

/**
 * The row as asked: `route_id`, `label`, `sub_bucket`, or those read from `bucket_id` (which is
 * also logged as given, so an aggregate or malformed one is on record too).
 */
function auditedRow(q: URLSearchParams): Record<string, string | null> {
  const bucketId = q.get("bucket_id");
  if (bucketId === null || bucketId === "" || q.get("route_id")) {
    return {
      route_id: q.get("route_id"),
      ...(q.get("label") ? { label: q.get("label") } : {}),
      ...(q.get("sub_bucket") ? { sub_bucket: q.get("sub_bucket") } : {}),
    };
  }
  const parts = parseRouteBucketId(bucketId);
  return {
    bucket_id: bucketId,
    route_id: parts?.routeId ?? null,
    ...(parts?.label !== undefined ? { label: parts.label } : {}),
    ...(parts?.sub !== undefined ? { sub_bucket: parts.sub } : {}),
  };
}

function health(_req: IncomingMessage, res: ServerResponse): void {
  sendJson(res, 200, { ok: true });
}
