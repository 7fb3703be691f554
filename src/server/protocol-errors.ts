// Answers to requests node:http settles itself, before (or instead of) the request listener:
// unparsable or timed-out requests, unsupported expectations and CONNECT. Without these
// listeners node answers with a bare status or just closes the socket; keyviz gives them the
// same JSON envelope and `Cache-Control: no-store` as every other error.
import http from "node:http";
import type { Duplex } from "node:stream";
import { ERROR_STATUS, type ErrorCode } from "../errors.js";
import { hasBody } from "./request-guard.js";
import { sendError } from "./respond.js";

/**
 * A request node:http could not parse (or that timed out) never reaches the pipeline. Answered as
 * node:http would answer it without this listener (only on a connection that has sent nothing
 * yet, then closed), but with the JSON envelope every other error has.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex, maxHeaderSize: number): void {
  const sentNothing = (socket as Duplex & { bytesWritten?: number }).bytesWritten === 0;
  if (!socket.writable || !sentNothing || err.code === "ECONNRESET") return void socket.destroy();
  const [code, message]: [ErrorCode, string] =
    err.code === "HPE_HEADER_OVERFLOW"
      ? ["headers_too_large", `request line and header fields exceed ${maxHeaderSize} bytes`]
      : err.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? ["request_timeout", "the request did not arrive in time"]
        : ["bad_request", "malformed HTTP request"];
  endWithError(socket, code, message);
}

/**
 * CONNECT (a proxy tunnel request): node hands over the raw socket, which keyviz never tunnels;
 * it gets the 405 every other method outside GET/HEAD gets, and the connection is closed since
 * whatever follows the head is tunnel data, not HTTP.
 */
export function answerConnect(_req: http.IncomingMessage, socket: Duplex): void {
  if (!socket.writable) return void socket.destroy();
  endWithError(socket, "method_not_allowed", "only GET", "Allow: GET, HEAD\r\n");
}

/** An `Expect` other than 100-continue (RFC 9110 §10.1.1: 417). */
export function answerExpectation(req: http.IncomingMessage, res: http.ServerResponse): void {
  // Its body, if any, is never read, so the connection cannot carry another request.
  if (hasBody(req)) res.setHeader("Connection", "close");
  sendError(res, 417, "expectation_failed", "the only expectation supported is 100-continue");
}

/** Writes a whole error response on a raw socket and closes it. */
function endWithError(socket: Duplex, code: ErrorCode, message: string, extraHeaders = ""): void {
  const status = ERROR_STATUS[code];
  const body = JSON.stringify({ error: code, message });
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\n` +
      "Content-Type: application/json; charset=utf-8\r\n" +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      extraHeaders +
      "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n" +
      body,
  );
}
