// What a request handler needs from the server that owns it.
import type { IncomingMessage } from "node:http";
import type { FanoutTransport, NodeStatus } from "./fanout.js";
import type { ResolvedOptions } from "./options.js";
import { FANOUT_PEER_HEADER } from "./peer-client.js";

export interface HandlerContext {
  options: ResolvedOptions;
  transport: FanoutTransport;
  /** The same peers, with the hot-keys credential (`hotKeysToken` when set, else the token). */
  hotKeysTransport: FanoutTransport;
  /** This node's name in `fanout.nodes`. */
  selfName(): string;
  /** Reports the final node list of a fan-out (self first) for the peer-failure metrics. */
  observeFanout(nodes: readonly NodeStatus[]): void;
}

/** Fan out only when peers are configured and the request is not itself a peer call. */
export function shouldFanOut(ctx: HandlerContext, req: IncomingMessage): boolean {
  return ctx.options.peers.length > 0 && req.headers[FANOUT_PEER_HEADER] === undefined;
}
