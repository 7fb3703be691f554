// The view state's URL round trip and the grid model's stream merge, without a browser.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { appendColumn, gridFromMatrix, resolveWindow } from "../../src/web/data/grid.js";
import { decodeState, defaultState, encodeState, type ViewState } from "../../src/web/state.js";
import { encodeKey, type Matrix } from "../../src/wire/wire.js";
import type { ColumnEvent } from "../../src/server/column-event.js";

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const window = fc
  .tuple(fc.integer({ min: 0, max: 2e12 }), fc.integer({ min: 0, max: 1e9 }))
  .map(([from, len]) => ({ fromMs: from, toMs: from + len }));
const key = fc.option(
  fc.uint8Array({ minLength: 1, maxLength: 12 }).map((b) => encodeKey(b)),
  { nil: null },
);

const stateArb: fc.Arbitrary<ViewState> = fc
  .record({
    source: fc.constantFrom("live" as const, "file" as const),
    series: fc.constantFrom("reads" as const, "writes" as const, "read_bytes" as const, "write_bytes" as const),
    rows: fc.integer({ min: 1, max: 1024 }),
    refresh: fc.constantFrom("live" as const, "off" as const, "5s" as const, "30s" as const),
    scale: fc.constantFrom("log" as const, "linear" as const),
    brightness: fc.integer({ min: -8, max: 16 }).map((e) => 2 ** (e / 4)),
    palette: fc.constantFrom("viridis" as const, "reference" as const),
    view: fc.constantFrom("heat" as const, "diff" as const),
    stepMs: fc.integer({ min: 0, max: 86_400_000 }),
    speed: fc.constantFrom(1, 10, 60, 100, 300, 1000),
    time: fc.option(window, { nil: undefined }),
    keys: fc.option(fc.record({ start: key, end: key }), { nil: undefined }),
    diffA: fc.option(window, { nil: undefined }),
    diffB: fc.option(window, { nil: undefined }),
    cursorMs: fc.option(fc.integer({ min: 0, max: 2e12 }), { nil: undefined }),
  })
  .map((s) => Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined)) as unknown as ViewState);

describe("view state in the URL", () => {
  it("round-trips every state", () => {
    fc.assert(
      fc.property(stateArb, (s) => {
        expect(decodeState(`#${encodeState(s)}`)).toEqual(s);
      }),
    );
  });

  it("keeps the default link empty and falls back to defaults on anything invalid", () => {
    expect(encodeState(defaultState())).toBe("");
    expect(decodeState("#series=nope&rows=0&b=999&t=5.1&k=%%%&scale=cubic")).toEqual(defaultState());
    expect(decodeState("rows=2048")).toEqual(defaultState());
    // Badly padded base64 passed the old pattern and made the page throw when it decoded the key.
    expect(decodeState("k=abc._").keys).toBeUndefined();
    expect(decodeState("k=YWJj._").keys).toEqual({ start: "YWJj", end: null });
  });
});

function matrix(
  rows: { id: string; start: string | null; end: string | null; values: number[] }[],
  times: number[],
): Matrix {
  return {
    column_unix_ms: times,
    series: "writes",
    generated_at: "2026-11-30T12:00:00.000Z",
    rows: rows.map((r) => ({
      bucket_id: r.id,
      start: r.start === null ? null : encodeKey(enc(r.start)),
      end: r.end === null ? null : encodeKey(enc(r.end)),
      aggregate: r.id.startsWith("merged:"),
      route_count: 1,
      values: r.values,
      raft_group_ids: r.values.map(() => 1),
      leader_terms: r.values.map(() => 0),
    })),
  };
}

function event(
  at: number,
  rows: { id: string; start: string | null; end: string | null; value: number }[],
): ColumnEvent {
  return {
    column_unix_ms: at,
    window_start_unix_ms: at - 1000,
    series: "writes",
    rows: rows.map((r) => ({
      bucket_id: r.id,
      start: r.start === null ? null : encodeKey(enc(r.start)),
      end: r.end === null ? null : encodeKey(enc(r.end)),
      value: r.value,
      aggregate: false,
      route_count: 1,
      raft_group_id: 2,
      leader_term: 7,
    })),
  };
}

