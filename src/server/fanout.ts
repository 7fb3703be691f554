// Parallel peer calls for one request. Results come back in the configured peer order so the
// `fanout.nodes` list is stable (self first, then peers as configured, SPEC §5.1).
import type http from "node:http";
import type https from "node:https";
import { logSafely } from "../logger.js";
import type { HandlerContext } from "./context.js";
import type { ByteBudget } from "./byte-budget.js";
import { callPeer, type PeerCallOptions, type PeerReply } from "./peer-client.js";

export interface FanoutTransport {
  peers: readonly string[];
  timeoutMs: number;
  limitBytes: number;
  token?: string;
  httpAgent: http.Agent;
  httpsAgent: https.Agent;
  /** In-flight peer body bytes over all requests of this server. */
  budget?: ByteBudget;
}

export interface PeerResult {
  /** The peer's base URL as configured; also its `node` name in the status block. */
  peer: string;
  reply: PeerReply;
}

/**
 * Calls `path?search` on every peer at once; never rejects. `elements` reads the elements of
 * large arrays in the bodies as they are parsed (see YieldingParseOptions).
 */
export function fanOut(
  transport: FanoutTransport,
  path: string,
  search: URLSearchParams,
  elements?: PeerCallOptions["elements"],
): Promise<PeerResult[]> {
  const query = search.toString();
  return Promise.all(
    transport.peers.map(async (peer) => {
      const url = new URL(peer + path + (query === "" ? "" : `?${query}`));
      const reply = await callPeer(url, {
        timeoutMs: transport.timeoutMs,
        limitBytes: transport.limitBytes,
        token: transport.token,
        httpAgent: transport.httpAgent,
        httpsAgent: transport.httpsAgent,
        budget: transport.budget,
        elements,
      });
      return { peer, reply };
    }),
  );
}

export interface NodeStatus {
  node: string;
  ok: boolean;
  error?: string;
}

/** The `fanout` block: `responded` counts nodes with `ok: true`, `expected` all nodes. */
export function fanoutBlock(nodes: NodeStatus[]): { nodes: NodeStatus[]; responded: number; expected: number } {
  return { nodes, responded: nodes.filter((n) => n.ok).length, expected: nodes.length };
}

/**
 * Closes a fan-out: reports the node list to the metrics and logs one warning per failed peer
 * (a failed peer never fails the request, so the log is where an operator learns of it).
 */
export function settleFanout(
  ctx: HandlerContext,
  endpoint: string,
  nodes: NodeStatus[],
): ReturnType<typeof fanoutBlock> {
  ctx.observeFanout(nodes);
  for (const n of nodes) {
    if (!n.ok)
      logSafely(ctx.options.logger, "warn", "keyviz fan-out: peer failed", { endpoint, node: n.node, error: n.error });
  }
  return fanoutBlock(nodes);
}
