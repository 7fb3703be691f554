// Reads a request body with a byte cap. Only the login endpoint has a body; every other request
// announcing one is refused unread (413 `body_not_allowed`).
import type { IncomingMessage } from "node:http";

/** The whole body, "too_large" as soon as it passes `limit` bytes, or "aborted" if the client left. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | "too_large" | "aborted"> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve("too_large");
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (v: Buffer | "too_large" | "aborted"): void => {
      if (done) return;
      done = true;
      req.off("data", onData);
      resolve(v);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) return finish("too_large");
      chunks.push(chunk);
    };
    req.on("data", onData);
    req.on("end", () => finish(Buffer.concat(chunks)));
    req.on("error", () => finish("aborted"));
    req.on("close", () => finish(req.complete ? Buffer.concat(chunks) : "aborted"));
  });
}
