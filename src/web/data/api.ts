// The page's HTTP client: same-origin JSON GETs with the session cookie, error envelopes turned
// into typed errors, and the login call. Never puts a credential in a URL.

export const API = "/admin/api/v1";

/** A non-2xx answer; `code` is the envelope's `error` field when there was one. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

async function failure(res: Response): Promise<HttpError> {
  let code = `http_${res.status}`;
  let message = `HTTP ${res.status}`;
  try {
    const body = (await res.json()) as { error?: unknown; message?: unknown };
    if (typeof body.error === "string") code = body.error;
    if (typeof body.message === "string") message = body.message;
  } catch {
    // Not an envelope (a proxy's page, say): the status says enough.
  }
  return new HttpError(res.status, code, message);
}

export function apiUrl(path: string, params: Record<string, string | number | undefined> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v));
  const qs = q.toString();
  return `${API}${path}${qs ? `?${qs}` : ""}`;
}

export async function getJson(
  path: string,
  params: Record<string, string | number | undefined> = {},
  signal?: AbortSignal,
): Promise<unknown> {
  const res = await fetch(apiUrl(path, params), {
    credentials: "same-origin",
    cache: "no-store",
    headers: { Accept: "application/json" },
    ...(signal ? { signal } : {}),
  });
  if (!res.ok) throw await failure(res);
  return res.json();
}

/** Opens a cookie session (`POST /admin/api/v1/auth/login`); throws HttpError on refusal. */
export async function login(accessKey: string, secretKey: string): Promise<void> {
  const res = await fetch(`${API}/auth/login`, {
    method: "POST",
    credentials: "same-origin",
    cache: "no-store",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({ access_key: accessKey, secret_key: secretKey }),
  });
  if (!res.ok) throw await failure(res);
}
