// Deterministic pseudo-random numbers, so every process of every round sees the same inputs.

/** A seeded generator of floats in [0, 1) (mulberry32). */
export function rng(seed = 0x2545f491) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [0, n). */
export function below(random, n) {
  return Math.floor(random() * n);
}
