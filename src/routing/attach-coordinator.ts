// The worker side of a Coordinator over a shared sampler: `attachCoordinator(handle)` (handle from
// `coordinator.workerHandle()`, posted to the worker) routes keys by the coordinator's current
// route table and counts them in the shared sampler, as the coordinator's read and write paths
// do on the owner. Splits, merges and table changes stay on the owner; a lookup sees each one
// without locks (shared-table.ts, docs/design.md "Route lookup in workers"). Requests themselves
// go wherever the worker sends them: groups live on the owner, so the worker gets the route and
// group ids.
import { attachSampler, type SharedObserver } from "../sampler/shared/observer.js";
import type { WorkerHandle } from "../sampler/shared/layout.js";
import { isOp } from "../sampler/samples.js";
import type { RouteRef } from "./route-table.js";
import { SharedTableReader } from "./shared-lookup.js";
import { E_GROUP, E_ROUTE } from "./shared-table.js";

/** What `coordinator.workerHandle()` returns: structured-clonable (postMessage it to the worker). */
export interface CoordinatorWorkerHandle {
  readonly keyviz: "shared-coordinator";
  /** This worker's sampler handle (one stripe). */
  readonly sampler: WorkerHandle;
  /** The shared memory holding the coordinator's published route table. */
  readonly routes: WebAssembly.Memory;
}

/**
 * Attaches this thread to the coordinator (and its shared sampler) that made `handle`. One
 * handle, one thread. Throws a TypeError naming what is wrong with a bad handle.
 */
export function attachCoordinator(handle: unknown): SharedRouter {
  if (typeof handle !== "object" || handle === null)
    throw new TypeError("attachCoordinator: handle must be the object coordinator.workerHandle() returned");
  const h = handle as Partial<CoordinatorWorkerHandle>;
  if (h.keyviz !== "shared-coordinator")
    throw new TypeError('attachCoordinator: handle.keyviz must be "shared-coordinator" (a coordinator.workerHandle())');
  if (!(h.routes instanceof WebAssembly.Memory))
    throw new TypeError("attachCoordinator: handle.routes must be a WebAssembly.Memory");
  const table = new SharedTableReader(h.routes);
  return new SharedRouter(table, attachSampler(h.sampler));
}

export class SharedRouter {
  /** Route refs handed out, by route id (ids are never reused, so each keeps its group). */
  private readonly refs = new Map<number, RouteRef>();
  /** The same by route index in the table version `indexedVersion` (an array read, no hashing). */
  private byIndex: (RouteRef | undefined)[] = [];
  private indexedVersion = -1;
  private detached = false;

  constructor(
    private readonly table: SharedTableReader,
    /** The shared sampler's observer of this thread (`observe` by route id, `quiescent`). */
    readonly observer: SharedObserver,
  ) {}

  /**
   * The route holding `key` in the coordinator's current table, as a cached frozen
   * `{ routeId, groupId }`; null once the coordinator closed or this router detached.
   */
  routeForKey(key: Uint8Array): RouteRef | null {
    if (!(key instanceof Uint8Array)) throw new TypeError("key must be a Uint8Array");
    return this.detached ? null : this.refAt(this.table.indexForKey(key));
  }

  /**
   * What the coordinator's read (op 0) and write (op 1) paths count, from this thread: routes
   * `key` and counts one request of it (key bytes + `valueLen`, `label` as `withLabel`) into its
   * route. Returns the route, or null when nothing was counted (bad input: counted as an
   * invalid sample; coordinator closed; detached). Never throws.
   */
  observeKey(op: 0 | 1, key: Uint8Array, valueLen = 0, label = ""): RouteRef | null {
    if (!(key instanceof Uint8Array) || !isOp(op)) {
      this.observer.observeKey(0, op, key, valueLen, label); // counts it as invalid
      return null;
    }
    if (this.detached) return null;
    const ref = this.refAt(this.table.indexForKey(key));
    if (ref !== null) this.observer.observeKey(ref.routeId, op, key, valueLen, label);
    return ref;
  }

  /** See `SharedObserver.quiescent`: also lets the owner reuse old route table versions. */
  quiescent(): void {
    this.observer.quiescent();
  }

  /** This thread stops routing and counting (its counts so far are kept). */
  detach(): void {
    this.detached = true;
    this.observer.detach();
  }

  private refAt(index: number): RouteRef | null {
    if (index < 0) return null;
    const t = this.table;
    if (t.version !== this.indexedVersion) {
      this.byIndex = [];
      this.indexedVersion = t.version;
    }
    return this.byIndex[index] ?? this.refOfEntry(index);
  }

  private refOfEntry(index: number): RouteRef {
    const w = this.table.words;
    const e = this.table.entryAt(index);
    const routeId = w[e + E_ROUTE]!;
    const groupId = w[e + E_GROUP]!;
    let ref = this.refs.get(routeId);
    if (ref === undefined || ref.groupId !== groupId) {
      ref = Object.freeze({ routeId, groupId });
      this.refs.set(routeId, ref);
    }
    this.byIndex[index] = ref;
    return ref;
  }
}
