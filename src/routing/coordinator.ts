// The Coordinator: resolves each key to its route once (Wasm binary search in the route table),
// observes user-facing reads and writes into the sampler, and forwards to the route's group.
// Leadership checks (isLeader/verifyLeader/leader) are internal routing and never observe.
//
// Split and merge keep the heatmap continuous: the new table is validated and staged first, then
// the sampler is told (`replaceRoutes`: it registers the new routes and carries the old routes'
// counts and history over), and only then is the table published, so no request can resolve to
// a route the sampler does not know. New route ids follow the route table's rule: 1 + the largest
// id the table has ever held (a split takes two consecutive ids, left first).
import type { GroupBackend, Mutation } from "./group-backend.js";
import { RouteTable, type RouteChange, type RouteRef, type RouteSpec } from "./route-table.js";
import { sharedCountingOf, type WorkerGrace } from "../sampler/shared/grace.js";
import type { CoordinatorWorkerHandle } from "./attach-coordinator.js";
import type { ReadPool } from "../sampler/read-pools.js";
import { ReadTally } from "./read-tally.js";
import { tableReplacements } from "./table-diff.js";
import { reservedCharIn } from "../validate.js";

export type { ReadPool } from "../sampler/read-pools.js";

/** The part of the sampler a coordinator uses (src/sampler.ts implements it). */
export interface CoordinatorSampler {
  registerRoute(routeId: number, start: Uint8Array | null, end: Uint8Array | null, groupId?: number): boolean;
  removeRoute(routeId: number): void;
  observeKey(routeId: number, op: 0 | 1, key: Uint8Array, valueLen?: number, label?: string): void;
  setLeaderTerm(groupId: number, term: number): void;
  replaceRoutes(oldIds: number[], newRoutes: RouteSpec[]): void;
  /** Optional (Sampler has it): whether `routeId` is registered; lets a failed construction undo its registrations. */
  hasRoute?(routeId: number): boolean;
  /**
   * Optional (Sampler has it): lets the coordinator tally unlabelled reads per route and hand
   * them over in bulk. The sampler calls `drain` before it reads or moves its counters, and
   * `drain` adds the tally through the returned pool. null: reads go through observeKey.
   */
  readPool?(drain: () => void): ReadPool | null;
}

export interface CoordinatorOptions {
  /** The route list (the coordinator builds its own table) or a table to use as is. */
  routes: readonly RouteSpec[] | RouteTable;
  /** Backend of every group a route names, by group id. */
  groups: Map<number, GroupBackend>;
  /** Where observations go; without one the coordinator only routes. */
  sampler?: CoordinatorSampler;
}

const GROUP_METHODS = [
  "linearizableRead",
  "leaseRead",
  "propose",
  "isLeader",
  "verifyLeader",
  "leader",
  "term",
] as const;
const SAMPLER_METHODS = ["registerRoute", "removeRoute", "observeKey", "setLeaderTerm", "replaceRoutes"] as const;

// State shared by a coordinator and its labelled views.
class CoordinatorState {
  closed = false;
  /** Group of each route, by route index of the table version `syncedVersion`. */
  groupsByIndex: GroupBackend[] = [];
  /**
   * Route id of each route, by the same index. A plain array read beside `groupsByIndex` rather
   * than `table.routeAt(i).routeId` (three dependent loads and a bounds test): in the
   * allocation-heavy async read path those loads miss cache, and the lookup measured ~4 % of a
   * lease read (sampler on / off 1.09× → 1.055×, in-process A/B).
   */
  routeIdsByIndex: number[] = [];
  syncedVersion = -1;
  /** The routes as the sampler last learnt them: what a change made behind our back is diffed against. */
  private registered: RouteSpec[] = [];
  readonly unsubscribers: (() => void)[] = [];
  /** Over a shared sampler: its epochs, and the shared memory workers route keys in. */
  shared: { grace: WorkerGrace; routes: WebAssembly.Memory } | null = null;
  /** Where tallied reads go (read-tally.ts); null: every read goes through observeKey. */
  pool: ReadPool | null = null;
  /** With a pool: the groups again, each beside its route's tallied reads, by the same index. */
  tally: ReadTally<GroupBackend> | null = null;

  constructor(
    readonly table: RouteTable,
    readonly groups: Map<number, GroupBackend>,
    readonly sampler: CoordinatorSampler | undefined,
  ) {}

