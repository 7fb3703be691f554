// The demo's load balancer, the way range-sharded stores do it: after every flushed column it
// splits a route that has been over capacity for SUSTAIN columns in a row (at the middle of its
// key range), and, while there are more routes than the store started with, merges the coldest
// pair of adjacent routes of one group. One change per COOLDOWN columns at most.
import type { Coordinator } from "../routing/coordinator.js";
import type { RouteSpec } from "../routing/route-table.js";
import type { Column } from "../types.js";
import { keyOf, ROUTES, routeSpan } from "./demo-store.js";

const SUSTAIN = 8;
const COOLDOWN = 5;
const WINDOW = 10;

export class DemoBalancer {
  splits = 0;
  merges = 0;
  private readonly streak = new Map<number, number>();
  private readonly recent: Map<number, number>[] = [];
  private sinceChange = COOLDOWN;

  /** `capacity`: requests one route serves per column; `log` gets one line per change. */
  constructor(
    private readonly coordinator: Coordinator,
    private readonly capacity: number,
    private readonly log: (line: string) => void,
  ) {}

  onColumn(column: Column): void {
    const load = new Map<number, number>();
    for (const row of column.rows) {
      if (row.routeId !== null) load.set(row.routeId, (load.get(row.routeId) ?? 0) + row.reads + row.writes);
    }
    this.recent.push(load);
    if (this.recent.length > WINDOW) this.recent.shift();
    for (const r of this.coordinator.table.routes()) {
      this.streak.set(
        r.routeId,
        (load.get(r.routeId) ?? 0) > this.capacity ? (this.streak.get(r.routeId) ?? 0) + 1 : 0,
      );
    }
    if (++this.sinceChange < COOLDOWN) return;
    if (this.splitHot(load) || this.mergeCold()) this.sinceChange = 0;
  }

  private splitHot(load: Map<number, number>): boolean {
    let hot: RouteSpec | undefined;
    for (const r of this.coordinator.table.routes()) {
      if ((this.streak.get(r.routeId) ?? 0) < SUSTAIN) continue;
      if (hot === undefined || (load.get(r.routeId) ?? 0) > (load.get(hot.routeId) ?? 0)) hot = r;
    }
    if (hot === undefined) return false;
    const [lo, hi] = routeSpan(hot);
    const mid = Math.floor((lo + hi) / 2);
    if (mid <= lo) return false;
    const [left, right] = this.coordinator.split(hot.routeId, keyOf(mid));
    this.splits++;
    this.log(
      `split route ${hot.routeId} (over capacity for ${SUSTAIN}+ columns, ${load.get(hot.routeId)} requests in the last) at ${mid} into ${left} and ${right}`,
    );
    return true;
  }

  private mergeCold(): boolean {
    const routes = [...this.coordinator.table.routes()];
    if (routes.length <= ROUTES) return false;
    const total = (id: number) => this.recent.reduce((sum, m) => sum + (m.get(id) ?? 0), 0);
    let best: [RouteSpec, RouteSpec, number] | undefined;
    for (let i = 0; i + 1 < routes.length; i++) {
      const [a, b] = [routes[i]!, routes[i + 1]!];
      if (a.groupId !== b.groupId) continue;
      const sum = total(a.routeId) + total(b.routeId);
      if (best === undefined || sum < best[2]) best = [a, b, sum];
    }
    if (best === undefined || best[2] > (this.capacity * this.recent.length) / 4) return false;
    const merged = this.coordinator.merge(best[0].routeId, best[1].routeId);
    this.merges++;
    this.log(
      `merged cold routes ${best[0].routeId} and ${best[1].routeId} (${best[2]} requests in ${this.recent.length} columns) into ${merged}`,
    );
    return true;
  }
}
