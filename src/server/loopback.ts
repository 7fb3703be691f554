// Which hosts are reachable only from this machine (anything else needs a token), and the one
// spelling of an address that per-address limits and that test both go by.
import { isIP } from "node:net";

/**
 * One spelling per address: IPv6 in the URL parser's canonical form (`0:0::1` → `::1`),
 * IPv4-mapped IPv6 in any spelling (`::ffff:127.0.0.1`, `::ffff:7f00:1`, zeros written out) as
 * its IPv4, anything else lower-cased as given.
 */
export function canonicalAddress(address: string): string {
  const lower = address.toLowerCase();
  if (isIP(lower) !== 6) return lower;
  let canonical: string;
  try {
    canonical = new URL(`http://[${lower}]/`).hostname.slice(1, -1);
  } catch {
    return lower; // a zone id (fe80::1%eth0): URLs have none
  }
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical);
  if (mapped === null) return canonical;
  const [hi, lo] = [parseInt(mapped[1]!, 16), parseInt(mapped[2]!, 16)];
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** True for `localhost`, any 127.0.0.0/8 address, `::1` and IPv4-mapped loopback (`::ffff:127.x`). */
export function isLoopbackHost(host: string): boolean {
  const h = canonicalAddress(host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host);
  return h === "localhost" || h === "::1" || (isIP(h) === 4 && h.startsWith("127."));
}
