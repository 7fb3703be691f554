// POST /admin/api/v1/auth/login and /auth/logout: the session flow of the reference's admin page
// (issue 9.3). Status codes, error codes and messages follow the reference so its page shows the
// same errors; see docs/http-api.md.
import type { IncomingMessage, ServerResponse } from "node:http";
import { logSafely, type Logger } from "../logger.js";
import type { Authenticator } from "./auth.js";
import { pause, type AuthThrottle } from "./auth-throttle.js";
import { clientAddress, isSecureRequest } from "./client-address.js";
import { readBody } from "./request-body.js";
import { hasBody } from "./request-guard.js";
import { sendError, sendJson } from "./respond.js";
import {
  clearedCookies,
  CSRF_HEADER,
  readCookie,
  SESSION_COOKIE,
  sessionCookies,
  type SessionStore,
} from "./session.js";
import { secretMatches } from "./auth.js";
import { createHash } from "node:crypto";

export const LOGIN_PATH = "/admin/api/v1/auth/login";
export const LOGOUT_PATH = "/admin/api/v1/auth/logout";
/** Login bodies are two short strings; the reference caps admin bodies at 64 KiB too. */
export const LOGIN_BODY_LIMIT = 64 * 1024;

export interface LoginContext {
  accessKey: string;
  sessionTtlMs: number;
  trustProxy: boolean;
  auth: Authenticator;
  sessions: SessionStore;
  throttle: AuthThrottle;
  logger: Logger;
}

export async function handleLogin(ctx: LoginContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  // Only a JSON POST has its body read; a refusal leaves an announced body unread, so the
  // connection cannot carry another request (the pipeline's rule for every other path).
  const bodyUnread = (): void => void (hasBody(req) && res.setHeader("Connection", "close"));
  if (req.method !== "POST") {
    bodyUnread();
    return sendError(res, 405, "method_not_allowed", "login requires POST", { Allow: "POST" });
  }
  const type = (req.headers["content-type"] ?? "").trim().toLowerCase();
  if (!type.startsWith("application/json")) {
    bodyUnread();
    return sendError(res, 415, "unsupported_media_type", "login requires Content-Type: application/json");
  }
  const body = await readBody(req, LOGIN_BODY_LIMIT);
  if (body === "too_large") {
    res.setHeader("Connection", "close");
    return sendError(res, 413, "payload_too_large", `request body exceeds ${LOGIN_BODY_LIMIT} bytes`);
  }
  if (body === "aborted") return; // the client went away mid-body; nobody to answer
  const creds = parseCredentials(body);
  if (creds === "invalid") return sendError(res, 400, "invalid_body", "body is not valid JSON");
  if (creds === "missing") return sendError(res, 400, "missing_fields", "access_key and secret_key are required");

  const address = clientAddress(req, ctx);
  await pause(ctx.throttle.admit(address));
  const granted = checkCredentials(ctx, creds.accessKey, creds.secretKey);
  logSafely(ctx.logger, "info", "keyviz audit: login", {
    remote: address,
    access_key: creds.accessKey,
    ok: granted !== null,
  });
  if (granted === null) {
    ctx.throttle.failed(address);
    return sendError(res, 401, "invalid_credentials", "access_key or secret_key is invalid");
  }
  ctx.throttle.succeeded(address);
  const { id, session } = ctx.sessions.create(creds.accessKey, granted === "hot-keys");
  sendJson(
    res,
    200,
    { role: "full", expires_at: new Date(session.expiresAtMs).toISOString() },
    { "Set-Cookie": sessionCookies(id, session, ctx.sessionTtlMs, isSecureRequest(req, ctx)) as unknown as string },
  );
}

/**
 * Ends the caller's session. Like the reference, logout needs the session and the double-submit
 * CSRF header (the value of the `admin_csrf` cookie), so a cross-site page cannot log a user out.
 */
export function handleLogout(ctx: LoginContext, req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== "POST")
    return sendError(res, 405, "method_not_allowed", "logout requires POST", { Allow: "POST" });
  const id = readCookie(req.headers.cookie, SESSION_COOKIE);
  const session = ctx.sessions.get(id);
  if (id === undefined || session === undefined)
    return sendError(res, 401, "unauthenticated", "missing or expired session");
  const header = req.headers[CSRF_HEADER];
  if (typeof header !== "string" || header.trim() === "") {
    return sendError(res, 403, "csrf_missing", "X-Admin-CSRF header is required for write operations");
  }
  if (!secretMatches(header.trim(), createHash("sha256").update(session.csrf, "utf8").digest())) {
    return sendError(res, 403, "csrf_mismatch", "CSRF token mismatch");
  }
  ctx.sessions.delete(id);
  logSafely(ctx.logger, "info", "keyviz audit: logout", {
    remote: clientAddress(req, ctx),
    access_key: session.accessKey,
  });
  res.writeHead(204, { "Cache-Control": "no-store", "Set-Cookie": clearedCookies(isSecureRequest(req, ctx)) });
  res.end();
}

function parseCredentials(body: Buffer): { accessKey: string; secretKey: string } | "invalid" | "missing" {
  let value: unknown;
  try {
    value = JSON.parse(body.toString("utf8"));
  } catch {
    return "invalid";
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "missing";
  const { access_key: accessKey, secret_key: secretKey } = value as { access_key?: unknown; secret_key?: unknown };
  // Access keys are names people paste with stray spaces; secrets are opaque and kept exactly.
  if (typeof accessKey !== "string" || typeof secretKey !== "string" || accessKey.trim() === "" || secretKey === "")
    return "missing";
  return { accessKey: accessKey.trim(), secretKey };
}

/**
 * Which session the credentials earn: "hot-keys" (the hot-keys secret), "api" (the token), or
 * null. Without a token the API is open, so any secret earns an API session (the page still
 * needs one to start); the hot-keys secret still has to be the right one.
 */
function checkCredentials(ctx: LoginContext, accessKey: string, secret: string): "hot-keys" | "api" | null {
  const keyOk = secretMatches(accessKey, createHash("sha256").update(ctx.accessKey, "utf8").digest());
  const kind = ctx.auth.classify(secret);
  if (!ctx.auth.closed) return kind === "hot-keys" ? "hot-keys" : "api";
  return keyOk ? kind : null;
}
