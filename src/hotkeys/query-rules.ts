// Rules a hot-keys query must follow whoever asks (the library's `sampler.hotKeys()` and the HTTP
// endpoint), with the messages the Go reference sends as 400 `invalid_query`, so both callers
// see the same error for the same mistake.
import { QueryError } from "../errors.js";

export const SUB_BUCKET_OUT_OF_RANGE = "sub_bucket is out of range for this route";

/** Throws QueryError unless `label` is omitted, "" (unlabelled) or one of the sampler's `labels`. */
export function checkHotKeysLabel(labels: readonly string[], label: string | undefined): void {
  if (label === undefined || label === "" || labels.includes(label)) return;
  const known = labels.length === 0 ? "this sampler has no labels" : `labels: ${labels.join(", ")}`;
  throw new QueryError(`label ${JSON.stringify(label)} is not configured (${known})`);
}
