// A route table's published versions in a shared, growable `WebAssembly.Memory`, so worker
// threads can route keys without the owner (src/routing/shared-lookup.ts reads it). Used when a
// Coordinator is created over a sampler made with `shared: true`.
//
// Read-copy-update: every version is written whole into a buffer no worker can be reading, then
// one `Atomics.store` of its address into the header word CURRENT publishes it. A retired buffer
// is written again only once every live worker has published an epoch at least the one
// announced right after its successor was published (`WorkerGrace`): a worker publishes epochs
// only between tasks, so none is still inside a lookup of it. docs/design.md, "Route lookup in
// workers", has the argument.
//
// Memory: header (HEADER_WORDS), then buffers. A buffer (word offset `b`, all i32):
//   b+0 route count   b+1 common start prefix length   b+2 prefix byte offset   b+3 end byte
//   b+4 version       b+5 word offset of the windows
//   then per route (start order) ENTRY_WORDS words: routeId, groupId, start key byte offset,
//   start key length; then per route its window (the 8 start bytes after the prefix, as in
//   route-table.ts) as two words, high then low, each XOR 2^31 so that signed comparison
//   orders them as unsigned; then the prefix and key bytes.
import type { WorkerGrace } from "../sampler/shared/grace.js";
import type { RouteSpec } from "./route-table.js";
import { windowHigh, windowLow } from "../keys/window.js";

/** "kvzr": marks a keyviz shared route table memory (and its layout version). */
export const TABLE_MAGIC = 0x6b767a72;
export const HEADER_WORDS = 4;
export const H_MAGIC = 0;
/** Word offset of the published buffer; 0 = none (the coordinator was closed). */
export const H_CURRENT = 1;
export const B_COUNT = 0;
export const B_PREFIX_LEN = 1;
export const B_PREFIX_AT = 2;
export const B_END = 3;
export const B_VERSION = 4;
export const B_WINDOWS = 5;
export const B_ENTRIES = 8;
export const ENTRY_WORDS = 4;
export const E_ROUTE = 0;
export const E_GROUP = 1;
export const E_KEY_AT = 2;
export const E_KEY_LEN = 3;
/** Windows are stored XOR this: signed i32 comparison then orders them as unsigned u32. */
export const FLIP = 0x80000000;

const PAGE = 65536;
/** 512 MiB: address space reserved per shared table (shared memories cannot move when grown). */
const MAX_PAGES = 8192;

interface Buffer {
  /** Word offset. */
  at: number;
  words: number;
  /** Epoch after which no worker can read it; null while current or being written. */
  retiredAt: number | null;
  /** Never published since written (a prepared version dropped): reusable at once. */
  free: boolean;
}

export class SharedTableWriter {
  readonly memory: WebAssembly.Memory;
  private w: Int32Array;
  private u8: Uint8Array;
  private readonly buffers: Buffer[] = [];
  private top = HEADER_WORDS;
  private current: Buffer | null = null;
  private prepared: Buffer | null = null;
  private version = 0;

  constructor(private readonly grace: WorkerGrace) {
    if (typeof SharedArrayBuffer === "undefined")
      throw new Error("a shared route table needs SharedArrayBuffer, which this environment does not provide");
    this.memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
    this.w = new Int32Array(this.memory.buffer);
    this.u8 = new Uint8Array(this.memory.buffer);
    Atomics.store(this.w, H_MAGIC, TABLE_MAGIC);
    grace.deferClears();
  }

  /** Bytes of shared memory the table uses now. */
  get memoryBytes(): number {
    return this.memory.buffer.byteLength;
  }

