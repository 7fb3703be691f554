// The route table: the sorted, gap-free set of key ranges covering the whole key space, with the
// key → route lookup done by binary search in the `routes` Wasm module (assembly/routes.ts).
//
// Atomic updates: a table version lives in its own region of the instance's memory. `stage`
// validates a new route list and writes it fully into the region the current table does not use;
// `publish` switches the module to that region in one call. A lookup therefore sees the old table
// or the new one, never a mix. Over a shared sampler, every version is also published in shared
// memory for worker threads (shared-table.ts). Route ids are never reused: a new id is 1 + the
// largest id the table has ever held (split takes two consecutive ids, left first; merge takes one).
//
// Over 400 lines: the table and its validation are one concept (validateRoutes is the table's
// rule set, used by stage and by tests); the Wasm layout code is what makes it long.
import type { Key } from "../types.js";
import { commonPrefixLength, compareBytes } from "../keys/bytes.js";
import { previewKey } from "../keys/preview.js";
import { prefixSide, windowHigh, windowLow } from "../keys/window.js";
import { checkId, checkKey } from "../validate.js";
import { MAX_PAGES, PAGE, pagesToMove, WasmArena } from "../wasm/arena.js";
import { instantiateRoutes, type RoutesExports } from "../wasm/routes.wasm.js";
import type { WorkerGrace } from "../sampler/shared/grace.js";
import { SharedTableWriter } from "./shared-table.js";

/** One route: the key range `[start, end)` (null start = lowest, null end = unbounded). */
export interface RouteSpec {
  routeId: number;
  start: Key;
  end: Key;
  groupId: number;
}

/** What a lookup returns: cached per route and frozen, so lookups allocate nothing. */
export interface RouteRef {
  readonly routeId: number;
  readonly groupId: number;
}

/**
 * A planned split or merge: the range covered by `oldIds` is to be covered by `newRoutes`.
 * Pass it to `stage` of the table that planned it, before that table changes.
 */
export interface RouteChange {
  readonly oldIds: number[];
  readonly newRoutes: RouteSpec[];
}

/** A validated route list written into the spare region, ready to `publish` (opaque). */
export interface StagedTable {
  readonly size: number;
}

interface Region {
  ptr: number;
  cap: number;
}

/** How a planned change edits the route list: `remove` routes at index `at` become `add`. */
interface Splice {
  at: number;
  remove: number;
  add: RouteSpec[];
}

interface Plan {
  version: number;
  splice: Splice;
}

interface RegionLayout {
  base: number;
  /** Address of the u64 windows of the start keys after `prefix`. */
  words: number;
  /** Common prefix of every start key but the first (null) one. */
  prefix: Uint8Array;
}

interface Staged extends StagedTable, RegionLayout {
  /** The new list for a replace; undefined for a planned change (applied as a splice). */
  readonly routes: RouteSpec[] | undefined;
  readonly splice: Splice | undefined;
  readonly owner: RouteTable;
  readonly token: number;
  readonly region: number;
  readonly base: number;
}

const ENTRY_BYTES = 8;
const INITIAL_SCRATCH = 1024;
const EMPTY = new Uint8Array(0);
/** The least memory a table gets: 10 000 routes of 160-byte start keys, as `tablePages` sizes them. */
const MIN_PAGES = 128;

/**
 * Pages of Wasm memory for a table first published with `routes`: its two regions (the published
 * layout and the one the next replace stages), each reallocated once at double size (`writeRegion`
 * abandons a region it outgrows), so six layouts; at least MIN_PAGES. The memory is made this big
 * at construction, so neither the first publishes nor a table growing to twice its routes needs
 * more; past that the table moves to a bigger memory (`relocate`). It never grows one: a grow
 * detaches its ArrayBuffer, which slows every typed-array access in the process from then on
 * (scripts/build-wasm.mjs, CALLER_SIZED). Pages are only reserved until touched.
 * Unvalidated input counts what it can; `replace` rejects it right after.
 */
