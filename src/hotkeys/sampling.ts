// Which writes the hot-keys tracker samples. The hot path only decrements a countdown; when it
// reaches zero a sample is taken and the next gap is drawn from a geometric distribution with mean
// R. Geometric gaps make the sampled set distributed exactly like independent 1-in-R coin flips
// per write (so `count × R` is unbiased and a workload with period R cannot alias with the
// sampler, which a fixed every-R-th counter would), while the per-write cost stays that of a
// counter. The PRNG is xorshift32 with a fixed default seed, so runs are reproducible.
//
// A gap is drawn by inverting the geometric CDF over a table instead of `1 + ⌊ln u / ln(1 − p)⌋`:
// the log and the division cost ~24 ns of the ~110 a sample cost (issue 14's profile), the table
// ~3 ns. With q = 1 − 1/R and x a uniform 32-bit word, the gap is the least g ≤ L with
// x < cdf[g − 1] = ⌊2^32 (1 − q^g)⌋; when x is beyond cdf[L − 1] (probability q^L ≈ e^−4), the
// gap is L plus a fresh draw — exact, because the geometric distribution is memoryless. So the
// gaps are geometric to the same 2^−32 resolution as the log form. `bucketStart` (indexed by the
// top bits of x) gives the first candidate g, so the scan is ~1 step on average.

export const DEFAULT_SEED = 0x9e3779b9;

/** Gaps up to TABLE_MEANS × R come from the table; longer ones take another draw. */
const TABLE_MEANS = 4;
/** At least this many buckets (a power of two); more for large R, so the scan stays short. */
const MIN_BUCKETS = 1024;

export class GeometricGaps {
  private state: number;
  /** cdf[i] = ⌊2^32 (1 − q^(i + 1))⌋: P(gap ≤ i + 1) on the 32-bit scale. Empty when R = 1. */
  private readonly cdf: Uint32Array;
  /** Per top-bits bucket of x: the least i with cdf[i] above the bucket's first x. */
  private readonly bucketStart: Int32Array;
  private readonly bucketShift: number;
  /** cdf[L − 1]: an x at or above it means "more than L". */
  private readonly tailFrom: number;

  constructor(
    readonly rate: number,
    seed: number = DEFAULT_SEED,
  ) {
    this.state = (seed >>> 0 || DEFAULT_SEED) | 0; // xorshift never leaves 0
    const table = gapTable(rate);
    this.cdf = table.cdf;
    this.bucketStart = table.bucketStart;
    this.bucketShift = table.bucketShift;
    this.tailFrom = table.cdf.length === 0 ? 0 : table.cdf[table.cdf.length - 1]!;
  }

  /** Number of writes until the next sample, counting the sampled one (≥ 1, mean R). */
  next(): number {
    const cdf = this.cdf;
    const length = cdf.length;
    if (length === 0) return 1;
    let skipped = 0;
    for (;;) {
      let x = this.state;
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      this.state = x; // kept as an int32: a uint32 above 2^31 in a field is a boxed double (+5 ns)
      const gap = this.gapOf(x >>> 0);
      if (gap > 0) return skipped + gap;
      skipped += length;
    }
  }

  /** The gap a 32-bit word `x` stands for (1..L), or 0 when it means "more than L". */
  gapOf(x: number): number {
    if (x >= this.tailFrom) return 0;
    const cdf = this.cdf;
    let i = this.bucketStart[x >>> this.bucketShift]!;
    while (x >= cdf[i]!) i++;
    return i + 1;
  }
}

/** The inverse-CDF table of geometric gaps with mean `rate` (see the file comment). */
function gapTable(rate: number): { cdf: Uint32Array; bucketStart: Int32Array; bucketShift: number } {
  if (rate <= 1) return { cdf: new Uint32Array(0), bucketStart: new Int32Array(1), bucketShift: 31 };
  const length = TABLE_MEANS * rate;
  const logKeep = Math.log1p(-1 / rate);
  const cdf = new Uint32Array(length);
  for (let i = 0; i < length; i++) cdf[i] = Math.floor(-Math.expm1((i + 1) * logKeep) * 2 ** 32);
  let buckets = MIN_BUCKETS;
  while (buckets < length) buckets *= 2;
  const bucketShift = 32 - Math.log2(buckets);
  const bucketStart = new Int32Array(buckets);
  let i = 0;
  for (let b = 0; b < buckets; b++) {
    const first = b * 2 ** bucketShift;
    while (i < length - 1 && cdf[i]! <= first) i++;
    bucketStart[b] = i;
  }
  return { cdf, bucketStart, bucketShift };
}