  /** Tallies unlabelled reads from now on, if the sampler takes them in bulk. */
  openReadPool(): void {
    const pool = this.sampler?.readPool?.(() => this.drainReads()) ?? null;
    if (pool === null) return;
    this.pool = pool;
    this.tally = new ReadTally(this.groupsByIndex, this.routeIdsByIndex);
    this.unsubscribers.push(() => {
      this.drainReads();
      this.pool = this.tally = null;
      pool.close();
    });
  }

  /** Hands the tallied reads to the sampler. */
  drainReads(): void {
    if (this.pool !== null) this.tally!.drainInto(this.pool);
  }

  /** Throws when closed; brings the per-route group cache up to the table's version. */
  live(): void {
    if (this.closed) throw new Error("Coordinator is closed");
    if (this.table.version !== this.syncedVersion) this.sync(true);
  }

  // `register` is false right after our own split/merge, whose replaceRoutes already did it.
  sync(register: boolean): void {
    // The tally is by the old indexes: it goes to the routes that held the keys when they were read.
    this.drainReads();
    const table = this.table;
    const byIndex: GroupBackend[] = new Array(table.size);
    const ids: number[] = [];
    for (let i = 0; i < table.size; i++) {
      const ref = table.routeAt(i);
      const group = this.groups.get(ref.groupId);
      if (group === undefined) {
        throw new RangeError(`route ${ref.routeId} belongs to group ${ref.groupId}, which is not in groups`);
      }
      byIndex[i] = group;
      ids.push(ref.routeId);
    }
    const routes = table.routes();
    if (register && this.sampler !== undefined) this.tellSampler(this.sampler, routes);
    this.registered = routes;
    this.groupsByIndex = byIndex;
    this.routeIdsByIndex = ids;
    if (this.pool !== null) this.tally = new ReadTally(byIndex, ids);
    this.syncedVersion = table.version;
  }

  /**
   * The first time, registers every route. After a change made on the table directly (not
   * through split/merge here), each run of routes that changed is a replaceRoutes, so the sampler
   * carries counts and history over as for our own split/merge (registering the new routes over
   * the old ones would overlap them, and every later call would throw).
   */
  private tellSampler(sampler: CoordinatorSampler, routes: RouteSpec[]): void {
    if (this.registered.length === 0) return registerAll(sampler, routes);
    for (const change of tableReplacements(this.registered, routes)) {
      sampler.replaceRoutes(change.oldIds, change.newRoutes);
    }
  }
}

export class Coordinator {
  private readonly state: CoordinatorState;
  private readonly label: string | undefined;

  constructor(options: CoordinatorOptions) {
    if (typeof options !== "object" || options === null) throw new TypeError("options must be an object");
    const { routes, groups, sampler } = options;
    const table = routes instanceof RouteTable ? routes : new RouteTable(routes);
    this.state = new CoordinatorState(table, checkGroups(groups), checkSampler(sampler));
    this.label = undefined;
    // Everything that can refuse the options runs before the sampler is touched: the terms are
    // read and checked, then the routes registered all or none; what follows cannot fail.
    const terms = sampler === undefined ? null : readTerms(this.state.groups);
    this.state.sync(true);
    this.state.openReadPool();
    if (sampler !== undefined) this.followTerms(sampler, terms!);
    const grace = sharedCountingOf(sampler);
    // After the routes are registered: a worker finds no route the sampler does not know.
    if (grace !== null) this.state.shared = { grace, routes: table.shareWithWorkers(grace) };
  }

  /**
   * Over a sampler created with `shared: true`: a structured-clonable handle for one worker
   * thread, where `attachCoordinator(handle)` routes keys through this coordinator's table and
   * counts them (it reserves one of the sampler's worker stripes, as `sampler.workerHandle()`).
   */
  workerHandle(): CoordinatorWorkerHandle {
    const s = this.state;
    s.live();
    if (s.shared === null)
      throw new TypeError("workerHandle() needs a coordinator over a sampler created with shared: true");
    return Object.freeze({
      keyviz: "shared-coordinator",
      sampler: s.shared.grace.workerHandle(),
      routes: s.shared.routes,
    });
  }

  /** The route table (shared with labelled views). Change it through the coordinator. */
  get table(): RouteTable {
    return this.state.table;
  }

  /** A view whose observations carry `label` ("" = unlabeled); it shares everything else. */
  withLabel(label: string): Coordinator {
    if (typeof label !== "string") throw new TypeError("label must be a string");
    const reserved = reservedCharIn(label);
    if (reserved !== undefined) {
      throw new RangeError(`label must not contain "${reserved}", got ${JSON.stringify(label)}`);
    }
    const view = Object.create(Coordinator.prototype) as { state: CoordinatorState; label: string | undefined };
    view.state = this.state;
    view.label = label === "" ? undefined : label;
    return view as unknown as Coordinator;
  }

