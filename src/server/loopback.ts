// Which listen hosts are reachable only from this machine. Anything else needs a token.
import { BlockList, isIP } from "node:net";

// Node's BlockList matches IPv4-mapped IPv6 addresses in any spelling (`::ffff:127.0.0.1`,
// `::ffff:7f00:1`, zeros written out) against the IPv4 rule, which a pattern never covered.
const loopback = new BlockList();
loopback.addSubnet("127.0.0.0", 8, "ipv4");
loopback.addAddress("::1", "ipv6");

/** True for `localhost`, any 127.0.0.0/8 address, `::1` and IPv4-mapped loopback (`::ffff:127.x`). */
export function isLoopbackHost(host: string): boolean {
  const h = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  if (h.toLowerCase() === "localhost") return true;
  const family = isIP(h);
  return family !== 0 && loopback.check(h, family === 4 ? "ipv4" : "ipv6");
}
