// GET /admin/api/v1/keyviz/export — this node's history as a `.kvz` export file (docs/format.md).
// Node-local (never fanned out: a file is one node's recording). Same auth as the rest of the API.
// The file is encoded in one synchronous pass (a consistent cut of the history: a flush cannot
// interleave) and then written in chunks that respect the socket's backpressure.
import type { IncomingMessage, ServerResponse } from "node:http";
import { parseMatrixQuery } from "../wire/wire.js";
import type { HandlerContext } from "./context.js";
import { KEYVIZ_DISABLED_MESSAGE } from "./matrix-handler.js";
import { answerKeyvizErrors, sendError } from "./respond.js";

export const EXPORT_PATH = "/admin/api/v1/keyviz/export";
const CHUNK_BYTES = 64 * 1024;

export async function handleExport(
  ctx: HandlerContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const sampler = ctx.options.sampler;
  if (sampler === null) return sendError(res, 503, "keyviz_disabled", KEYVIZ_DISABLED_MESSAGE);
  if (typeof sampler.exportHistory !== "function") {
    return sendError(res, 503, "keyviz_disabled", "this node's sampler cannot export history");
  }
  // The time bounds follow the matrix rules (integers, 0 = unbounded); other parameters are ignored.
  const bounds = new URLSearchParams();
  for (const name of ["from_unix_ms", "to_unix_ms"]) {
    const v = url.searchParams.get(name);
    if (v !== null) bounds.set(name, v);
  }
  const query = answerKeyvizErrors(res, () => parseMatrixQuery(bounds));
  if (query === undefined) return;
  const file = sampler.exportHistory({ fromMs: query.fromMs, toMs: query.toMs });
  res.writeHead(200, {
    "Content-Type": "application/octet-stream",
    "Content-Length": file.length,
    "Content-Disposition": `attachment; filename="${fileName(query.fromMs, query.toMs)}"`,
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
  });
  if (req.method === "HEAD") return void res.end();
  await writeChunks(res, file);
}

/** `keyviz-<from>-<to>.kvz` with the bounds in unix ms (`start`/`end` when unbounded). */
export function fileName(fromMs?: number, toMs?: number): string {
  return `keyviz-${fromMs ?? "start"}-${toMs ?? "end"}.kvz`;
}

async function writeChunks(res: ServerResponse, file: Uint8Array): Promise<void> {
  for (let at = 0; at < file.length; at += CHUNK_BYTES) {
    if (res.destroyed) return;
    if (!res.write(file.subarray(at, at + CHUNK_BYTES))) await drained(res);
  }
  res.end();
}

/** Resolves when the socket drains or the response goes away (a client that left). */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}