  /** The route holding `key` (a cached frozen object). */
  routeForKey(key: Uint8Array): RouteRef {
    this.state.live();
    return this.state.table.routeForKey(key);
  }

  /** Linearizable read of `key`; observed as one read before the group's check runs. */
  async linearizableReadForKey(key: Uint8Array): Promise<Uint8Array | undefined> {
    return this.observedRead(key).linearizableRead(key);
  }

  /** Lease read of `key`; observed as one read before the group's check runs. */
  async leaseReadForKey(key: Uint8Array): Promise<Uint8Array | undefined> {
    return this.observedRead(key).leaseRead(key);
  }

  /**
   * Groups `mutations` by route, observes each as one write (keyLen + valueLen), then proposes
   * each route's batch to its group. Batches of different routes are independent: one failing
   * does not undo the others.
   */
  async dispatch(mutations: readonly Mutation[]): Promise<void> {
    const s = this.state;
    s.live();
    checkMutations(mutations);
    const batches = new Map<number, Mutation[]>();
    const groups = new Map<number, GroupBackend>();
    for (const m of mutations) {
      const i = s.table.routeIndexForKey(m.key);
      const routeId = s.routeIdsByIndex[i]!;
      if (s.sampler !== undefined) {
        s.sampler.observeKey(routeId, 1, m.key, m.type === "put" ? m.value!.length : 0, this.label);
      }
      const batch = batches.get(routeId);
      if (batch === undefined) {
        batches.set(routeId, [m]);
        groups.set(routeId, s.groupsByIndex[i]!);
      } else batch.push(m);
    }
    const proposals: Promise<void>[] = [];
    for (const [routeId, batch] of batches) proposals.push(propose(groups.get(routeId)!, batch));
    await Promise.all(proposals);
  }

  /** Whether this node leads the group of `key`'s route. Never observed. */
  isLeaderForKey(key: Uint8Array): boolean {
    return this.groupFor(key).isLeader();
  }

  /** Confirms leadership of `key`'s group with a quorum. Never observed. */
  async verifyLeaderForKey(key: Uint8Array): Promise<void> {
    return this.groupFor(key).verifyLeader();
  }

  /** The leader node of `key`'s group, null when unknown. Never observed. */
  leaderForKey(key: Uint8Array): string | null {
    return this.groupFor(key).leader();
  }

  /** Splits `routeId` at `splitKey` into two new routes; returns `[leftId, rightId]`. */
  split(routeId: number, splitKey: Uint8Array): [number, number] {
    this.state.live();
    const change = this.state.table.planSplit(routeId, splitKey);
    this.apply(change);
    return [change.newRoutes[0]!.routeId, change.newRoutes[1]!.routeId];
  }

  /** Merges `leftId` with the route directly after it (same group); returns the new route id. */
  merge(leftId: number, rightId: number): number {
    this.state.live();
    const change = this.state.table.planMerge(leftId, rightId);
    this.apply(change);
    return change.newRoutes[0]!.routeId;
  }

  /** Stops serving; later calls throw. Groups, the sampler and a passed-in table are left as is. */
  close(): void {
    const s = this.state;
    if (s.closed) return;
    s.closed = true;
    if (s.shared !== null) s.table.stopSharing();
    for (const unsubscribe of s.unsubscribers.splice(0)) unsubscribe();
  }

  private observedRead(key: Uint8Array): GroupBackend {
    const s = this.state;
    s.live();
    const i = s.table.routeIndexForKey(key);
    const tally = s.tally;
    if (tally !== null && this.label === undefined) {
      tally.count(i, key.length);
      return tally.group(i); // the line the count just wrote
    }
    if (s.sampler !== undefined) s.sampler.observeKey(s.routeIdsByIndex[i]!, 0, key, 0, this.label);
    return s.groupsByIndex[i]!;
  }

  private groupFor(key: Uint8Array): GroupBackend {
    const s = this.state;
    s.live();
    return s.groupsByIndex[s.table.routeIndexForKey(key)]!;
  }

  // Stage (validates), tell the sampler, then publish: the sampler knows the new routes first.
  private apply(change: RouteChange): void {
    const s = this.state;
    const staged = s.table.stage(change);
    if (s.sampler !== undefined) s.sampler.replaceRoutes(change.oldIds, change.newRoutes);
    s.table.publish(staged);
    s.sync(false);
  }

