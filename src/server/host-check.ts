// DNS-rebinding guard. A server without a token answers anyone who can reach it, and a web page
// the operator visits can reach 127.0.0.1 through a domain that re-resolves to it — the browser
// then sends that domain as `Host`. So without a token only `Host` values naming a loopback
// address or `localhost` (plus names the embedder lists in `allowedHosts`) are served; everything
// else gets 403 `forbidden`. With a token the token is the guard (a rebinding page has no token
// and, cookies being host-only and SameSite=Strict, no session either).
import { isLoopbackHost } from "./loopback.js";

/** Lower-cased host names from the `allowedHosts` option (no ports). */
export type AllowedHosts = ReadonlySet<string>;

/** The host part of a `Host` header (`name`, `name:port`, `[v6]`, `[v6]:port`), lower-cased; null when malformed. */
export function hostName(header: string | undefined): string | null {
  if (header === undefined) return null;
  const h = header.trim().toLowerCase();
  if (h.startsWith("[")) {
    const close = h.indexOf("]");
    if (close < 0) return null;
    const rest = h.slice(close + 1);
    if (rest !== "" && !/^:\d{1,5}$/.test(rest)) return null;
    return h.slice(1, close);
  }
  const m = /^([^:\s]+)(?::\d{1,5})?$/.exec(h);
  if (m === null) return null;
  // A fully qualified name may end with a dot; `localhost.` is still localhost.
  return m[1]!.endsWith(".") ? m[1]!.slice(0, -1) : m[1]!;
}

/** True when the request's `Host` may be served by a server without a token. */
export function hostAllowed(header: string | undefined, allowed: AllowedHosts): boolean {
  const name = hostName(header);
  if (name === null || name === "") return false;
  return isLoopbackHost(name) || allowed.has(name);
}
