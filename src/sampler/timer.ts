// The flush timer: fires at multiples of stepMs of the sampler's clock, so that nodes sharing a
// step flush at the same instants and their columns line up in the fan-out merge (a plain
// setInterval would tick at whatever offset each node started at). A failing tick is reported
// and the timer goes on; the timer never keeps a Node process alive.

import { logSafely, type Logger } from "../logger.js";

/** setTimeout's longest delay: a longer one fires after 1 ms (with a warning), so it is waited out in parts. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export class AlignedTimer {
  private handle: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly stepMs: number,
    private readonly now: () => number,
    private readonly tick: () => void,
    private readonly logger: Logger,
  ) {}

  get running(): boolean {
    return this.handle !== null;
  }

  start(): void {
    if (this.handle === null) this.schedule();
  }

  stop(): void {
    if (this.handle === null) return;
    clearTimeout(this.handle);
    this.handle = null;
  }

  /** Milliseconds until the clock next reaches a multiple of stepMs (a full step when unknown). */
  private delay(): number {
    let t: number;
    try {
      t = this.now();
    } catch {
      return this.stepMs; // the tick reports a broken clock; the timer must survive it
    }
    if (typeof t !== "number" || !Number.isFinite(t)) return this.stepMs;
    const into = ((t % this.stepMs) + this.stepMs) % this.stepMs;
    return this.stepMs - into;
  }

  private schedule(): void {
    const wait = this.delay();
    const due = wait <= MAX_TIMEOUT_MS; // else only a part of a step above ~24.8 days has passed
    this.handle = setTimeout(
      () => {
        if (due) this.runTick();
        if (this.handle !== null) this.schedule();
      },
      Math.min(wait, MAX_TIMEOUT_MS),
    );
    (this.handle as { unref?: () => void }).unref?.();
  }

  private runTick(): void {
    try {
      this.tick();
    } catch (e) {
      logSafely(this.logger, "error", `sampler: timer flush failed: ${errorMessage(e)}`);
    }
  }
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
