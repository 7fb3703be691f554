// Which writes the hot-keys tracker samples. The hot path only decrements a countdown; when it
// reaches zero a sample is taken and the next gap is drawn from a geometric distribution with mean
// R. Geometric gaps make the sampled set distributed exactly like independent 1-in-R coin flips
// per write (so `count × R` is unbiased and a workload with period R cannot alias with the
// sampler, which a fixed every-R-th counter would), while the per-write cost stays that of a
// counter. The PRNG is xorshift32 with a fixed default seed, so runs are reproducible.

export const DEFAULT_SEED = 0x9e3779b9;

export class GeometricGaps {
  private state: number;
  private readonly logKeep: number; // ln(1 − 1/R); 0 when R = 1

  constructor(
    readonly rate: number,
    seed: number = DEFAULT_SEED,
  ) {
    this.state = seed >>> 0 || DEFAULT_SEED; // xorshift never leaves 0
    this.logKeep = rate > 1 ? Math.log1p(-1 / rate) : 0;
  }

  /** Number of writes until the next sample, counting the sampled one (≥ 1, mean R). */
  next(): number {
    if (this.logKeep === 0) return 1;
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    const u = (this.state + 1) / 4294967296; // (0, 1]
    return 1 + Math.floor(Math.log(u) / this.logKeep);
  }
}
