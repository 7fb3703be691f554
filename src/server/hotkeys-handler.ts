// GET /admin/api/v1/keyviz/hotkeys (SPEC §7). Hot keys expose real key bytes: the pipeline has
// already required the credential (the hot-keys token when one is set) before this runs.
//
// Order of answers, as the Go reference: 503 (no sampler, hot keys off), 400 (query rules),
// then — ours — 404 for an aggregate `bucket_id` and 400 for a label the sampler does not have,
// then the local snapshot: 404 when there is none (and no peer to ask), 400 when `sub_bucket`
// is out of range for a route that has one, 400 `out_of_snapshot_window` when the asked window
// misses it; then the fan-out.
import type { IncomingMessage, ServerResponse } from "node:http";
import { KeyvizError, QueryError } from "../errors.js";
import type { HotKeysResponse } from "../hotkeys/response.js";
import { mergeHotKeys } from "../hotkeys/merge.js";
import { checkHotKeysLabel, SUB_BUCKET_OUT_OF_RANGE } from "../hotkeys/query-rules.js";
import { hotKeysProblem } from "../wire/wire.js";
import { shouldFanOut, type HandlerContext } from "./context.js";
import { fanOut, settleFanout, type fanoutBlock, type NodeStatus } from "./fanout.js";
import { parseHotKeysQuery, peerQuery, type HotKeysParams } from "./hotkeys-query.js";
import { KEYVIZ_DISABLED_MESSAGE } from "./matrix-handler.js";
import { answerKeyvizErrors, sendError, sendJson, sendKeyvizError } from "./respond.js";
import type { SamplerPort } from "./sampler-port.js";

export const HOTKEYS_PATH = "/admin/api/v1/keyviz/hotkeys";
/** Every node contributes its 256 heaviest keys (the largest sketch) so the merged top is sound. */
export const PEER_TOP = 256;

export const NO_SNAPSHOT_MESSAGE =
  "no hot-keys snapshot is available for this route yet (it may be an aggregate, or no traffic has flushed since the feature was enabled)";
export const NO_SNAPSHOT_IN_CLUSTER_MESSAGE =
  "no hot-keys snapshot is available for this route on any node in the cluster";
export const OUT_OF_WINDOW_MESSAGE =
  "requested time window does not overlap the current snapshot; v1 returns only the current keyvizStep window";
export { SUB_BUCKET_OUT_OF_RANGE };

type HotKeysSampler = SamplerPort & Required<Pick<SamplerPort, "hotKeys">>;