function tablePages(routes: readonly RouteSpec[], heapBase: number): number {
  let layout = 0;
  for (const r of routes) {
    const start = (r as RouteSpec | undefined)?.start;
    layout += ENTRY_BYTES + 8 + (start instanceof Uint8Array ? align8(start.length) : 0);
  }
  const bytes = heapBase + INITIAL_SCRATCH + 6 * layout + 256; // 256: the arena rounds each block up to 16
  // At most all of wasm32: a table too big for it gets the arena's RangeError when it publishes.
  return Math.min(MAX_PAGES, Math.max(MIN_PAGES, Math.ceil(bytes / PAGE)));
}

/** Answers `heapBase` (the same for every instance) for every table made. */
let probe: RoutesExports | undefined;

/** Validates `routes` and builds a table over them (see `RouteTable.replace` for the rules). */
export function createRouteTable(routes: readonly RouteSpec[]): RouteTable {
  return new RouteTable(routes);
}

export class RouteTable {
  /** Replaced, never grown, when the table outgrows its memory (`relocate`). */
  private wasm: RoutesExports;
  private arena: WasmArena;
  private u8: Uint8Array;
  private u32: Uint32Array;
  private scratch: Region = { ptr: 0, cap: 0 };
  private readonly regions: Region[] = [
    { ptr: 0, cap: 0 },
    { ptr: 0, cap: 0 },
  ];
  private active = -1;
  /** What the instance was last told to search (replayed into a new instance by `relocate`). */
  private published = { base: 0, size: 0, words: 0 };
  /** Common start-key prefix of the published table (see `routeIndexForKey`). */
  private prefix: Uint8Array = EMPTY;
  private stageToken = 0;
  private list: RouteSpec[] = [];
  private refs: RouteRef[] = [];
  private byId = new Map<number, RouteSpec>();
  private nextId = 0;
  private ver = 0;
  // Splices of planned changes, kept out of RouteChange so planning copies no route lists.
  private readonly planned = new WeakMap<RouteChange, Plan>();
  /** Every version, also written to shared memory for workers (see `shareWithWorkers`). */
  private shared: { writer: SharedTableWriter; grace: WorkerGrace; users: number } | null = null;

  constructor(routes: readonly RouteSpec[]) {
    if (!Array.isArray(routes)) throw new TypeError("routes must be an array of { routeId, start, end, groupId }");
    probe ??= instantiateRoutes(1);
    this.wasm = instantiateRoutes(tablePages(routes, probe.heapBase()));
    this.arena = new WasmArena(this.wasm.memory, align8(this.wasm.heapBase()));
    this.u8 = new Uint8Array(this.arena.buffer);
    this.u32 = new Uint32Array(this.arena.buffer);
    this.ensureScratch(INITIAL_SCRATCH);
    this.replace(routes);
  }

  /** Number of routes. */
  get size(): number {
    return this.refs.length;
  }

  /** Increments on every publish; lets owners notice a changed table cheaply. */
  get version(): number {
    return this.ver;
  }

  /**
   * Index (in start order) of the route holding `key`. Hot path: one Wasm call, no allocation.
   * Every start but the first shares the table's common prefix: a key that leaves it is below or
   * above them all, and one that keeps it is ordered by its 8-byte window after the prefix, which
   * JS reads into two u32 halves so no key bytes are copied. Only a window equal to a start's
   * (the rest of the bytes decide) takes the full search over the copied key.
   */
  routeIndexForKey(key: Uint8Array): number {
    if (!(key instanceof Uint8Array)) throw new TypeError("key must be a Uint8Array");
    const p = this.prefix.length;
    const side = prefixSide(key, this.prefix, p);
    if (side < 0) return 0;
    if (side > 0) return this.refs.length - 1;
    const hi = windowHigh(key, p);
    const lo = windowLow(key, p);
    const index = this.wasm.routeIndexByWindow(hi, lo);
    return index >= 0 ? index : this.searchCopied(key);
  }

  /** The full search: the key is copied into Wasm memory and compared 8 bytes at a time. */
  private searchCopied(key: Uint8Array): number {
    const len = key.length;
    if (len + 8 > this.scratch.cap) this.ensureScratch(len + 8);
    this.u8.set(key, this.scratch.ptr);
    return this.wasm.routeIndex(len);
  }

  /** The cached `{ routeId, groupId }` of the route at `index` (from `routeIndexForKey`). */
  routeAt(index: number): RouteRef {
    const ref = this.refs[index];
    if (ref === undefined) throw new RangeError(`index must be in [0, ${this.refs.length}), got ${index}`);
    return ref;
  }

