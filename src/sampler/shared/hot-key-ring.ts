// Hot-key samples from a worker to the owner: one single-producer, single-consumer ring of i32
// words per worker in the shared memory. The worker samples its own writes (the same geometric
// countdown as the owner's tracker, hotkeys/sampling.ts) and appends each sample as a record; the
// owner drains every ring at each harvest into its HotKeyTracker, as if the write had been
// offered there. Message passing, no locks: the worker writes a record, then publishes the new
// head with Atomics.store; the owner loads the head (Atomics.load), reads up to it, then
// publishes the new tail (Atomics.store), which the worker loads before reusing that space.
//
// Ring: [head, tail, data × 2^k words]; head and tail count words, wrapping at 2^32 (a multiple of
// the data size, so positions stay continuous across the wrap). Record:
//   routeId, label index (0 = unlabelled), n, then for n ≥ 0 the n key bytes in ⌈n / 4⌉ words
//   (little-endian within a word); n = −1: a sample whose key was longer than maxKeyLen;
//   n ≤ −2: −n − 1 samples dropped because the ring was full (kept in the worker until room).

export const RING_HEAD = 0;
export const RING_TAIL = 1;
export const RING_DATA = 2;
/** Words per worker ring when hot keys are on: 256 KiB of data, ~37 000 samples of 16-byte keys. */
export const DEFAULT_RING_WORDS = RING_DATA + (1 << 16);
const SKIPPED = -1;
/** Pending drops are kept per (route, label) as routeId × LABEL_KEYS + label index. */
const LABEL_KEYS = 128;

/** The worker's end: appends samples (never throws, never blocks; a full ring drops). */
export class RingWriter {
  private readonly size: number;
  private readonly mask: number;
  private head: number;
  private tail: number;
  private readonly drops = new Map<number, number>();

  constructor(private readonly ring: Int32Array) {
    this.size = ring.length - RING_DATA;
    this.mask = this.size - 1;
    this.head = Atomics.load(ring, RING_HEAD);
    this.tail = Atomics.load(ring, RING_TAIL);
  }

  /** One sampled write of `key` on (routeId, label index `li`). */
  sample(routeId: number, li: number, key: Uint8Array, maxKeyLen: number): void {
    const n = key.length > maxKeyLen ? SKIPPED : key.length;
    const words = 3 + (n > 0 ? (n + 3) >> 2 : 0);
    // Drops still kept mean the ring was full: when they do not all fit, this sample does not either.
    if ((this.drops.size > 0 && !this.flushDrops()) || !this.room(words)) {
      const k = routeId * LABEL_KEYS + li;
      this.drops.set(k, (this.drops.get(k) ?? 0) + 1);
      return;
    }
    this.put(routeId);
    this.put(li);
    this.put(n);
    for (let i = 0; i < n; i += 4) {
      this.put(key[i]! | ((key[i + 1] ?? 0) << 8) | ((key[i + 2] ?? 0) << 16) | ((key[i + 3] ?? 0) << 24));
    }
    // Everything written above happens before the owner's reads up to this head.
    Atomics.store(this.ring, RING_HEAD, this.head);
  }

  /** Writes the drops kept while the ring was full, as far as there is room; true when all are. */
  flushDrops(): boolean {
    if (this.drops.size === 0) return true;
    let all = true;
    for (const [k, count] of this.drops) {
      if (!this.room(3)) {
        all = false;
        break;
      }
      this.put(Math.floor(k / LABEL_KEYS));
      this.put(k % LABEL_KEYS);
      this.put(-count - 1);
      this.drops.delete(k);
    }
    Atomics.store(this.ring, RING_HEAD, this.head);
    return all;
  }

  /** Whether `words` fit; loads the owner's tail only when the last one seen leaves too little. */
  private room(words: number): boolean {
    if (this.size - ((this.head - this.tail) | 0) >= words) return true;
    this.tail = Atomics.load(this.ring, RING_TAIL);
    return this.size - ((this.head - this.tail) | 0) >= words;
  }

  private put(word: number): void {
    this.ring[RING_DATA + (this.head & this.mask)] = word;
    this.head = (this.head + 1) | 0;
  }
}

/** Where the owner puts what it drains (its HotKeyTracker, through SharedCounting). */
export interface RingSink {
  /** A sampled key (a view valid only during the call). */
  sample(routeId: number, li: number, key: Uint8Array): void;
  skipped(routeId: number, li: number): void;
  dropped(routeId: number, li: number, count: number): void;
}

/** The owner's end: reads every record up to the published head, then frees their space. */
export function drainRing(ring: Int32Array, scratch: Uint8Array, sink: RingSink): void {
  const mask = ring.length - RING_DATA - 1;
  const head = Atomics.load(ring, RING_HEAD);
  const at = (t: number) => ring[RING_DATA + (t & mask)]!;
  let t = ring[RING_TAIL]!; // only the owner writes it
  while (t !== head) {
    const routeId = at(t);
    const li = at(t + 1);
    const n = at(t + 2);
    t = (t + 3) | 0;
    if (n === SKIPPED) sink.skipped(routeId, li);
    else if (n < 0) sink.dropped(routeId, li, -n - 1);
    else {
      for (let i = 0; i < n; i += 4, t = (t + 1) | 0) {
        const w = at(t);
        scratch[i] = w;
        scratch[i + 1] = w >>> 8;
        scratch[i + 2] = w >>> 16;
        scratch[i + 3] = w >>> 24;
      }
      sink.sample(routeId, li, scratch.subarray(0, n));
    }
  }
  // The reads above happen before the worker reuses this space (it loads the tail first).
  Atomics.store(ring, RING_TAIL, t);
}
