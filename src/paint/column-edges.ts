// Column widths on the time axis. A history with tiers answers columns of mixed widths (the last
// minutes at the base step, older ones 10× or 60× wider); drawn one per equal slot, an hour of old
// history would take as much room as a minute of new. Given only the columns' times (the wire
// matrix carries no window starts), a column's width is the median of its own interval and its
// neighbours': a tier's columns get the tier's step, while one odd interval — a gap where the
// process was down, a +1 ms clock-anomaly column, a partial column at close() — neither stretches
// the heatmap nor vanishes from it.

/**
 * Cumulative x extents of columns [c0, c1): `edges[i]` is where column c0 + i starts, in time
 * units, `edges[0] = 0`. `null` when every column is equally wide (then equal slots are exact).
 */
export function columnEdges(times: readonly number[], c0: number, c1: number): Float64Array | null {
  const n = c1 - c0;
  if (n <= 1) return null;
  const interval = (c: number): number => {
    const i = Math.min(Math.max(c, 1), times.length - 1); // the first column borrows the second's
    return Math.max(0, times[i]! - times[i - 1]!);
  };
  const edges = new Float64Array(n + 1);
  let uniform = true;
  let first = -1;
  for (let i = 0; i < n; i++) {
    const c = c0 + i;
    const w = median3(interval(c - 1), interval(c), interval(c + 1)) || 1;
    if (first < 0) first = w;
    else if (w !== first) uniform = false;
    edges[i + 1] = edges[i]! + w;
  }
  return uniform ? null : edges;
}

function median3(a: number, b: number, c: number): number {
  return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
}

/** Pixel spans: cells of pixel p are [first[p], last[p]) (always at least one). */
export function spansByEdges(edges: Float64Array, px: number): { first: Int32Array; last: Int32Array } {
  const n = edges.length - 1;
  const total = edges[n]!;
  const first = new Int32Array(px);
  const last = new Int32Array(px);
  let c = 0;
  for (let p = 0; p < px; p++) {
    const from = (p * total) / px;
    const to = ((p + 1) * total) / px;
    while (c + 1 < n && edges[c + 1]! <= from) c++;
    let end = c + 1;
    while (end < n && edges[end]! < to) end++;
    first[p] = c;
    last[p] = end;
  }
  return { first, last };
}

/** The column (index from c0) at fraction `f` ∈ [0, 1) of the width; equal slots when `edges` is null. */
export function columnAt(edges: Float64Array | null, n: number, f: number): number {
  if (edges === null) return Math.min(n - 1, Math.floor(f * n));
  const x = f * edges[n]!;
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (edges[mid]! <= x) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Fraction of the width where column i (index from c0, 0 ≤ i ≤ n) starts. */
export function columnStart(edges: Float64Array | null, n: number, i: number): number {
  const at = Math.min(Math.max(i, 0), n);
  return edges === null ? at / n : edges[at]! / edges[n]!;
}
