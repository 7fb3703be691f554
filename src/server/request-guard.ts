// Checks every request passes before routing: bounded request target, no body.
import type { IncomingMessage } from "node:http";

/** True when the request announces a body: Content-Length > 0 or any Transfer-Encoding. */
export function hasBody(req: IncomingMessage): boolean {
  if (req.headers["transfer-encoding"] !== undefined) return true;
  const length = req.headers["content-length"];
  // By value: "00" is a zero length too (node:http has already refused a malformed one).
  return length !== undefined && Number(length) !== 0;
}

/** Parses the request target; `null` unless it is origin-form (`/path?query`). */
export function requestUrl(req: IncomingMessage): URL | null {
  const target = req.url ?? "";
  if (!target.startsWith("/")) return null;
  try {
    // A fixed base keeps `//host/x` a path instead of a host.
    return new URL(`http://keyviz.invalid${target}`);
  } catch {
    return null;
  }
}
