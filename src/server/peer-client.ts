// One fan-out call to a peer: GET with a deadline covering the whole exchange (connect, headers,
// body) and a byte cap enforced while streaming, so a slow or huge peer costs at most
// `timeoutMs` and `limitBytes` of memory. Never throws: every failure becomes `{ ok: false }`.
import http from "node:http";
import https from "node:https";
import type { ByteBudget } from "./byte-budget.js";
import { parseJsonYielding, type ElementReader } from "./yielding-json.js";

/** Header a node sets on calls to its peers; a request carrying it is answered locally only. */
export const FANOUT_PEER_HEADER = "x-admin-fanout-peer";

export interface PeerCallOptions {
  timeoutMs: number;
  limitBytes: number;
  /** Forwarded as `Authorization: Bearer <token>` when set. */
  token?: string;
  httpAgent?: http.Agent;
  httpsAgent?: https.Agent;
  /** Bytes shared by all in-flight peer calls; a call waits (paused) when it is spent. */
  budget?: ByteBudget;
  /** Reads the elements of the body's large arrays as it is parsed (see YieldingParseOptions). */
  elements?: ElementReader;
}

export type PeerReply =
  { ok: true; status: number; body: unknown } | { ok: false; status?: number; body?: unknown; error: string };

/** GETs `url` and parses the JSON body. Non-2xx answers are failures carrying status and body. */
export function callPeer(url: URL, opts: PeerCallOptions): Promise<PeerReply> {
  return new Promise<PeerReply>((resolve) => {
    const controller = new AbortController();
    let settled = false;
    const account = opts.budget?.open();
    const finish = (reply: PeerReply): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      controller.abort();
      account?.close(); // gives the call's bytes back to the shared budget
      resolve(reply);
    };
    const timer = setTimeout(() => finish({ ok: false, error: `timeout after ${opts.timeoutMs} ms` }), opts.timeoutMs);

    const headers: Record<string, string> = { Accept: "application/json", "X-Admin-Fanout-Peer": "1" };
    if (opts.token !== undefined) headers["Authorization"] = `Bearer ${opts.token}`;
    const isHttps = url.protocol === "https:";
    const request = (isHttps ? https.request : http.request)(url, {
      method: "GET",
      headers,
      signal: controller.signal,
      agent: isHttps ? opts.httpsAgent : opts.httpAgent,
    });
    request.on("error", (err) => finish({ ok: false, error: describeError(err) }));
    request.on("response", (response) => {
      const chunks: Buffer[] = [];
      let received = 0;
      // A chunk waiting for the budget: node emits `end` even while the stream is paused, so the
      // body is complete only once the last wait is over.
      let waiting: Promise<void> = Promise.resolve();
      response.on("data", (chunk: Buffer) => {
        received += chunk.length;
        if (received > opts.limitBytes) {
          finish({ ok: false, status: response.statusCode, error: `response body exceeds ${opts.limitBytes} bytes` });
          return;
        }
        const wait = account?.take(chunk.length) ?? null;
        if (wait === null) {
          chunks.push(chunk);
          return;
        }
        // The shared budget is spent: stop reading (the peer waits on TCP) until bytes come back.
        response.pause();
        waiting = wait.then(() => {
          chunks.push(chunk);
          response.resume();
        });
      });
      response.on("error", (err) => finish({ ok: false, error: describeError(err) }));
      response.on("end", () => {
        void waiting.then(() => {
          if (settled) return; // the deadline passed while the last chunk waited
          // The deadline covers the transfer; parsing a body within the size cap always completes.
          clearTimeout(timer);
          return interpret(response.statusCode ?? 0, Buffer.concat(chunks), opts.elements).then(finish);
        });
      });
    });
    request.end();
  });
}

async function interpret(status: number, raw: Buffer, elements: ElementReader | undefined): Promise<PeerReply> {
  let body: unknown;
  try {
    // Large bodies are parsed in slices with yields, so a big valid answer cannot stall the loop.
    body = await parseJsonYielding(raw, { elements });
  } catch {
    return { ok: false, status, error: status >= 200 && status < 300 ? "invalid JSON response" : `HTTP ${status}` };
  }
  if (status >= 200 && status < 300) return { ok: true, status, body };
  const code =
    typeof body === "object" && body !== null && typeof (body as { error?: unknown }).error === "string"
      ? ` ${(body as { error: string }).error}`
      : "";
  return { ok: false, status, body, error: `HTTP ${status}${code}` };
}

function describeError(err: Error): string {
  const code = (err as NodeJS.ErrnoException).code;
  return code !== undefined ? `${code}: ${err.message}` : err.message;
}
