// The one catalogue of keyviz's errors: every error keyviz throws on purpose or sends over HTTP
// has a stable `code` listed here. Library callers switch on `err.code`; the server maps a code
// to its HTTP status and writes the SPEC §5 envelope `{"error": code, "message": text}`.
//
// Argument errors stay the built-in `TypeError` / `RangeError` (what JS callers expect); the
// classes below are for conditions with a wire meaning.

/**
 * Stable error codes and the HTTP status each is answered with. Every code the server sends is
 * listed here (the type of `sendError` enforces it) and in docs/http-api.md (a test compares).
 */
export const ERROR_STATUS = {
  // 400
  bad_request: 400,
  invalid_query: 400,
  out_of_snapshot_window: 400,
  invalid_body: 400,
  missing_fields: 400,
  // 401 / 403
  unauthenticated: 401,
  invalid_credentials: 401,
  forbidden: 403,
  csrf_missing: 403,
  csrf_mismatch: 403,
  // 404 / 405 / 408 / 417
  no_snapshot: 404,
  unknown_endpoint: 404,
  method_not_allowed: 405,
  request_timeout: 408,
  expectation_failed: 417,
  // 413 / 414 / 415 / 431
  payload_too_large: 413,
  body_not_allowed: 413,
  uri_too_long: 414,
  unsupported_media_type: 415,
  headers_too_large: 431,
  // 500 / 503
  internal_error: 500,
  keyviz_disabled: 503,
  hotkeys_disabled: 503,
  overloaded: 503,
  too_many_streams: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** The HTTP status of `code`. */
export type StatusOf<C extends ErrorCode> = (typeof ERROR_STATUS)[C];

/** An error with a stable code and an HTTP status; `message` is safe to send to a client. */
export class KeyvizError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = "KeyvizError";
    this.code = code;
    this.status = ERROR_STATUS[code];
  }
}

/** A query rule was broken; `message` is the exact text sent with HTTP 400 `invalid_query`. */
export class QueryError extends KeyvizError {
  constructor(message: string) {
    super("invalid_query", message);
    this.name = "QueryError";
  }
}
