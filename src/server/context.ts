// What a request handler needs from the server that owns it.
import type { IncomingMessage } from "node:http";
import type { FanoutTransport } from "./fanout.js";
import type { ResolvedOptions } from "./options.js";
import { FANOUT_PEER_HEADER } from "./peer-client.js";

export interface HandlerContext {
  options: ResolvedOptions;
  transport: FanoutTransport;
  /** This node's name in `fanout.nodes`. */
  selfName(): string;
}

/** Fan out only when peers are configured and the request is not itself a peer call. */
export function shouldFanOut(ctx: HandlerContext, req: IncomingMessage): boolean {
  return ctx.options.peers.length > 0 && req.headers[FANOUT_PEER_HEADER] === undefined;
}
