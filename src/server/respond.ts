// Response writers shared by every endpoint. Every JSON answer is `Cache-Control: no-store`
// (matrices and hot keys are live data and may carry key bytes), and no CORS header is ever set:
// the API is same-origin only.
import type { ServerResponse } from "node:http";
import { writeMatrixJson } from "../matrix/json-writer.js";
import type { MatrixTable } from "../matrix/table.js";

/** Writes `body` as JSON with the given status. HEAD requests get the headers only (node:http). */
export function sendJson(res: ServerResponse, status: number, body: unknown, extraHeaders?: Record<string, string>): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(text),
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    ...extraHeaders,
  });
  res.end(text);
}

/**
 * Writes a matrix as JSON, formatted from its typed cells and sent in chunks as they fill
 * (chunked transfer encoding: the length is known only at the end). The same bytes as
 * `sendJson(res, 200, toWireMatrix(table))`, without the number[] rows and the 10 MB string.
 * Synchronous: the table's cells may be views of buffers the next build reuses.
 */
export function sendMatrixTable(res: ServerResponse, table: MatrixTable): void {
  res.writeHead(200, {
    "Content-Type": "application/json; charset=utf-8",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
  });
  writeMatrixJson(table, (chunk) => res.write(chunk));
  res.end();
}

/** Writes the error envelope `{"error": code, "message": text}` of SPEC §5. */
export function sendError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  extraHeaders?: Record<string, string>,
): void {
  sendJson(res, status, { error: code, message }, extraHeaders);
}

/**
 * Runs a query parser; when it rejects the query (an error whose `code` is "invalid_query")
 * answers 400 with that code and message and returns undefined. Other errors propagate.
 */
export function parseOrReject<T>(res: ServerResponse, parse: () => T): T | undefined {
  try {
    return parse();
  } catch (err) {
    if (err instanceof Error && (err as { code?: unknown }).code === "invalid_query") {
      sendError(res, 400, "invalid_query", err.message);
      return undefined;
    }
    throw err;
  }
}
