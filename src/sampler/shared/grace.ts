// What a route table shared with workers needs from a shared sampler (its epochs and handles),
// and how a Coordinator finds the shared part of the sampler it was given.
import type { WorkerHandle } from "./layout.js";

/**
 * What a route table shared with workers needs from the sampler's epochs (docs/design.md,
 * "Route lookup in workers"): ids it drops stay counted until no worker can hold them, and its
 * retired versions are reused only once every worker has passed the epoch announcing the next.
 */
export interface WorkerGrace {
  /** Route ids cleared from the index from now on wait for the workers (IndexMirror.deferClears). */
  deferClears(): void;
  /** Announces a table just published (one epoch step); returns the epoch. */
  announce(): number;
  /** Whether every live worker has published `epoch` or later. */
  passed(epoch: number): boolean;
  /** A handle for one more worker. */
  workerHandle(): WorkerHandle;
}

// The shared part of each shared sampler, for a Coordinator created over it (not a public field).
const sharedOf = new WeakMap<object, WorkerGrace>();

/** Remembers that `sampler` counts through `shared` (sampler.ts, once, in shared mode). */
export function registerShared(sampler: object, shared: WorkerGrace): void {
  sharedOf.set(sampler, shared);
}

/** The shared part of `sampler` when it was created with `shared`, else null. */
export function sharedCountingOf(sampler: unknown): WorkerGrace | null {
  return typeof sampler === "object" && sampler !== null ? (sharedOf.get(sampler) ?? null) : null;
}