  /** The route holding `key`, as a cached frozen object. */
  routeForKey(key: Uint8Array): RouteRef {
    return this.refs[this.routeIndexForKey(key)]!;
  }

  /** Copies of every route, in start order. */
  routes(): RouteSpec[] {
    return this.list.map(copyRoute);
  }

  /** A copy of route `routeId`, or undefined. */
  route(routeId: number): RouteSpec | undefined {
    const r = this.byId.get(routeId);
    return r === undefined ? undefined : copyRoute(r);
  }

  /** The id the next split or merge will use first: 1 + the largest id ever held. */
  nextRouteId(): number {
    return this.nextId;
  }

  /** Validates `routes` and publishes them as the whole table, atomically. */
  replace(routes: readonly RouteSpec[]): void {
    this.publish(this.stage(routes));
  }

  /** Splits `routeId` at `splitKey` into two new routes; returns `[leftId, rightId]`. */
  split(routeId: number, splitKey: Uint8Array): [number, number] {
    const change = this.planSplit(routeId, splitKey);
    this.publish(this.stage(change));
    return [change.newRoutes[0]!.routeId, change.newRoutes[1]!.routeId];
  }

  /** Merges adjacent routes `leftId` and `rightId` (same group) into one new route; returns its id. */
  merge(leftId: number, rightId: number): number {
    const change = this.planMerge(leftId, rightId);
    this.publish(this.stage(change));
    return change.newRoutes[0]!.routeId;
  }

  /** New ids are 1 + the largest ever held: past 2^53 − 1 they would no longer be exact numbers. */
  private checkIdsLeft(needed: number, what: string): void {
    if (this.nextId > Number.MAX_SAFE_INTEGER - (needed - 1)) {
      throw new RangeError(
        `${what}: no route ids left (new ids start at ${this.nextId}, above 2^53 − 1, 1 + the largest id this table held)`,
      );
    }
  }

  /** Describes the split of `routeId` at `splitKey` without changing the table. */
  planSplit(routeId: number, splitKey: Uint8Array): RouteChange {
    const i = this.indexOfId(routeId, "routeId");
    if (!(splitKey instanceof Uint8Array)) throw new TypeError("splitKey must be a Uint8Array");
    const parent = this.list[i]!;
    const lowOk = splitKey.length > 0 && (parent.start === null || compareBytes(parent.start, splitKey) < 0);
    const highOk = parent.end === null || compareBytes(splitKey, parent.end) < 0;
    if (!lowOk || !highOk) {
      throw new RangeError(
        `splitKey ${previewKey(splitKey)} must lie strictly inside route ${routeId} ` +
          `[${previewKey(parent.start)}, ${previewKey(parent.end)})`,
      );
    }
    this.checkIdsLeft(2, "split");
    const key = splitKey.slice();
    const left = { routeId: this.nextId, start: parent.start, end: key, groupId: parent.groupId };
    const right = { routeId: this.nextId + 1, start: key, end: parent.end, groupId: parent.groupId };
    return this.plan([routeId], { at: i, remove: 1, add: [left, right] });
  }

  /** Describes the merge of `leftId` with the route right after it, without changing the table. */
  planMerge(leftId: number, rightId: number): RouteChange {
    const i = this.indexOfId(leftId, "leftId");
    const j = this.indexOfId(rightId, "rightId");
    if (j !== i + 1) throw new RangeError(`route ${rightId} must directly follow route ${leftId} to merge them`);
    const left = this.list[i]!;
    const right = this.list[j]!;
    if (left.groupId !== right.groupId) {
      throw new RangeError(
        `routes ${leftId} (group ${left.groupId}) and ${rightId} (group ${right.groupId}) are in different groups`,
      );
    }
    this.checkIdsLeft(1, "merge");
    const merged = { routeId: this.nextId, start: left.start, end: right.end, groupId: left.groupId };
    return this.plan([leftId, rightId], { at: i, remove: 2, add: [merged] });
  }

