// The layout of a shared sampler's `WebAssembly.Memory` (shared: true), known to the owner and to
// every attached worker: both derive every offset from the header words, so a handle carries
// only the memory, its stripe number and the labels. All regions are 32-bit words except the
// prefix bytes. See docs/design.md, "Shared sampler", for what each region is for.
//
//   header   HEADER_WORDS        magic, epoch, parameters (below)
//   workers  maxWorkers × 4      per stripe: state and ticket, published epoch, invalid samples, spare
//   kOf      slots               effective sub-bucket count of each slot's range (0 = none)
//   prefix   slots               common-prefix length of each slot's range
//   edges    slots × (K−1) × 2   interior sub-bucket edges as (high, low) u32 windows   [K > 1]
//   pbytes   slots × PREFIX_CAP  first bytes of each slot's start key                    [K > 1]
//   index    (labels+1) × idLimit  route id → per label, 1 + the stripe word where the slot's
//                                 counters start (slot × K × CELL_WORDS; 0 = not registered)
//   stripes  maxWorkers × (cells + 1) × CELL_WORDS  one per worker; the last cell counts misses
//   rings    maxWorkers × ringWords   hot-key samples of each worker (hot-key-ring.ts) [hot keys on]

/** "kvz1": marks a keyviz shared sampler memory (and its layout version). */
export const MAGIC = 0x6b767a31;
export const HEADER_WORDS = 16;
/** Header word indexes. */
export const H_MAGIC = 0;
export const H_EPOCH = 1;
export const H_WORKERS = 2;
export const H_SLOTS = 3;
export const H_MAX_K = 4;
export const H_LABELS = 5;
export const H_ID_LIMIT = 6;
/** Hot keys (0 = off): sample rate R, longest key tracked, sampling seed, ring words per worker. */
export const H_HOT_RATE = 7;
export const H_HOT_MAX_KEY = 8;
export const H_HOT_SEED = 9;
export const H_RING_WORDS = 10;

/** Words per worker in the workers region, and their meaning. */
export const WORKER_WORDS = 4;
/**
 * The stripe's state (low 2 bits) and ticket (the other 30), in one word so that every change is
 * one compare-exchange of both: the ticket is bumped each time the stripe is handed out and a
 * handle carries the one it was issued with, so a handle released earlier can neither attach to
 * the stripe's next worker nor release or detach it, whatever the threads interleave.
 */
export const W_STATE = 0;
export const W_EPOCH = 1;
export const W_INVALID = 2;
/** Worker stripe states. */
export const FREE = 0;
export const RESERVED = 1;
export const ATTACHED = 2;
export const RELEASED = 3;
export const TICKET_LIMIT = 2 ** 30;

export const stripeState = (word: number): number => word & 3;
export const stripeTicket = (word: number): number => word >>> 2;
export const stripeWord = (ticket: number, state: number): number => (ticket << 2) | state;

/**
 * Words per cell in a stripe: reads, writes, then the byte totals split in two wrapping u32
 * counters each, the low 16 bits of every sample and the rest (see docs/design.md, "wrap bound").
 */
export const CELL_WORDS = 6;
/** Start-key bytes published per slot for sub-bucket routing in workers. */
export const PREFIX_CAP = 64;
/** Route ids accepted in shared mode by default (ids below it). */
export const DEFAULT_ID_LIMIT = 1 << 20;
export const MAX_ID_LIMIT = 1 << 24;
export const DEFAULT_MAX_WORKERS = 8;
export const MAX_WORKERS = 256;
const PAGE = 65536;
const MAX_PAGES = 65536;

export interface LayoutParams {
  maxWorkers: number;
  slots: number;
  maxK: number;
  labels: number;
  idLimit: number;
  /** Words of each worker's hot-key sample ring (0: hot keys off). */
  ringWords: number;
}

/** Word offsets of each region. */
export interface Layout extends LayoutParams {
  cells: number;
  workers: number;
  kOf: number;
  prefix: number;
  edges: number;
  /** Byte offset. */
  pbytes: number;
  index: number;
  stripes: number;
  stripeWords: number;
  rings: number;
  totalBytes: number;
}

export function computeLayout(p: LayoutParams): Layout {
  const cells = p.slots * p.maxK;
  const workers = HEADER_WORDS;
  const kOf = workers + p.maxWorkers * WORKER_WORDS;
  const prefix = kOf + p.slots;
  const edges = prefix + p.slots;
  const edgeWords = p.maxK > 1 ? p.slots * (p.maxK - 1) * 2 : 0;
  const pbytesWords = p.maxK > 1 ? (p.slots * PREFIX_CAP) / 4 : 0;
  const pbytes = (edges + edgeWords) * 4;
  const index = edges + edgeWords + pbytesWords;
  const stripes = Math.ceil((index + (p.labels + 1) * p.idLimit) / 16) * 16;
  // Whole cache lines per stripe (16 words = 64 bytes): two workers never write one line.
  const stripeWords = Math.ceil(((cells + 1) * CELL_WORDS) / 16) * 16;
  const rings = stripes + p.maxWorkers * stripeWords;
  const totalBytes = (rings + p.maxWorkers * p.ringWords) * 4;
  return { ...p, cells, workers, kOf, prefix, edges, pbytes, index, stripes, stripeWords, rings, totalBytes };
}

