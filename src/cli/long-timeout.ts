// A timer for any delay. setTimeout holds at most 2^31 - 1 ms (about 24.8 days) and fires a longer
// one at once (TimeoutOverflowWarning), which made `--duration` of a month stop immediately; a
// longer wait is re-armed in pieces no longer than that.

/** The longest delay one setTimeout keeps. */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** Calls `fn` once `ms` have passed; returns what cancels it. */
export function setLongTimeout(fn: () => void, ms: number): () => void {
  let timer: NodeJS.Timeout;
  const arm = (left: number): void => {
    const piece = Math.min(left, MAX_TIMEOUT_MS);
    timer = setTimeout(() => (left > piece ? arm(left - piece) : fn()), piece);
  };
  arm(ms);
  return () => clearTimeout(timer);
}
