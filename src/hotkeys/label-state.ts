// The live state of one (route, label) of the hot-keys tracker (tracker.ts): this step's sketch —
// in the Wasm pool (sketch-pool.ts) or, for a key longer than the pool's inline keys or when the
// pool is full, in JS (space-saving.ts) until the next publish — its lost-sample counters, and
// its last published snapshot.

import type { SketchPool } from "./sketch-pool.js";
import { SpaceSavingSketch, byCountThenKey, type SketchEntry } from "./space-saving.js";

/** An immutable published sketch of one (route, label): keys count descending. */
export interface Snapshot {
  readonly keys: readonly Uint8Array[]; // copies made at publish, never handed out
  readonly counts: readonly number[];
  readonly sampledN: number;
  readonly dropped: number;
  readonly skipped: number;
  readonly atMs: number;
}

const NO_KEYS: readonly Uint8Array[] = Object.freeze([]);
const NO_COUNTS: readonly number[] = Object.freeze([]);

/** Live state of one (route, label). */
export class LabelState {
  /** This step's JS sketch: see `js`. Created at the first drain that has samples for it. */
  private sketch: SpaceSavingSketch | null = null;
  /** This step's sketch in the Wasm pool, or −1. */
  wasm = -1;
  /** This step's samples go to the JS sketch (a key too long for the pool, or the pool was full). */
  js = false;
  dropped = 0;
  skipped = 0;
  released = false;
  snapshot: Snapshot | null = null;

  constructor(private readonly capacity: number) {}

  /** Bytes held in JS: the JS sketch and the published snapshot's key copies (pool sketches not included). */
  get bytes(): number {
    let keys = 0;
    for (const k of this.snapshot?.keys ?? NO_KEYS) keys += k.length;
    return (this.sketch?.bytes ?? 0) + keys;
  }

  /** Counts the key `src[offset, offset + length)` whose `hashBytes` is `hash` in the JS sketch. */
  add(src: Uint8Array, srcWords: Int32Array, offset: number, length: number, hash: number): void {
    this.sketch ??= new SpaceSavingSketch(this.capacity);
    this.sketch.addFrom(src, offset, length, hash, srcWords);
  }

  /** Moves this step's Wasm sketch (drained) into a JS sketch; samples then go there. */
  moveToJs(pool: SketchPool): void {
    if (this.wasm >= 0) {
      this.sketch ??= new SpaceSavingSketch(this.capacity);
      this.sketch.restore(pool.state(this.wasm));
      pool.release(this.wasm);
      this.wasm = -1;
    }
    this.js = true;
  }

  publish(atMs: number, pool: SketchPool): void {
    let entries: SketchEntry[] = [];
    let sampledN = 0;
    if (this.wasm >= 0) {
      entries = pool.entries(this.wasm).sort(byCountThenKey);
      sampledN = pool.total(this.wasm);
      this.dropped += pool.lost(this.wasm);
      if (sampledN > 0) pool.reset(this.wasm);
      else {
        pool.release(this.wasm); // a step without samples: the next sample attaches again
        this.wasm = -1;
      }
    } else if (this.sketch !== null) {
      entries = this.sketch.entries();
      sampledN = this.sketch.total;
      this.sketch = null; // the next step starts in the pool again
    }
    this.js = false;
    this.snapshot = Object.freeze({
      keys: entries.length === 0 ? NO_KEYS : Object.freeze(entries.map((e) => e.key)),
      counts: entries.length === 0 ? NO_COUNTS : Object.freeze(entries.map((e) => e.count)),
      sampledN,
      dropped: this.dropped,
      skipped: this.skipped,
      atMs,
    });
    this.dropped = 0;
    this.skipped = 0;
  }

  /** Gives back this state's pool sketch (the ring must not name it any more: drain first). */
  release(pool: SketchPool): void {
    this.released = true;
    if (this.wasm >= 0) pool.release(this.wasm);
    this.wasm = -1;
  }
}