/** A shared memory holding `layout`, its header written. */
export function createSharedMemory(layout: Layout): WebAssembly.Memory {
  if (typeof SharedArrayBuffer === "undefined") {
    throw new Error(
      "shared: true needs SharedArrayBuffer, which this environment does not provide; in a browser, serve the page " +
        "cross-origin isolated (Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)",
    );
  }
  const pages = Math.ceil(layout.totalBytes / PAGE);
  if (pages > MAX_PAGES) {
    throw new RangeError(
      `shared sampler needs ${layout.totalBytes} bytes of shared memory, more than 4 GiB: lower maxWorkers, routeIdLimit or maxTrackedRoutes`,
    );
  }
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
  const h = new Int32Array(memory.buffer, 0, HEADER_WORDS);
  h[H_WORKERS] = layout.maxWorkers;
  h[H_SLOTS] = layout.slots;
  h[H_MAX_K] = layout.maxK;
  h[H_LABELS] = layout.labels;
  h[H_ID_LIMIT] = layout.idLimit;
  h[H_RING_WORDS] = layout.ringWords;
  Atomics.store(h, H_MAGIC, MAGIC);
  return memory;
}

/** What `sampler.workerHandle()` returns: structured-clonable (postMessage it to the worker). */
export interface WorkerHandle {
  readonly keyviz: "shared-sampler";
  readonly memory: WebAssembly.Memory;
  readonly stripe: number;
  /** Which handing-out of the stripe this is (the high 30 bits of its W_STATE word). */
  readonly ticket: number;
  readonly labels: readonly string[];
}

/**
 * Checks a handle received by a worker and reads the layout from its memory's header. Throws a
 * TypeError naming what is wrong (a handle from elsewhere, a non-shared memory, a bad stripe).
 */
export function readHandle(handle: unknown): { handle: WorkerHandle; layout: Layout } {
  if (typeof handle !== "object" || handle === null)
    throw new TypeError("attachSampler: handle must be the object sampler.workerHandle() returned");
  const h = handle as Partial<WorkerHandle>;
  if (h.keyviz !== "shared-sampler")
    throw new TypeError(
      'attachSampler: handle.keyviz must be "shared-sampler" (not a handle from sampler.workerHandle())',
    );
  if (!(h.memory instanceof WebAssembly.Memory))
    throw new TypeError("attachSampler: handle.memory must be a WebAssembly.Memory");
  const buffer = h.memory.buffer as ArrayBufferLike;
  const bytes = buffer.byteLength;
  if (typeof SharedArrayBuffer === "undefined" || !(buffer instanceof SharedArrayBuffer)) {
    throw new TypeError("attachSampler: handle.memory is not shared (create the sampler with shared: true)");
  }
  if (!Array.isArray(h.labels) || !h.labels.every((l) => typeof l === "string"))
    throw new TypeError("attachSampler: handle.labels must be an array of strings");
  if (bytes < HEADER_WORDS * 4)
    throw new TypeError("attachSampler: handle.memory is too small to be a shared sampler's");
  const head = new Int32Array(buffer, 0, HEADER_WORDS);
  if (Atomics.load(head, H_MAGIC) !== MAGIC)
    throw new TypeError("attachSampler: handle.memory is not a keyviz shared sampler memory");
  const layout = computeLayout({
    maxWorkers: head[H_WORKERS]!,
    slots: head[H_SLOTS]!,
    maxK: head[H_MAX_K]!,
    labels: head[H_LABELS]!,
    idLimit: head[H_ID_LIMIT]!,
    ringWords: head[H_RING_WORDS]!,
  });
  if (layout.totalBytes > bytes || layout.labels !== h.labels.length) {
    throw new TypeError("attachSampler: handle.memory does not match its header (corrupt handle)");
  }
  if (typeof h.stripe !== "number" || !Number.isInteger(h.stripe) || h.stripe < 0 || h.stripe >= layout.maxWorkers) {
    throw new TypeError(`attachSampler: handle.stripe must be an integer in [0, ${layout.maxWorkers})`);
  }
  if (typeof h.ticket !== "number" || !Number.isInteger(h.ticket) || h.ticket < 0 || h.ticket >= TICKET_LIMIT)
    throw new TypeError(
      "attachSampler: handle.ticket must be an integer in [0, 2^30) (a handle from sampler.workerHandle())",
    );
  return { handle: h as WorkerHandle, layout };
}