  /**
   * Validates a route list (or takes a change planned on the current table) and writes it into
   * the spare region without publishing. Only the most recent staged table can be published;
   * staging again invalidates earlier ones.
   */
  stage(next: readonly RouteSpec[] | RouteChange): StagedTable {
    const region = this.active === 0 ? 1 : 0;
    // The token moves only once the input is valid (a refused one leaves an earlier staged table
    // publishable), and before the spare region is written (which the earlier one lives in).
    if (Array.isArray(next)) {
      const routes = validateRoutes(next);
      const token = ++this.stageToken;
      const layout = this.writeRegion(region, routes.length, (i) => routes[i]!);
      this.shared?.writer.prepare(routes.length, (i) => routes[i]!, layout.prefix);
      return Object.freeze({
        size: routes.length,
        routes,
        splice: undefined,
        owner: this,
        token,
        region,
        ...layout,
      }) as Staged;
    }
    const splice = this.planOf(next as RouteChange).splice;
    const token = ++this.stageToken;
    const { at, remove, add } = splice;
    const size = this.list.length - remove + add.length;
    const routeAt = (i: number) =>
      i < at ? this.list[i]! : i < at + add.length ? add[i - at]! : this.list[i - add.length + remove]!;
    const layout = this.writeRegion(region, size, routeAt);
    this.shared?.writer.prepare(size, routeAt, layout.prefix);
    return Object.freeze({ size, routes: undefined, splice, owner: this, token, region, ...layout }) as Staged;
  }

  /** Switches lookups to a staged table in one step. */
  publish(staged: StagedTable): void {
    const s = staged as Staged;
    if (s.owner !== this || s.token !== this.stageToken) {
      throw new RangeError("staged must be the most recent table staged on this route table");
    }
    this.stageToken++; // a staged table publishes once
    let maxId = -1;
    this.wasm.publish(s.base, s.size, s.words);
    this.published = { base: s.base, size: s.size, words: s.words };
    this.prefix = s.prefix;
    if (s.splice !== undefined) {
      // Edited in place rather than rebuilt: unchanged routes keep their ref objects, and
      // rebuilding 64 K-entry lists and id maps per split costs tens of milliseconds.
      const { at, remove, add } = s.splice;
      for (let k = 0; k < remove; k++) this.byId.delete(this.list[at + k]!.routeId);
      for (const r of add) {
        this.byId.set(r.routeId, r);
        if (r.routeId > maxId) maxId = r.routeId;
      }
      this.list.splice(at, remove, ...add);
      this.refs.splice(at, remove, ...add.map(refOf));
    } else {
      const list = s.routes!;
      this.list = list;
      this.refs = list.map(refOf);
      this.byId = new Map();
      for (const r of list) {
        this.byId.set(r.routeId, r);
        if (r.routeId > maxId) maxId = r.routeId;
      }
    }
    this.active = s.region;
    this.nextId = Math.max(this.nextId, maxId + 1);
    this.ver++;
    this.shared?.writer.publish();
  }

  /**
   * From now on every version is also published in shared memory for the workers of a shared
   * sampler (`grace`: its epochs). Returns the memory (`Coordinator.workerHandle` hands it out).
   * A table is shared with one sampler at most.
   */
  shareWithWorkers(grace: WorkerGrace): WebAssembly.Memory {
    if (this.shared !== null) {
      if (this.shared.grace !== grace)
        throw new RangeError("this route table is already shared with another sampler's workers");
      this.shared.users++; // a second coordinator over the same table and sampler
      return this.shared.writer.memory;
    }
    const writer = new SharedTableWriter(grace);
    this.shared = { writer, grace, users: 1 };
    writer.prepare(this.list.length, (i) => this.list[i]!, this.prefix);
    writer.publish();
    return writer.memory;
  }

  /**
   * One coordinator that shared this table closed. When the last one has, workers' lookups
   * answer null from then on; later versions stay here. (Counted: closing one of two
   * coordinators over one table must not cut off the other's workers.)
   */
  stopSharing(): void {
    if (this.shared === null || --this.shared.users > 0) return;
    this.shared.writer.close();
    this.shared = null;
  }

  private plan(oldIds: number[], splice: Splice): RouteChange {
    const change = Object.freeze({ oldIds, newRoutes: splice.add.map(copyRoute) });
    this.planned.set(change, { version: this.ver, splice });
    return change;
  }

