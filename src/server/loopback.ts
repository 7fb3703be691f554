// Which listen hosts are reachable only from this machine. Anything else needs a token.
import { isIP } from "node:net";

/** True for `localhost`, any 127.0.0.0/8 address, `::1` and IPv4-mapped loopback (`::ffff:127.x`). */
export function isLoopbackHost(host: string): boolean {
  const h = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  if (h.toLowerCase() === "localhost") return true;
  const family = isIP(h);
  if (family === 4) return h.startsWith("127.");
  if (family === 6) {
    const lower = h.toLowerCase();
    if (lower === "::1" || lower === "0:0:0:0:0:0:0:1") return true;
    const mapped = /^(?:0{0,4}:){0,5}:?ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
    return mapped !== null && mapped[1]!.startsWith("127.");
  }
  return false;
}
