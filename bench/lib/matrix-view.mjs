// A synthetic writes view (the matrix builder's input, SeriesView of src/types.ts), folded in
// from bench/matrix.bench.mjs: 10 000 routes, route i covers [key(i), key(i+1)) (first start
// and last end unbounded), every route active in every column (the worst case), Zipf-ish
// activity (a few hot routes), 16 groups, terms 1–3. Building it directly costs ~1 s; filling a
// sampler through observe + flush to the same shape costs ~10 s (see the matrix-e2e variant).
import { rng } from "./random.mjs";

export const MATRIX_ROUTES = 10_000;
export const MATRIX_COLUMNS = 1440;

export function makeView(seed, routes = MATRIX_ROUTES, columnCount = MATRIX_COLUMNS) {
  const random = rng(seed);
  const key = (i) => new TextEncoder().encode(`user:${String(i).padStart(8, "0")}`);
  const metas = Array.from({ length: routes }, (_, i) => ({
    bucketId: `route:${i}`,
    routeId: i,
    label: "",
    start: i === 0 ? null : key(i),
    end: i + 1 === routes ? null : key(i + 1),
    aggregate: false,
    memberRoutes: [i],
    memberRoutesTotal: 1,
    groupId: 1 + (i % 16),
    subBucket: 0,
    subBucketCount: 1,
  }));
  const weight = Float64Array.from({ length: routes }, (_, i) => 1000 / Math.pow(1 + ((i * 7919) % routes), 0.8));
  const ids = Uint32Array.from({ length: routes }, (_, i) => i);
  const terms = Float64Array.from({ length: routes }, (_, i) => 1 + (i % 3));
  const columns = Array.from({ length: columnCount }, (_, c) => ({
    windowStartMs: c * 60_000,
    atMs: (c + 1) * 60_000,
    metaIds: ids,
    values: Float64Array.from(weight, (w) => Math.floor(w * random())),
    terms,
  }));
  return { series: "writes", metas, columns };
}
