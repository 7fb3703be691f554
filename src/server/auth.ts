// Bearer-token check. Both sides are hashed to fixed-length digests before `timingSafeEqual`, so
// the comparison time depends neither on where the strings differ nor on the candidate's length.
import { createHash, timingSafeEqual } from "node:crypto";

function digest(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

/** Returns a predicate over the raw `Authorization` header value; `undefined` token = open access. */
export function bearerAuthenticator(token: string | undefined): (header: string | undefined) => boolean {
  if (token === undefined) return () => true;
  const expected = digest(token);
  return (header) => {
    if (typeof header !== "string") return false;
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
    // Hash something even on a malformed header so the work done does not reveal which check failed.
    const candidate = digest(match === null ? "" : match[1]!);
    return timingSafeEqual(candidate, expected) && match !== null;
  };
}
