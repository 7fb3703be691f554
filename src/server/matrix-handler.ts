// GET /admin/api/v1/keyviz/matrix (SPEC §5, §5.1).
import type { IncomingMessage, ServerResponse } from "node:http";
import { MAX_ROWS, parseMatrixQuery, type IncomingMatrix } from "../wire/wire.js";
import { matrixProblemSteps } from "../wire/validate.js";
import { MATRIX_ROWS } from "./matrix-row-decoder.js";
import { runStepsSliced } from "../steps.js";
import { mergeLocalAndPeersSliced } from "../matrix/merge-sliced.js";
import { shouldFanOut, type HandlerContext } from "./context.js";
import { fanOut, settleFanout, type NodeStatus } from "./fanout.js";
import { FANOUT_SLICING } from "./fanout-slicing.js";
import { answerKeyvizErrors, sendError, sendJson, sendMatrixTable, sendMatrixTableSliced } from "./respond.js";

export const MATRIX_PATH = "/admin/api/v1/keyviz/matrix";
export const KEYVIZ_DISABLED_MESSAGE = "key visualizer sampler is not configured on this node";

export async function handleMatrix(
  ctx: HandlerContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const sampler = ctx.options.sampler;
  if (sampler === null) return sendError(res, 503, "keyviz_disabled", KEYVIZ_DISABLED_MESSAGE);
  const query = answerKeyvizErrors(res, () => parseMatrixQuery(url.searchParams));
  if (query === undefined) return;
  if (!shouldFanOut(ctx, req)) {
    if (sampler.matrixTable !== undefined) return sendMatrixTable(res, sampler.matrixTable(query));
    return sendJson(res, 200, sampler.matrix(query));
  }

  // Every node answers at the full row budget and the budget is applied once, after the merge:
  // nodes budgeting on their own would fold different ranges whose merged rows could overlap.
  // This node's matrix is built when the merge's turn comes (merge-sliced.ts).
  const localQuery = { ...query, rows: MAX_ROWS };
  const local = () =>
    sampler.matrixTable !== undefined ? sampler.matrixTable(localQuery) : sampler.matrix(localQuery);
  const peerParams = new URLSearchParams(url.searchParams);
  peerParams.set("rows", String(MAX_ROWS));
  // Each peer row's cells are read into typed arrays as the row is parsed (matrix-row-decoder.ts).
  const peers = await fanOut(ctx.transport, MATRIX_PATH, peerParams, MATRIX_ROWS);
  const peerMatrices: IncomingMatrix[] = [];
  const nodes: NodeStatus[] = [{ node: ctx.selfName(), ok: true }];
  for (const { peer, reply } of peers) {
    if (!reply.ok) {
      nodes.push({ node: peer, ok: false, error: reply.error });
      continue;
    }
    // Everything a peer sends is validated completely here: a peer the merge could not take
    // is a failed node, never a failed request.
    const problem = await runStepsSliced(
      matrixProblemSteps(reply.body, query.series),
      FANOUT_SLICING.sliceMs,
      FANOUT_SLICING.pause,
    );
    if (problem !== null) {
      nodes.push({ node: peer, ok: false, error: `malformed response: ${problem}` });
      continue;
    }
    peerMatrices.push(reply.body as IncomingMatrix);
    nodes.push({ node: peer, ok: true });
  }
  const fanout = settleFanout(ctx, MATRIX_PATH, nodes);
  // Merged and written from the merge's typed cells in time slices: a merged answer can be tens
  // of MB, and other clients must not wait for all of it (issue 10.6).
  // The window again: a peer that ignored it must not add columns outside it.
  const merge = { rows: query.rows, window: { fromMs: query.fromMs, toMs: query.toMs } };
  await mergeLocalAndPeersSliced(local, peerMatrices, merge, FANOUT_SLICING, async (merged) => {
    merged.fanout = fanout;
    await sendMatrixTableSliced(res, merged, FANOUT_SLICING);
  });
}
