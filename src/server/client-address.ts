// Who is asking, and over what: the client address used by per-address limits (auth slow-down,
// streams per address) and whether the request reached us over TLS (for `Secure` cookies).
//
// Behind a TLS-terminating proxy (`trustProxy: true`) the socket peer is the proxy, so the
// client is the LAST `X-Forwarded-For` entry (the one our proxy appended; earlier entries are
// whatever the client claimed) and the scheme is the proxy's `X-Forwarded-Proto`. Without
// `trustProxy` those headers are ignored: any client could send them.
import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";
import { canonicalAddress } from "./loopback.js";
import type { TLSSocket } from "node:tls";

export interface ProxyTrust {
  trustProxy: boolean;
}

/** The client's IP address (IPv4-mapped IPv6 folded to IPv4), or "unknown" for a closed socket. */
export function clientAddress(req: IncomingMessage, opts: ProxyTrust): string {
  if (opts.trustProxy) {
    const forwarded = lastListItem(req.headers["x-forwarded-for"]);
    if (forwarded !== undefined && isIP(forwarded) !== 0) return canonicalAddress(forwarded);
  }
  const remote = req.socket.remoteAddress;
  return remote === undefined ? "unknown" : canonicalAddress(remote);
}

/** True when the client's connection is encrypted: our own TLS, or a trusted proxy saying https. */
export function isSecureRequest(req: IncomingMessage, opts: ProxyTrust): boolean {
  if ((req.socket as Partial<TLSSocket>).encrypted === true) return true;
  if (!opts.trustProxy) return false;
  // A chain of proxies appends; the first value is what the client used to reach the first proxy.
  const proto = firstListItem(req.headers["x-forwarded-proto"]);
  return proto !== undefined && proto.toLowerCase() === "https";
}

function items(header: string | string[] | undefined): string[] {
  if (header === undefined) return [];
  const joined = Array.isArray(header) ? header.join(",") : header;
  return joined
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

function lastListItem(header: string | string[] | undefined): string | undefined {
  const list = items(header);
  return list[list.length - 1];
}

function firstListItem(header: string | string[] | undefined): string | undefined {
  return items(header)[0];
}
