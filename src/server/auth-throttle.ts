// Slow-down of repeated failed authentication, per client address (issue 10.10).
//
// Rule: an address gets `freeFailures` failed attempts for free. After that, every attempt that
// presents a credential from that address (right or wrong) is admitted one at a time, each
// `delay` after the previous one, where `delay` doubles with every further failure up to
// `maxDelayMs`. The delay is applied BEFORE the credential is checked: delaying only wrong
// answers would tell a guesser "wrong" by the missing quick answer, and parallel guesses would
// not be slowed at all. A correct secret is therefore delayed, but never refused; a success
// clears the address's record. Requests without any credential never count (a browser first
// loading the page is not an attacker), and an address forgets its failures after `forgetAfterMs`
// without one.
export interface AuthThrottleOptions {
  freeFailures: number;
  baseDelayMs: number;
  maxDelayMs: number;
  forgetAfterMs: number;
  /** Addresses remembered at most; the least recently failing is forgotten first. */
  maxAddresses: number;
  now?: () => number;
}

interface Record {
  failures: number;
  lastFailureMs: number;
  /** When the next admitted attempt of this address may be checked. */
  nextSlotMs: number;
}

export const AUTH_THROTTLE_DEFAULTS = {
  freeFailures: 5,
  baseDelayMs: 250,
  maxDelayMs: 8000,
  forgetAfterMs: 15 * 60_000,
  maxAddresses: 10_000,
} as const;

export class AuthThrottle {
  private readonly records = new Map<string, Record>();
  private readonly now: () => number;

  constructor(private readonly opts: AuthThrottleOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Milliseconds an attempt from `address` must wait before being checked (0 = check now); reserves its slot. */
  admit(address: string): number {
    const r = this.live(address);
    if (r === undefined || r.failures <= this.opts.freeFailures) return 0;
    const now = this.now();
    const delay = this.delay(r.failures);
    const slot = Math.max(now, r.nextSlotMs) + delay;
    r.nextSlotMs = slot;
    return slot - now;
  }

  failed(address: string): void {
    const now = this.now();
    const r = this.live(address) ?? { failures: 0, lastFailureMs: now, nextSlotMs: 0 };
    r.failures++;
    r.lastFailureMs = now;
    // Re-inserting keeps the Map in last-failure order, so eviction drops the stalest address.
    this.records.delete(address);
    while (this.records.size >= this.opts.maxAddresses) this.records.delete(this.records.keys().next().value!);
    this.records.set(address, r);
  }

  succeeded(address: string): void {
    this.records.delete(address);
  }

  /** Recent failures of `address` (for tests and metrics). */
  failures(address: string): number {
    return this.live(address)?.failures ?? 0;
  }

  private delay(failures: number): number {
    const over = failures - this.opts.freeFailures - 1;
    return Math.min(this.opts.maxDelayMs, this.opts.baseDelayMs * 2 ** Math.min(over, 30));
  }

  private live(address: string): Record | undefined {
    const r = this.records.get(address);
    if (r !== undefined && this.now() - r.lastFailureMs > this.opts.forgetAfterMs) {
      this.records.delete(address);
      return undefined;
    }
    return r;
  }
}

/** Waits `ms` (resolves at once for 0). */
export function pause(ms: number): Promise<void> {
  return ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));
}