  private planOf(change: RouteChange): Plan {
    const plan = this.planned.get(change);
    if (plan === undefined) throw new TypeError("stage takes a route array or a RouteChange planned by this table");
    if (plan.version !== this.ver) throw new RangeError("the change was planned on an older version of the table");
    return plan;
  }

  private indexOfId(routeId: number, name: string): number {
    if (typeof routeId !== "number") throw new TypeError(`${name} must be a number`);
    const r = this.byId.get(routeId);
    if (r === undefined) throw new RangeError(`${name}: no route ${routeId} in the table`);
    // The route's own start key finds its index.
    return r.start === null ? 0 : this.routeIndexForKey(r.start);
  }

  // Lays out entries, then zero-padded key bytes (the Wasm side swaps them into big-endian
  // words), then each start's 8-byte window after the table's common prefix (see `routeIndexForKey`).
  private writeRegion(index: number, count: number, routeAt: (i: number) => RouteSpec): RegionLayout {
    const prefix = commonStartPrefix(count, routeAt);
    let bytes = count * ENTRY_BYTES + count * 8;
    for (let i = 1; i < count; i++) bytes += align8(routeAt(i).start!.length);
    const region = this.regions[index]!;
    if (region.cap < bytes) {
      // The old space of this region is abandoned; doubling bounds the waste.
      const cap = Math.max(bytes, region.cap * 2);
      region.ptr = this.alloc(cap);
      region.cap = cap;
    }
    const base = region.ptr;
    let words = base + count * ENTRY_BYTES;
    for (let i = 0; i < count; i++) {
      const start = i === 0 ? EMPTY : routeAt(i).start!;
      this.u32[(base >>> 2) + 2 * i] = words;
      this.u32[(base >>> 2) + 2 * i + 1] = start.length;
      this.u8.set(start, words);
      const padded = align8(start.length);
      this.u8.fill(0, words + start.length, words + padded);
      words += padded;
    }
    this.wasm.prepare(base, count);
    const windows = words;
    for (let i = 1; i < count; i++) {
      const start = routeAt(i).start!;
      this.u32[(windows >>> 2) + 2 * i] = windowLow(start, prefix.length); // little-endian u64: low half first
      this.u32[(windows >>> 2) + 2 * i + 1] = windowHigh(start, prefix.length);
    }
    return { base, words: windows, prefix };
  }

  private ensureScratch(bytes: number): void {
    const cap = Math.max(align8(bytes), this.scratch.cap * 2);
    this.scratch = { ptr: this.alloc(cap), cap };
    this.wasm.setScratch(this.scratch.ptr);
  }

  private alloc(bytes: number): number {
    if (!this.arena.fits(bytes)) this.relocate(bytes);
    return this.arena.alloc(bytes);
  }

  /**
   * The table outgrew the memory it was made with (`tablePages`): it moves to a new instance
   * with a bigger memory rather than growing this one, since a grow detaches the buffer and
   * slows every typed-array access in the process from then on. Everything allocated so far
   * (the published layout, the scratch, abandoned regions) is copied to the same addresses, and
   * the new instance is told what the old one searched. Sized for the used bytes and three more
   * allocations of this size (this region, the other one doubling at the next stage, slack),
   * and at least double.
   */
  private relocate(bytes: number): void {
    const used = this.arena.mark();
    const old = this.wasm.memory.buffer;
    const pages = pagesToMove(old.byteLength, used + 3 * (bytes + 16));
    if (pages === 0) return; // at the bound already: the arena's ArenaFull reports it
    const wasm = instantiateRoutes(pages);
    new Uint8Array(wasm.memory.buffer).set(new Uint8Array(old, 0, used));
    const arena = new WasmArena(wasm.memory, align8(wasm.heapBase()));
    arena.alloc(used - arena.mark());
    wasm.setScratch(this.scratch.ptr);
    const { base, size, words } = this.published;
    if (size > 0) wasm.publish(base, size, words);
    this.wasm = wasm;
    this.arena = arena;
    this.u8 = new Uint8Array(arena.buffer);
    this.u32 = new Uint32Array(arena.buffer);
  }
}

/**
 * Checks a route list and returns normalised copies in start order. The list must tile the key
 * space: first start null, last end null, each end equal to the next start, `start < end`, ids
 * and groups non-negative safe integers, ids unique. Empty keys are normalised to null.
 */
