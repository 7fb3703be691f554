// Checks of one observed sample on the hot path: cheap, branch-light, never throwing.

/**
 * A sample length as counted: an integer in [0, 2^31), anything else 0. Branch-free for valid
 * numbers (`k & ~(k >> 31)` zeroes negatives), since lengths vary call to call.
 */
export function sampleLen(n: number): number {
  let k = typeof n === "number" ? n | 0 : 0;
  if (k !== n) k = 0;
  return k & ~(k >> 31);
}

/** True for op 0 (read) and 1 (write), with one predictable comparison. */
export function isOp(op: unknown): op is 0 | 1 {
  return typeof op === "number" && op === (op & 1);
}
