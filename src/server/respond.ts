// Response writers shared by every endpoint. Every JSON answer is `Cache-Control: no-store`
// (matrices and hot keys are live data and may carry key bytes), and no CORS header is ever set:
// the API is same-origin only.
import type { ServerResponse } from "node:http";
import { matrixJsonSteps, writeMatrixJson } from "../matrix/json-writer.js";
import type { Slicing } from "../matrix/merge-sliced.js";
import type { MatrixTable } from "../matrix/table.js";
import { KeyvizError, type ErrorCode, type StatusOf } from "../errors.js";

/** Writes `body` as JSON with the given status. HEAD requests get the headers only (node:http). */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  extraHeaders?: Record<string, string>,
): void {
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

const MATRIX_HEADERS = {
  "Content-Type": "application/json; charset=utf-8",
  "Cache-Control": "no-store",
  "X-Content-Type-Options": "nosniff",
};

/**
 * Writes a matrix as JSON, formatted from its typed cells and sent in chunks as they fill
 * (chunked transfer encoding: the length is known only at the end). The same bytes as
 * `sendJson(res, 200, toWireMatrix(table))`, without the number[] rows and the 10 MB string.
 * Synchronous: the table's cells may be views of buffers the next build reuses.
 */
export function sendMatrixTable(res: ServerResponse, table: MatrixTable): void {
  res.writeHead(200, MATRIX_HEADERS);
  writeMatrixJson(table, (chunk) => res.write(chunk));
  res.end();
}

/**
 * `sendMatrixTable` for large answers: formatted in time slices (`slicing`), so writing a 50 MB
 * fan-out answer does not keep other clients waiting. Stops early when the client went away.
 * The table's cell arrays must stay untouched until the promise resolves.
 */
export async function sendMatrixTableSliced(res: ServerResponse, table: MatrixTable, slicing: Slicing): Promise<void> {
  res.writeHead(200, MATRIX_HEADERS);
  const steps = matrixJsonSteps(table, (chunk) => res.write(chunk));
  let since = performance.now();
  while (!steps.next().done) {
    if (res.destroyed) return void steps.return(0);
    if (performance.now() - since >= slicing.sliceMs) {
      await slicing.pause();
      since = performance.now();
    }
  }
  res.end();
}

/**
 * Writes the error envelope `{"error": code, "message": text}` of SPEC §5. `code` must be in the
 * catalogue (src/errors.ts) and `status` must be the one the catalogue gives it: both are checked
 * by the compiler, so a call site reads like the docs table and cannot drift from it.
 */
export function sendError<C extends ErrorCode>(
  res: ServerResponse,
  status: NoInfer<StatusOf<C>>,
  code: C,
  message: string,
  extraHeaders?: Record<string, string>,
): void {
  sendJson(res, status, { error: code, message }, extraHeaders);
}

/** Answers a catalogue error thrown by a parser, the sampler or a handler. */
export function sendKeyvizError(res: ServerResponse, err: KeyvizError, body?: Record<string, unknown>): void {
  sendJson(res, err.status, { error: err.code, message: err.message, ...body });
}

/**
 * Runs `fn`; when it throws a KeyvizError (a broken query rule, a window outside the snapshot …)
 * answers with that error's status, code and message and returns undefined. Other errors
 * propagate (the server answers 500 and logs them).
 */
export function answerKeyvizErrors<T>(res: ServerResponse, fn: () => T): T | undefined {
  try {
    return fn();
  } catch (err) {
    if (!(err instanceof KeyvizError)) throw err;
    sendKeyvizError(res, err);
    return undefined;
  }
}