  private followTerms(sampler: CoordinatorSampler, terms: ReadonlyMap<number, number>): void {
    const s = this.state;
    for (const [groupId, term] of terms) {
      const group = s.groups.get(groupId)!;
      sampler.setLeaderTerm(groupId, term);
      // Without onTermChange the term read here is the one stamped until the caller sets another
      // (sampler.setLeaderTerm): the coordinator cannot see a change it is not told of.
      if (typeof group.onTermChange === "function") {
        s.unsubscribers.push(
          group.onTermChange((next) => {
            // Not thrown back into the group's own code: a term that is not one is skipped.
            if (!s.closed && isTerm(next)) sampler.setLeaderTerm(groupId, next);
          }),
        );
      }
    }
  }
}

/**
 * Registers every route, all or none: when one is refused (it overlaps a route the caller
 * registered in the sampler before), the ones registered here are removed again, so a
 * coordinator that failed to build leaves the sampler as it found it.
 */
function registerAll(sampler: CoordinatorSampler, routes: readonly RouteSpec[]): void {
  const added: number[] = [];
  try {
    for (const r of routes) {
      const known = sampler.hasRoute?.(r.routeId) ?? true; // unknown: never removed
      sampler.registerRoute(r.routeId, r.start, r.end, r.groupId);
      if (!known) added.push(r.routeId);
    }
  } catch (err) {
    for (const id of added) sampler.removeRoute(id);
    throw err;
  }
}

/** Each group's current term (group 0, "no group", is never stamped: SPEC §3); refuses one that is not a term. */
function readTerms(groups: ReadonlyMap<number, GroupBackend>): Map<number, number> {
  const terms = new Map<number, number>();
  for (const [groupId, group] of groups) {
    if (groupId === 0) continue;
    const term = group.term();
    if (!isTerm(term)) {
      throw new TypeError(`groups: group ${groupId} term() returned ${String(term)}; a term is a non-negative integer`);
    }
    terms.set(groupId, term);
  }
  return terms;
}

function isTerm(term: unknown): term is number {
  return typeof term === "number" && Number.isSafeInteger(term) && term >= 0;
}

function checkGroups(groups: unknown): Map<number, GroupBackend> {
  if (!(groups instanceof Map)) throw new TypeError("groups must be a Map<groupId, GroupBackend>");
  for (const [groupId, group] of groups as Map<unknown, unknown>) {
    if (typeof groupId !== "number" || !Number.isSafeInteger(groupId) || groupId < 0) {
      throw new TypeError(`groups: key ${String(groupId)} must be a non-negative safe integer group id`);
    }
    for (const method of GROUP_METHODS) {
      if (typeof (group as Record<string, unknown> | null)?.[method] !== "function") {
        throw new TypeError(`groups: group ${groupId} must implement ${method}()`);
      }
    }
  }
  // A copy: later changes to the caller's map cannot strand routes.
  return new Map(groups as Map<number, GroupBackend>);
}

function checkSampler(sampler: unknown): CoordinatorSampler | undefined {
  if (sampler === undefined) return undefined;
  for (const method of SAMPLER_METHODS) {
    if (typeof (sampler as Record<string, unknown> | null)?.[method] !== "function") {
      throw new TypeError(`sampler must implement ${method}()`);
    }
  }
  const readPool = (sampler as { readPool?: unknown }).readPool;
  if (readPool !== undefined && typeof readPool !== "function") {
    throw new TypeError("sampler.readPool, when present, must be a function");
  }
  return sampler as CoordinatorSampler;
}

/** `group.propose(batch)`; a group that throws instead of rejecting must not stop the other batches. */
async function propose(group: GroupBackend, batch: Mutation[]): Promise<void> {
  return group.propose(batch);
}

// Validated up front so a bad mutation neither observes nor proposes anything.
function checkMutations(mutations: readonly Mutation[]): void {
  if (!Array.isArray(mutations)) throw new TypeError("mutations must be an array");
  // An index loop, not forEach: forEach skips the holes of a sparse array, which the dispatch
  // loop then meets after observing the mutations before them.
  for (let i = 0; i < mutations.length; i++) {
    const m = mutations[i];
    if (typeof m !== "object" || m === null) throw new TypeError(`mutations[${i}] must be an object`);
    if (m.type !== "put" && m.type !== "del") throw new TypeError(`mutations[${i}].type must be "put" or "del"`);
    if (!(m.key instanceof Uint8Array)) throw new TypeError(`mutations[${i}].key must be a Uint8Array`);
    if (m.type === "put" && !(m.value instanceof Uint8Array)) {
      throw new TypeError(`mutations[${i}].value must be a Uint8Array for a put`);
    }
  }
}
