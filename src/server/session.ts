// Browser sessions for the login flow of the reference's admin page (issue 9.3): the page posts
// the credentials once, then relies on an HttpOnly session cookie and never sends a bearer token.
//
// Sessions are server-side: the cookie carries only a random 256-bit id, the store keeps its
// expiry, so logout and restarts really end a session (a signed token could not be revoked).
// Cookie names, path and the double-submit CSRF cookie follow the reference (`admin_session`,
// `admin_csrf`, header `X-Admin-CSRF`, `Path=/admin`, `SameSite=Strict`), so its page works as is.
import { createHash, randomBytes } from "node:crypto";

export const SESSION_COOKIE = "admin_session";
export const CSRF_COOKIE = "admin_csrf";
export const CSRF_HEADER = "x-admin-csrf";
const COOKIE_PATH = "/admin";

export interface Session {
  readonly accessKey: string;
  readonly csrf: string;
  readonly expiresAtMs: number;
  /** Logged in with the hot-keys credential (see `hotKeysToken`). */
  readonly hotKeys: boolean;
}

export interface SessionStoreOptions {
  ttlMs: number;
  /** Live sessions kept at most; the oldest is ended first when a login would exceed it. */
  maxSessions: number;
  now?: () => number;
  /** Told of every session that ends (logout, expiry, eviction, clear), so what it opened can end too. */
  onEnd?: (session: Session) => void;
}

export class SessionStore {
  // Keyed by a digest of the id so lookups never compare secret ids character by character.
  private readonly sessions = new Map<string, Session>();
  private readonly now: () => number;

  constructor(private readonly opts: SessionStoreOptions) {
    this.now = opts.now ?? Date.now;
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Starts a session; returns its secret id (for the cookie) and the session. */
  create(accessKey: string, hotKeys: boolean): { id: string; session: Session } {
    this.sweep();
    while (this.sessions.size >= this.opts.maxSessions) this.end(this.sessions.keys().next().value!);
    const id = randomBytes(32).toString("base64url");
    const session: Session = {
      accessKey,
      hotKeys,
      csrf: randomBytes(32).toString("base64url"),
      expiresAtMs: this.now() + this.opts.ttlMs,
    };
    this.sessions.set(digest(id), session);
    return { id, session };
  }

  /** The live session for a cookie value; expired sessions are forgotten on sight. */
  get(id: string | undefined): Session | undefined {
    if (id === undefined || id === "") return undefined;
    const key = digest(id);
    const session = this.sessions.get(key);
    if (session === undefined) return undefined;
    if (session.expiresAtMs <= this.now()) {
      this.end(key);
      return undefined;
    }
    return session;
  }

  delete(id: string): void {
    this.end(digest(id));
  }

  clear(): void {
    for (const key of [...this.sessions.keys()]) this.end(key);
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, s] of this.sessions) if (s.expiresAtMs <= now) this.end(key);
  }

  private end(key: string): void {
    const session = this.sessions.get(key);
    if (session === undefined) return;
    this.sessions.delete(key);
    this.opts.onEnd?.(session);
  }
}

function digest(id: string): string {
  return createHash("sha256").update(id, "utf8").digest("base64");
}

/** The value of cookie `name` in a `Cookie` header, or undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** `Set-Cookie` values starting a session: the HttpOnly session id and the script-readable CSRF token. */
export function sessionCookies(id: string, session: Session, ttlMs: number, secure: boolean): string[] {
  const maxAge = Math.max(1, Math.floor(ttlMs / 1000));
  return [
    cookie(SESSION_COOKIE, id, `Max-Age=${maxAge}`, true, secure),
    cookie(CSRF_COOKIE, session.csrf, `Max-Age=${maxAge}`, false, secure),
  ];
}

/** `Set-Cookie` values that make the browser drop both cookies. */
export function clearedCookies(secure: boolean): string[] {
  const gone = "Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT";
  return [cookie(SESSION_COOKIE, "", gone, true, secure), cookie(CSRF_COOKIE, "", gone, false, secure)];
}

function cookie(name: string, value: string, lifetime: string, httpOnly: boolean, secure: boolean): string {
  return [
    `${name}=${value}`,
    `Path=${COOKIE_PATH}`,
    lifetime,
    ...(httpOnly ? ["HttpOnly"] : []),
    ...(secure ? ["Secure"] : []),
    "SameSite=Strict",
  ].join("; ");
}
