/** A generator of u32 values from `seed` (xorshift32). */
export function xorshift(seed: number): () => number;
