// The tests' seeded xorshift32, shared by the TS tests and the worker scripts (plain .mjs).

/** @param {number} seed @returns {() => number} a generator of u32 values */
export function xorshift(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}