/** Answers the request; resolves with the number of keys sent (0 for an error answer), for the audit line. */
export async function handleHotKeys(
  ctx: HandlerContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<number> {
  const sampler = ctx.options.sampler;
  if (sampler === null) {
    sendError(res, 503, "keyviz_disabled", KEYVIZ_DISABLED_MESSAGE);
    return 0;
  }
  if (sampler.hotKeysEnabled !== true || typeof sampler.hotKeys !== "function") {
    sendError(
      res,
      503,
      "hotkeys_disabled",
      "hot-keys drill-down is not enabled on this node (hotKeys option of createSampler)",
    );
    return 0;
  }
  const fanningOut = shouldFanOut(ctx, req);
  const step = answerKeyvizErrors(res, () => {
    const query = parseHotKeysQuery(url.searchParams);
    return { query, local: localAnswer(sampler as HotKeysSampler, query, fanningOut) };
  });
  if (step === undefined) return 0;
  const { query, local } = step;
  if (!fanningOut) {
    if (local === null) return sendNoSnapshot(res, NO_SNAPSHOT_MESSAGE);
    sendJson(res, 200, local);
    return local.keys.length;
  }

  const peers = await fanOut(ctx.hotKeysTransport, HOTKEYS_PATH, peerQuery(url.searchParams, query, PEER_TOP));
  const responses: HotKeysResponse[] = local === null ? [] : [local];
  const nodes: NodeStatus[] = [{ node: ctx.selfName(), ok: true }];
  for (const { peer, reply } of peers) {
    if (!reply.ok) {
      // A peer without a snapshot answered correctly; it just has nothing to add.
      const noSnapshot =
        reply.status === 404 && (reply.body as { error?: unknown } | undefined)?.error === "no_snapshot";
      nodes.push(noSnapshot ? { node: peer, ok: true } : { node: peer, ok: false, error: reply.error });
      continue;
    }
    const problem = hotKeysProblem(reply.body) ?? otherRowProblem(reply.body as HotKeysResponse, query);
    if (problem !== null) {
      nodes.push({ node: peer, ok: false, error: `malformed response: ${problem}` });
      continue;
    }
    responses.push(reply.body as HotKeysResponse);
    nodes.push({ node: peer, ok: true });
  }
  const fanout = settleFanout(ctx, HOTKEYS_PATH, nodes);
  if (responses.length === 0) return sendNoSnapshot(res, NO_SNAPSHOT_IN_CLUSTER_MESSAGE, fanout);
  const merged = mergeHotKeys(responses, query.top);
  sendJson(res, 200, { ...merged, fanout });
  return merged.keys.length;
}

/**
 * This node's answer, or `null` when it has no snapshot. Throws KeyvizError for the answers
 * that end the request whatever the peers hold (aggregate row, unknown label, sub-bucket out of
 * range, window missing the snapshot).
 */
function localAnswer(sampler: HotKeysSampler, q: HotKeysParams, fanningOut: boolean): HotKeysResponse | null {
  if (q.aggregate !== undefined) {
    throw new KeyvizError(
      "no_snapshot",
      `${q.aggregate} is an aggregate row (several routes folded together) and has no hot keys of its own; ask for each of its route_ids`,
    );
  }
  checkLabel(sampler, q.label);
  if (q.routeId === null) return null;
  const top = fanningOut ? Math.max(q.top, PEER_TOP) : q.top;
  const local = sampler.hotKeys(q.routeId, { label: q.label, subBucket: q.subBucket, top });
  if (local === null) {
    // The sampler answers null both for "no snapshot" and for a sub-bucket the route does not
    // have; a snapshot of the whole route tells them apart (the reference's order: 404 first).
    if (q.subBucket !== undefined && sampler.hotKeys(q.routeId, { label: q.label, top: 1 }) !== null) {
      throw new QueryError(SUB_BUCKET_OUT_OF_RANGE);
    }
    return null;
  }
  checkWindow(local, sampler.stepMs, q);
  return local;
}

/**
 * A well-formed answer about another row than the one asked (another route, label or
 * sub-bucket) is a failed peer: merging it would add that row's keys under this one's name.
 * An absent `label` is the unlabelled slot, an absent `sub_bucket` the whole route. Route ids
 * compare as JSON numbers (both sides lose the same precision above 2^53).
 */
function otherRowProblem(r: HotKeysResponse, q: HotKeysParams): string | null {
  const same =
    r.route_id === Number(q.routeIdText) && (r.label ?? "") === (q.label ?? "") && r.sub_bucket === q.subBucket;
  return same
    ? null
    : `answers for ${rowName(r.route_id, r.label, r.sub_bucket)}, not ${rowName(q.routeIdText, q.label, q.subBucket)}`;
}

function rowName(route: number | string, label: string | undefined, sub: number | undefined): string {
  return `route ${route}${label ? ` label ${JSON.stringify(label)}` : ""}${sub !== undefined ? ` sub-bucket ${sub}` : ""}`;
}

/** The labels accepted are the sampler's configured labels (a sampler port that does not list them accepts any). */
function checkLabel(sampler: SamplerPort, label: string | undefined): void {
  if (sampler.labels !== undefined) checkHotKeysLabel(sampler.labels, label);
}

/**
 * The reference keeps only the latest snapshot, so an asked window must overlap
 * `[snapshot_at − step, snapshot_at]`; an omitted bound is that window's own bound.
 */
function checkWindow(local: HotKeysResponse, stepMs: number | undefined, q: HotKeysParams): void {
  if (q.fromMs === undefined && q.toMs === undefined) return;
  const high = Date.parse(local.snapshot_at);
  const low = high - (stepMs ?? 0);
  const from = q.fromMs ?? low;
  const to = q.toMs ?? high;
  if (to < low || from > high) throw new KeyvizError("out_of_snapshot_window", OUT_OF_WINDOW_MESSAGE);
}

function sendNoSnapshot(res: ServerResponse, message: string, fanout?: ReturnType<typeof fanoutBlock>): number {
  sendKeyvizError(res, new KeyvizError("no_snapshot", message), fanout === undefined ? undefined : { fanout });
  return 0;
}
