// Comparisons between start and end bounds (start null = lowest, end null = unbounded).

import { compareBytes } from "./bytes.js";
import type { Key } from "../types.js";

/** True when start bound `s` lies strictly below end bound `e`. */
export function startBeforeEnd(s: Key, e: Key): boolean {
  if (e === null) return true;
  if (s === null) return e.length > 0;
  return compareBytes(s, e) < 0;
}

/** True when `[s1, e1)` and `[s2, e2)` share at least one key. */
export function rangesOverlap(s1: Key, e1: Key, s2: Key, e2: Key): boolean {
  return startBeforeEnd(s1, e2) && startBeforeEnd(s2, e1);
}

/** True when `[s2, e2)` lies within `[s1, e1)`. */
export function rangeContains(s1: Key, e1: Key, s2: Key, e2: Key): boolean {
  const startOk = s1 === null || (s2 !== null && compareBytes(s1, s2) <= 0);
  const endOk = e1 === null || (e2 !== null && compareBytes(e2, e1) <= 0);
  return startOk && endOk;
}
