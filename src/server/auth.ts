// Who a request is, from its credentials: a bearer token (`token`, or the separate
// `hotKeysToken`), or a browser session cookie from the login flow. Secrets are compared as
// fixed-length SHA-256 digests with `timingSafeEqual`, so the time taken depends neither on where
// the strings differ nor on the candidate's length.
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { readCookie, SESSION_COOKIE, type Session, type SessionStore } from "./session.js";

export interface Principal {
  /** For audit lines: how the caller proved itself ("bearer", "hot-keys bearer", "session <access key>", "anonymous"). */
  who: string;
  /** May read hot keys when `hotKeysToken` is set. */
  hotKeys: boolean;
  session?: Session;
}

export interface Identification {
  /** null: no acceptable credential (the caller may still be let in when no token is set). */
  principal: Principal | null;
  /** A bearer credential was presented and matched no configured secret: a failed attempt. */
  wrongSecret: boolean;
  /** A bearer credential was presented at all (such requests pass the auth slow-down). */
  presented: boolean;
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

/** Constant-time equality of `candidate` against a precomputed digest. */
export function secretMatches(candidate: string, expected: Buffer | undefined): boolean {
  const got = digest(candidate);
  return expected !== undefined && timingSafeEqual(got, expected);
}

export class Authenticator {
  private readonly token: Buffer | undefined;
  private readonly hotKeysToken: Buffer | undefined;

  constructor(
    tokens: { token: string | undefined; hotKeysToken: string | undefined },
    private readonly sessions: SessionStore,
  ) {
    this.token = tokens.token === undefined ? undefined : digest(tokens.token);
    this.hotKeysToken = tokens.hotKeysToken === undefined ? undefined : digest(tokens.hotKeysToken);
  }

  /** True when the API needs a credential (a token is set). */
  get closed(): boolean {
    return this.token !== undefined;
  }

  /** Which of the configured secrets `secret` is: the hot-keys one, the API one, or neither. */
  classify(secret: string): "hot-keys" | "api" | null {
    // Both comparisons always run: which one matched must not show in the timing.
    const hot = secretMatches(secret, this.hotKeysToken);
    const api = secretMatches(secret, this.token);
    return hot ? "hot-keys" : api ? "api" : null;
  }

  identify(req: IncomingMessage): Identification {
    const header = req.headers.authorization;
    if (header !== undefined) {
      const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
      const kind = this.classify(match === null ? "" : match[1]!);
      if (kind === "hot-keys")
        return { principal: { who: "hot-keys bearer", hotKeys: true }, wrongSecret: false, presented: true };
      if (kind === "api") return { principal: { who: "bearer", hotKeys: false }, wrongSecret: false, presented: true };
      // With no API token a wrong bearer is harmless noise (the API is open); it fails only
      // where a secret was needed, which `allows` decides.
      return {
        principal: null,
        wrongSecret: this.token !== undefined || this.hotKeysToken !== undefined,
        presented: true,
      };
    }
    const session = this.sessions.get(readCookie(req.headers.cookie, SESSION_COOKIE));
    if (session !== undefined) {
      return {
        principal: { who: `session ${session.accessKey}`, hotKeys: session.hotKeys, session },
        wrongSecret: false,
        presented: false,
      };
    }
    return { principal: null, wrongSecret: false, presented: false };
  }

  /** May this caller use an endpoint (`hotKeys`: the hot-keys endpoint)? */
  allows(principal: Principal | null, hotKeys: boolean): boolean {
    if (hotKeys && this.hotKeysToken !== undefined) return principal?.hotKeys === true;
    // The hot-keys credential is the stronger one: it opens the rest of the API too.
    return this.token === undefined || principal !== null;
  }
}