  /**
   * Writes a table version (not published yet) into a buffer no worker can be reading: a
   * retired one every worker has passed, or new space. Throws a RangeError before anything is
   * published when the memory is full. A version prepared and never published is dropped by the
   * next `prepare`.
   */
  prepare(count: number, routeAt: (i: number) => RouteSpec, prefix: Uint8Array): void {
    let bytes = prefix.length;
    for (let i = 0; i < count; i++) {
      const r = routeAt(i);
      if (r.routeId > 0x7fffffff || r.groupId > 0x7fffffff)
        throw new RangeError(
          `route ${r.routeId} (group ${r.groupId}): a table shared with workers holds ids below 2^31`,
        );
      if (i > 0) bytes += r.start!.length;
    }
    const words = B_ENTRIES + count * (ENTRY_WORDS + 2) + Math.ceil(bytes / 4);
    if (this.prepared !== null) this.prepared.free = true;
    const b = this.bufferOf(words);
    this.prepared = b;
    const { w, u8 } = this;
    const windows = b.at + B_ENTRIES + count * ENTRY_WORDS;
    let byte = (windows + 2 * count) * 4;
    w[b.at + B_COUNT] = count;
    w[b.at + B_WINDOWS] = windows;
    w[b.at + B_PREFIX_LEN] = prefix.length;
    w[b.at + B_PREFIX_AT] = byte;
    u8.set(prefix, byte);
    byte += prefix.length;
    for (let i = 0; i < count; i++) {
      const r = routeAt(i);
      const e = b.at + B_ENTRIES + i * ENTRY_WORDS;
      w[e + E_ROUTE] = r.routeId;
      w[e + E_GROUP] = r.groupId;
      const start = i === 0 || r.start === null ? null : r.start;
      w[windows + 2 * i] = start === null ? FLIP : windowHigh(start, prefix.length) ^ FLIP;
      w[windows + 2 * i + 1] = start === null ? FLIP : windowLow(start, prefix.length) ^ FLIP;
      w[e + E_KEY_AT] = byte;
      w[e + E_KEY_LEN] = start === null ? 0 : start.length;
      if (start !== null) u8.set(start, byte);
      byte += start === null ? 0 : start.length;
    }
    w[b.at + B_END] = byte;
    w[b.at + B_VERSION] = ++this.version;
  }

  /** Publishes the prepared version: later lookups in every thread search it. */
  publish(): void {
    const b = this.prepared;
    if (b === null) throw new Error("SharedTableWriter.publish: nothing prepared");
    this.prepared = null;
    // Everything written into `b` happens before any lookup that loads this address.
    Atomics.store(this.w, H_CURRENT, b.at);
    const old = this.current;
    this.current = b;
    // One epoch step after the store: a worker that has published it loads the new address.
    const epoch = this.grace.announce();
    if (old !== null) old.retiredAt = epoch;
  }

  /** Lookups in workers return null from now on (the coordinator closed). */
  close(): void {
    Atomics.store(this.w, H_CURRENT, 0);
  }

  /** A buffer of at least `words` words nobody reads: a passed retired one, else new space. */
  private bufferOf(words: number): Buffer {
    for (const b of this.buffers) {
      if (b.words < words) continue;
      if (!b.free && (b.retiredAt === null || !this.grace.passed(b.retiredAt))) continue;
      b.retiredAt = null;
      b.free = false;
      return b;
    }
    // Room to grow: a table that grows by splits reuses its buffers for a while.
    const size = Math.ceil(words * 1.25) + 16;
    this.ensure(this.top + size);
    const b: Buffer = { at: this.top, words: size, retiredAt: null, free: false };
    this.top += size;
    this.buffers.push(b);
    return b;
  }

  private ensure(wordsNeeded: number): void {
    const have = this.memory.buffer.byteLength;
    const need = wordsNeeded * 4;
    if (need <= have) return;
    const pages = Math.ceil((need - have) / PAGE);
    if (have / PAGE + pages > MAX_PAGES) {
      throw new RangeError(
        `the shared route table needs more than ${MAX_PAGES * (PAGE >> 20)} MiB: a worker holds back the reuse of ` +
          `old table versions (one that never lets its event loop turn must call quiescent(); release exited workers)`,
      );
    }
    // Grown by half at least, so a growing table does not grow the memory at every version.
    this.memory.grow(Math.min(MAX_PAGES - have / PAGE, Math.max(pages, Math.ceil(have / PAGE / 2))));
    this.w = new Int32Array(this.memory.buffer);
    this.u8 = new Uint8Array(this.memory.buffer);
  }
}
