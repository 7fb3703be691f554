// Column times from an untrusted clock. Every flushed column gets a whole-millisecond time
// strictly after the previous column's: a fractional reading (`performance.timeOrigin +
// performance.now()`) is floored; one that went back, stood still, or is not a number in
// [0, 2^53) is stepped to the previous column's time + 1 ms, and counted. The fan-out merge, the
// history and every reader rely on column times increasing, and the files store whole
// non-negative milliseconds; a wrong clock must corrupt neither.

export class ColumnClock {
  /** Flushes whose clock reading was not after the previous column (or not finite). */
  anomalies = 0;
  /** Time of the last column; -Infinity before the first. */
  private lastAtMs = -Infinity;
  /** End of the last window (construction time before the first flush). */
  private lastFlushMs: number;

  constructor(
    private readonly now: () => number,
    private readonly stepMs: number,
  ) {
    this.lastFlushMs = this.read();
  }

  /**
   * Columns recovered from storage end at `atMs`: the next column comes after it, and so does
   * its window's start (a clock that has not passed `atMs` since, or went back across the
   * restart, would otherwise open the window before the last recovered column's end).
   */
  resumeAfter(atMs: number): void {
    if (atMs > this.lastAtMs) this.lastAtMs = atMs;
    if (atMs > this.lastFlushMs) this.lastFlushMs = atMs;
  }

  /** The clock, or the last column's time when it returns something that is not a finite number. */
  read(): number {
    const t = wholeMs(this.now());
    if (t !== null) return t;
    return Number.isFinite(this.lastAtMs) ? this.lastAtMs : 0;
  }

  /** The window `(windowStartMs, atMs]` of the next column; call once per flush. */
  nextColumn(): { windowStartMs: number; atMs: number } {
    const t = wholeMs(this.now());
    let atMs = t ?? NaN;
    if (t === null || t <= this.lastAtMs) {
      this.anomalies++;
      atMs = Number.isFinite(this.lastAtMs)
        ? this.lastAtMs + 1
        : Number.isFinite(this.lastFlushMs)
          ? this.lastFlushMs
          : 0;
    }
    const windowStartMs = this.lastFlushMs < atMs ? this.lastFlushMs : atMs - this.stepMs;
    this.lastAtMs = atMs;
    this.lastFlushMs = atMs;
    return { windowStartMs, atMs };
  }
}

/** A clock reading as whole milliseconds, or null when it is not a number in [0, 2^53). */
function wholeMs(t: unknown): number | null {
  return typeof t === "number" && t >= 0 && t <= Number.MAX_SAFE_INTEGER ? Math.floor(t) : null;
}
