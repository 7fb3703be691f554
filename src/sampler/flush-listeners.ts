// `onFlush` subscribers. A failing listener must not break the flush or the other listeners:
// its error is reported through the sampler's logger and the rest still run.

import { logSafely, type Logger } from "../logger.js";
import type { Column } from "../types.js";
import { errorMessage } from "./timer.js";

export class FlushListeners {
  private readonly listeners = new Set<(column: Column) => void>();

  constructor(private readonly logger: Logger) {}

  get size(): number {
    return this.listeners.size;
  }

  /** Adds `listener`; returns the unsubscribe function. */
  add(listener: (column: Column) => void): () => void {
    if (typeof listener !== "function") throw new TypeError("listener must be a function");
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  notify(column: Column): void {
    for (const listener of this.listeners) {
      try {
        listener(column);
      } catch (e) {
        logSafely(this.logger, "error", `sampler: onFlush listener failed: ${errorMessage(e)}`);
      }
    }
  }
}
