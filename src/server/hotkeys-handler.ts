// GET /admin/api/v1/keyviz/hotkeys (SPEC §7). Hot keys expose real key bytes: the dispatcher has
// already required the token (when one is set) before this runs.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { HotKeysResponse } from "../hotkeys/response.js";
import { mergeHotKeys } from "../hotkeys/merge.js";
import { shouldFanOut, type HandlerContext } from "./context.js";
import { fanOut, fanoutBlock, type NodeStatus } from "./fanout.js";
import { parseHotKeysQuery, type HotKeysQuery } from "./hotkeys-query.js";
import { parseOrReject, sendError, sendJson } from "./respond.js";
import { hotKeysShapeProblem } from "../wire/shape.js";

export const HOTKEYS_PATH = "/admin/api/v1/keyviz/hotkeys";
/** Every node contributes its 256 heaviest keys (the largest sketch) so the merged top is sound. */
export const PEER_TOP = 256;

/** Answers the request; resolves with the number of keys sent (0 for an error answer), for the audit line. */
export async function handleHotKeys(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<number> {
  const sampler = ctx.options.sampler;
  if (sampler === null || sampler.hotKeysEnabled !== true || typeof sampler.hotKeys !== "function") {
    sendError(res, 503, "hotkeys_disabled", "hot keys are not enabled on this node");
    return 0;
  }
  const query = parseOrReject(res, () => parseHotKeysQuery(url.searchParams));
  if (query === undefined) return 0;
  const fanningOut = shouldFanOut(ctx, req);
  const local = sampler.hotKeys(query.routeId, {
    label: query.label,
    subBucket: query.subBucket,
    top: fanningOut ? Math.max(query.top, PEER_TOP) : query.top,
  });
  if (!fanningOut) {
    if (local === null) return sendNoSnapshot(res, query);
    sendJson(res, 200, local);
    return local.keys.length;
  }

  const params = new URLSearchParams(url.searchParams);
  params.set("top", String(PEER_TOP));
  const peers = await fanOut(ctx.hotKeysTransport, HOTKEYS_PATH, params);
  const responses: HotKeysResponse[] = local === null ? [] : [local];
  const nodes: NodeStatus[] = [{ node: ctx.selfName(), ok: true }];
  for (const { peer, reply } of peers) {
    if (!reply.ok) {
      // A peer without a snapshot answered correctly; it just has nothing to add.
      const noSnapshot = reply.status === 404 && (reply.body as { error?: unknown } | undefined)?.error === "no_snapshot";
      nodes.push(noSnapshot ? { node: peer, ok: true } : { node: peer, ok: false, error: reply.error });
      continue;
    }
    const problem = hotKeysShapeProblem(reply.body);
    if (problem !== null) {
      nodes.push({ node: peer, ok: false, error: `malformed response: ${problem}` });
      continue;
    }
    responses.push(reply.body as HotKeysResponse);
    nodes.push({ node: peer, ok: true });
  }
  ctx.observeFanout(nodes);
  const fanout = fanoutBlock(nodes);
  if (responses.length === 0) return sendNoSnapshot(res, query, fanout);
  const merged = mergeHotKeys(responses, query.top);
  sendJson(res, 200, { ...merged, fanout });
  return merged.keys.length;
}

function sendNoSnapshot(res: ServerResponse, query: HotKeysQuery, fanout?: ReturnType<typeof fanoutBlock>): number {
  const scope = query.label === undefined ? "" : ` label ${JSON.stringify(query.label)}`;
  const message = `no hot-key snapshot for route ${query.routeId}${scope} (none published yet, or the route is not tracked)`;
  sendJson(res, 404, fanout === undefined ? { error: "no_snapshot", message } : { error: "no_snapshot", message, fanout });
  return 0;
}