describe("grid: stream columns", () => {
  const base = gridFromMatrix(
    matrix(
      [
        { id: "route:1", start: null, end: "c", values: [1, 2] },
        { id: "merged:route:2..route:5", start: "c", end: "m", values: [3, 4] },
        { id: "route:9", start: "t", end: null, values: [5, 6] },
      ],
      [1000, 2000],
    ),
  );

  it("adds a bucket to its own row, to the merged row holding its key, or as a new row in key order", () => {
    const next = appendColumn(
      base,
      event(3000, [
        { id: "route:1", start: null, end: "c", value: 10 },
        { id: "route:3", start: "f", end: "g", value: 20 },
        { id: "route:4", start: "g", end: "h", value: 1 },
        { id: "route:7", start: "p", end: "t", value: 30 },
      ]),
      10,
    )!;
    expect(next.times).toEqual([1000, 2000, 3000]);
    expect(next.rows.map((r) => r.bucketId)).toEqual(["route:1", "merged:route:2..route:5", "route:7", "route:9"]);
    expect([...next.values]).toEqual([1, 2, 10, 3, 4, 21, 0, 0, 30, 5, 6, 0]);
    expect(next.rows[0]!.groups).toEqual([1, 1, 2]);
    expect(next.rows[0]!.terms).toEqual([0, 0, 7]);
    expect(next.rows[2]!.groups).toEqual([0, 0, 2]);
  });

  it("after a split, a new bucket lands in a row of its own label, never in the old route's labelled row", () => {
    // The old route 2 had an unlabelled and a `redis` row (sharing its range); routes 3 and 4
    // replaced it. Found by the viewer audit: every new write showed up under route:2:redis.
    const m = matrix(
      [
        { id: "route:2", start: "c", end: "m", values: [1] },
        { id: "route:2:redis", start: "c", end: "m", values: [2] },
      ],
      [1000],
    );
    m.rows[1]!.label = "redis";
    const split = event(2000, [
      { id: "route:3", start: "c", end: "f", value: 100 },
      { id: "route:4", start: "f", end: "m", value: 100 },
    ]);
    split.rows.push({ ...split.rows[1]!, bucket_id: "route:4:redis", label: "redis", value: 1 });
    const next = appendColumn(gridFromMatrix(m), split, 10)!;
    expect(next.rows.map((r) => [r.bucketId, next.values[next.rows.indexOf(r) * 2 + 1]])).toEqual([
      ["route:2", 200], // the unlabelled buckets in the unlabelled row holding their keys
      ["route:2:redis", 1], // the labelled one in the labelled row
    ]);
  });

  it("a bucket lands in a budget-merged row that starts further up, past a row of another label", () => {
    // merged:route:1:x..route:2 spans every key; route:2:x starts at "m" after it. Route 2's
    // unlabelled bucket belongs to the merged row, not to a new row of its own.
    const m = matrix(
      [
        { id: "route:1", start: null, end: "m", values: [1] },
        { id: "merged:route:1:x..route:2", start: null, end: null, values: [2] },
        { id: "route:2:x", start: "m", end: null, values: [3] },
      ],
      [1000],
    );
    m.rows[2]!.label = "x";
    const next = appendColumn(
      gridFromMatrix(m),
      event(2000, [{ id: "route:2", start: "m", end: null, value: 5 }]),
      10,
    )!;
    expect(next.rows.map((r) => r.bucketId)).toEqual(["route:1", "merged:route:1:x..route:2", "route:2:x"]);
    expect([...next.values]).toEqual([1, 0, 2, 5, 3, 0]);
  });

  it("drops the oldest column past the cap, and ignores old, repeated or other-series events", () => {
    const next = appendColumn(base, event(3000, [{ id: "route:9", start: "t", end: null, value: 8 }]), 2)!;
    expect(next.times).toEqual([2000, 3000]);
    expect([...next.values]).toEqual([2, 0, 4, 0, 6, 8]);
    expect(appendColumn(next, event(3000, []), 2)).toBeNull();
    expect(appendColumn(next, event(1500, []), 2)).toBeNull();
    expect(appendColumn(next, { ...event(4000, []), series: "reads" }, 2)).toBeNull();
  });

  it("resolves a key window to the rows overlapping it and a time window to its columns", () => {
    const w = resolveWindow(
      base,
      { fromMs: 2000, toMs: 2000 },
      { start: encodeKey(enc("d")), end: encodeKey(enc("u")) },
    );
    expect(w).toEqual({ r0: 1, r1: 3, c0: 1, c1: 2 });
    expect(resolveWindow(base, undefined, { start: null, end: encodeKey(enc("c")) })).toEqual({
      r0: 0,
      r1: 1,
      c0: 0,
      c1: 2,
    });
  });
});
