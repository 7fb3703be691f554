// Small test utilities shared by the sampler, wire and server tests.
import { createSampler, type Sampler } from "../src/sampler/sampler.js";
import type { SamplerOptions } from "../src/sampler/options.js";
import type { Column, Key, Row } from "../src/types.js";
import type { HotKeysResponse } from "../src/hotkeys/response.js";

export const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
export const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);

/** A sampler on a hand-driven clock. */
export function clockedSampler(opts: SamplerOptions = {}): {
  s: Sampler;
  clock: { now: number };
  tick: (ms?: number) => void;
} {
  const clock = { now: 1_000_000 };
  const s = createSampler({ stepMs: 1000, ...opts, now: () => clock.now });
  return { s, clock, tick: (ms = 1000) => void (clock.now += ms) };
}

export function totals(cols: Column[]): { reads: number; writes: number; readBytes: number; writeBytes: number } {
  const t = { reads: 0, writes: 0, readBytes: 0, writeBytes: 0 };
  for (const c of cols)
    for (const r of c.rows) {
      t.reads += r.reads;
      t.writes += r.writes;
      t.readBytes += r.readBytes;
      t.writeBytes += r.writeBytes;
    }
  return t;
}

function cmp(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** Start-vs-start order (null lowest). */
export function cmpStart(a: Key, b: Key): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  return cmp(a, b);
}

/** True when `key` lies in `[start, end)`. */
export function inRange(key: Uint8Array, start: Key, end: Key): boolean {
  return (start === null || cmp(key, start) >= 0) && (end === null || cmp(key, end) < 0);
}

/** Asserts rows are sorted by start and that rows of different ranges never overlap. */
export function assertProperAxis(rows: Row[]): void {
  for (let i = 1; i < rows.length; i++) {
    const a = rows[i - 1]!;
    const b = rows[i]!;
    if (cmpStart(a.start, b.start) > 0) throw new Error(`rows out of order: ${a.bucketId} before ${b.bucketId}`);
    const sameRange = cmpStart(a.start, b.start) === 0 && cmpStart(a.end, b.end) === 0;
    if (sameRange) {
      // labelled rows of one bucket share its range; two rows of one label there would overlap
      if (a.label === b.label || a.routeId !== b.routeId)
        throw new Error(`rows overlap: ${a.bucketId} and ${b.bucketId}`);
      continue;
    }
    if (a.end === null || (b.start !== null && cmp(a.end, b.start) > 0)) {
      throw new Error(`rows overlap: ${a.bucketId} and ${b.bucketId}`);
    }
  }
}

/** A hot-keys answer (SPEC §7) of route 7 with `keys` as [text key, count] pairs. */
export function hotKeysAnswer(keys: [string, number][], extra: Partial<HotKeysResponse> = {}): HotKeysResponse {
  return {
    route_id: 7,
    series: "writes",
    keys: keys.map(([k, count]) => ({ key_b64: Buffer.from(k).toString("base64"), count })),
    approximate: true,
    sample_rate: 16,
    sampled_n: 10,
    dropped_samples: 0,
    skipped_long_keys: 0,
    degraded: false,
    error_bound: 2,
    snapshot_at: "2026-01-01T00:00:00.000Z",
    ...extra,
  };
}