export function validateRoutes(routes: readonly RouteSpec[]): RouteSpec[] {
  if (!Array.isArray(routes)) throw new TypeError("routes must be an array");
  if (routes.length === 0) throw new RangeError("routes must not be empty: the table covers the whole key space");
  const copies = routes.map((r, i) => normaliseRoute(r, i));
  copyKeysIntoPool(copies);
  const seen = new Set<number>();
  for (const r of copies) {
    if (seen.has(r.routeId)) throw new RangeError(`routes: duplicate routeId ${r.routeId}`);
    seen.add(r.routeId);
    if (r.start !== null && r.end !== null && compareBytes(r.start, r.end) >= 0) {
      throw new RangeError(`route ${r.routeId}: start ${previewKey(r.start)} must be below end ${previewKey(r.end)}`);
    }
  }
  copies.sort(compareRoutesByStart);
  const first = copies[0]!;
  if (first.start !== null) {
    throw new RangeError(`routes leave a gap below route ${first.routeId}: the first start must be null`);
  }
  for (let i = 1; i < copies.length; i++) checkAdjacent(copies[i - 1]!, copies[i]!);
  const last = copies[copies.length - 1]!;
  if (last.end !== null) {
    throw new RangeError(`routes leave a gap above route ${last.routeId}: the last end must be null`);
  }
  return copies;
}

function checkAdjacent(prev: RouteSpec, next: RouteSpec): void {
  const c = next.start === null || prev.end === null ? 1 : compareBytes(prev.end, next.start);
  if (c === 0) return;
  const where =
    `routes ${prev.routeId} [${previewKey(prev.start)}, ${previewKey(prev.end)}) and ` +
    `${next.routeId} [${previewKey(next.start)}, ${previewKey(next.end)})`;
  throw new RangeError(`${where} ${c > 0 ? "overlap" : "leave a gap"}`);
}

function normaliseRoute(r: RouteSpec, i: number): RouteSpec {
  if (typeof r !== "object" || r === null) throw new TypeError(`routes[${i}] must be an object`);
  const routeId = checkId(`routes[${i}].routeId`, r.routeId);
  const groupId = checkId(`routes[${i}] (route ${routeId}).groupId`, r.groupId);
  const start = checkKey(`route ${routeId} start`, r.start);
  const end = checkKey(`route ${routeId} end`, r.end);
  return { routeId, start, end, groupId };
}

// Copies every key into one buffer, so later changes by the caller cannot reorder the table,
// without allocating a backing store per key (64 K small copies cost more in GC than in copying).
function copyKeysIntoPool(routes: RouteSpec[]): void {
  let bytes = 0;
  for (const r of routes) bytes += (r.start?.length ?? 0) + (r.end?.length ?? 0);
  const pool = new Uint8Array(bytes);
  let at = 0;
  const copy = (k: Key): Key => {
    if (k === null) return null;
    pool.set(k, at);
    at += k.length;
    return pool.subarray(at - k.length, at);
  };
  for (const r of routes) {
    r.start = copy(r.start);
    r.end = copy(r.end);
  }
}

function compareRoutesByStart(a: RouteSpec, b: RouteSpec): number {
  if (a.start === null || b.start === null) {
    if (a.start === b.start) return a.routeId - b.routeId;
    return a.start === null ? -1 : 1;
  }
  return compareBytes(a.start, b.start) || a.routeId - b.routeId;
}

function refOf(r: RouteSpec): RouteRef {
  return Object.freeze({ routeId: r.routeId, groupId: r.groupId });
}

function copyRoute(r: RouteSpec): RouteSpec {
  return { routeId: r.routeId, start: r.start?.slice() ?? null, end: r.end?.slice() ?? null, groupId: r.groupId };
}

function align8(n: number): number {
  return (n + 7) & ~7;
}

/** Longest prefix shared by the start keys of routes 1..count−1 (route 0 starts at null). */
function commonStartPrefix(count: number, routeAt: (i: number) => RouteSpec): Uint8Array {
  if (count < 2) return EMPTY;
  const first = routeAt(1).start!;
  let n = first.length;
  for (let i = 2; i < count && n > 0; i++) n = Math.min(n, commonPrefixLength(first, routeAt(i).start!));
  return first.slice(0, n);
}
