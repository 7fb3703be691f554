// Samplers filled with history through the public API and a fake clock: the inputs of the
// snapshot, history-memory and matrix benchmarks.
import { importSampler } from "./dist.mjs";
import { boundedRoutes } from "./workload.mjs";

export const STEP_MS = 60_000;
export const T0 = Date.UTC(2025, 0, 1);

/** A fake clock: `clock.now()` for the sampler, `clock.tick()` advances one step. */
export function fakeClock(start = T0) {
  let t = start;
  return { now: () => t, tick: (ms = STEP_MS) => (t += ms) };
}

/**
 * A sampler with `routes` bounded routes (ids 0..routes−1, 16 groups) and `columns` flushed
 * columns in which every route is active in all four series. Counts vary by route and column,
 * with a hot band (routes 20–21 % of the key space, a tenth of the time) so row budgets have
 * something to keep.
 */
export async function filledSampler({ routes, columns, historyColumns = columns }) {
  const { createSampler } = await importSampler();
  const clock = fakeClock();
  const sampler = createSampler({ stepMs: STEP_MS, historyColumns, maxTrackedRoutes: routes, now: clock.now });
  for (const r of boundedRoutes(routes, 16)) sampler.registerRoute(r.routeId, r.start, r.end, r.groupId);
  for (let g = 1; g <= 16; g++) sampler.setLeaderTerm(g, 3);
  const hotLo = Math.floor(routes * 0.2);
  const hotHi = Math.floor(routes * 0.21);
  for (let c = 0; c < columns; c++) {
    const hotColumn = c % 10 === 0;
    for (let r = 0; r < routes; r++) {
      const h = Math.imul(r + 1, 0x9e3779b1) ^ Math.imul(c + 1, 0x85ebca6b);
      const boost = hotColumn && r >= hotLo && r < hotHi ? 20 : 1;
      const reads = (1 + ((h >>> 3) & 3)) * boost;
      const writes = (1 + ((h >>> 7) & 3)) * boost;
      for (let i = 0; i < reads; i++) sampler.observe(r, 0, 20);
      for (let i = 0; i < writes; i++) sampler.observe(r, 1, 20, 100);
    }
    clock.tick();
    sampler.flush();
  }
  return { sampler, clock };
}
