// The one validator for everything that arrives from the network (issue 8, issue 10 items 4–5):
// peer matrices and peer hot-keys answers are checked completely, and whatever it accepts the
// merges take without throwing.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { mergeHotKeys } from "../../src/hotkeys/merge.js";
import { mergeCheckedMatrices, mergeMatrices } from "../../src/matrix/merge.js";
import { hotKeysAnswer } from "../helpers.js";
import { toCountCells } from "../../src/wire/validate.js";
import { hotKeysProblem, matrixProblem, validateHotKeys, validateMatrix } from "../../src/wire/wire.js";

const goodMatrix = () => ({
  column_unix_ms: [1000, 2000],
  series: "writes",
  generated_at: "2026-01-01T00:00:00.000Z",
  rows: [
    {
      bucket_id: "route:1",
      start: null as string | null,
      end: "EA==" as string | null,
      aggregate: false,
      route_count: 1,
      values: [1, 2] as unknown[],
      raft_group_ids: [7, 7] as unknown[] | undefined,
      leader_terms: [1, 1] as unknown[] | undefined,
    } as Record<string, unknown>,
  ],
});

/** A valid answer, loosely typed so a test can spoil any field. */
const goodHotKeys = () =>
  hotKeysAnswer([["a", 32]]) as unknown as { keys: Record<string, unknown>[] } & Record<string, unknown>;

describe("matrixProblem: a peer matrix is validated completely", () => {
  it("accepts a well-formed matrix, and one of the asked series only", () => {
    expect(matrixProblem(goodMatrix())).toBeNull();
    expect(matrixProblem(goodMatrix(), "writes")).toBeNull();
    expect(matrixProblem(goodMatrix(), "reads")).toBe('response series is "writes", expected reads');
  });

  it.each<[string, (m: ReturnType<typeof goodMatrix>) => void, string]>([
    [
      "undecodable start key",
      (m) => (m.rows[0]!.start = "!!not-b64!!"),
      "rows[0].start is not standard base64 or null",
    ],
    ["base64 without padding", (m) => (m.rows[0]!.end = "EA"), "rows[0].end is not standard base64 or null"],
    ["a number as key", (m) => (m.rows[0]!.start = 5), "rows[0].start is not standard base64 or null"],
    ["conflicts not booleans", (m) => (m.rows[0]!.conflicts = [1, 0]), "rows[0].conflicts[0] must be a boolean"],
    [
      "conflicts of the wrong length",
      (m) => (m.rows[0]!.conflicts = [true]),
      "rows[0].conflicts must have 2 items (parallel to column_unix_ms), got 1",
    ],
    ["conflict not a boolean", (m) => (m.rows[0]!.conflict = "yes"), "rows[0].conflict must be a boolean"],
    [
      "string route_ids",
      (m) => (m.rows[0]!.route_ids = ["1", "2"]),
      "rows[0].route_ids[0] must be a route id (unsigned integer)",
    ],
    ["route_ids not an array", (m) => (m.rows[0]!.route_ids = 3), "rows[0].route_ids must be an array"],
    ["route_count 0", (m) => (m.rows[0]!.route_count = 0), "rows[0].route_count must be an integer ≥ 1"],
    [
      "values short",
      (m) => (m.rows[0]!.values = [1]),
      "rows[0].values must have 2 items (parallel to column_unix_ms), got 1",
    ],
    [
      "a fractional count",
      (m) => (m.rows[0]!.values = [1, 2.5]),
      "rows[0].values[1] must be a count (unsigned integer)",
    ],
    ["a negative count", (m) => (m.rows[0]!.values = [-1, 2]), "rows[0].values[0] must be a count (unsigned integer)"],
    ["a string count", (m) => (m.rows[0]!.values = ["1", 2]), "rows[0].values[0] must be a count (unsigned integer)"],
    [
      "identity longer than values",
      (m) => (m.rows[0]!.raft_group_ids = [1, 2, 3]),
      "rows[0].raft_group_ids must have at most 2 items (parallel to column_unix_ms), got 3",
    ],
    [
      "NaN term",
      (m) => (m.rows[0]!.leader_terms = [1, null]),
      "rows[0].leader_terms[1] must be a term (unsigned integer)",
    ],
    ["bucket_id missing", (m) => delete m.rows[0]!.bucket_id, "rows[0].bucket_id must be a non-empty string"],
    ["label a number", (m) => (m.rows[0]!.label = 3), "rows[0].label must be a string"],
    ["aggregate missing", (m) => delete m.rows[0]!.aggregate, "rows[0].aggregate must be a boolean"],
    [
      "a row that is an array",
      (m) => (m.rows[0] = [] as unknown as Record<string, unknown>),
      "rows[0] is not an object",
    ],
    [
      "fractional column time",
      (m) => (m.column_unix_ms = [1000.5, 2000]),
      "column_unix_ms[0] must be an integer (unix milliseconds)",
    ],
    ["unknown series", (m) => (m.series = "nope"), "series must be one of reads, writes, read_bytes, write_bytes"],
    ["rows missing", (m) => delete (m as Partial<typeof m>).rows, "rows must be an array"],
    [
      "generated_at a number",
      (m) => ((m as Record<string, unknown>).generated_at = 5),
      "generated_at must be a string",
    ],
  ])("rejects %s", (_name, spoil, problem) => {
    const m = goodMatrix();
    spoil(m);
    expect(matrixProblem(m)).toBe(problem);
    expect(() => validateMatrix(m, "peer b")).toThrow(new TypeError(`peer b: ${problem}`));
    expect(() => mergeMatrices([m as never])).toThrow(TypeError);
  });

  it("accepts rows without identity arrays, or with short ones (older nodes): identity unknown", () => {
    const m = goodMatrix();
    delete m.rows[0]!.raft_group_ids;
    m.rows[0]!.leader_terms = [3];
    expect(matrixProblem(m)).toBeNull();
  });

  it("frozen count arrays (the builder shares them among rows) are checked like any other, a bad one each time", () => {
    const m = goodMatrix();
    const shared = Object.freeze([7, 7]);
    m.rows[0]!.raft_group_ids = shared as unknown[];
    m.rows[0]!.values = Object.freeze([1, 2]) as unknown[];
    expect(matrixProblem(m)).toBeNull();
    expect(matrixProblem(m)).toBeNull(); // the second check of the same frozen arrays agrees
    m.rows[0]!.leader_terms = Object.freeze([1, -1]) as unknown[];
    for (let i = 0; i < 2; i++)
      expect(matrixProblem(m)).toBe("rows[0].leader_terms[1] must be a term (unsigned integer)");
    m.rows[0]!.leader_terms = Object.freeze([1, 0.5]) as unknown[];
    expect(matrixProblem(m)).toBe("rows[0].leader_terms[1] must be a term (unsigned integer)");
  });

  it("count cells (a decoded peer's counts, checked as parsed) pass; any other typed array does not", () => {
    const m = goodMatrix();
    m.rows[0]!.values = toCountCells([1, 2]) as unknown as unknown[];
    m.rows[0]!.raft_group_ids = toCountCells([7, 7]) as unknown as unknown[];
    m.rows[0]!.leader_terms = toCountCells([1]) as unknown as unknown[]; // short: identity unknown after
    expect(matrixProblem(m)).toBeNull();
    const reads = { ...m, series: "reads" };
    expect(mergeCheckedMatrices([{ ...goodMatrix(), series: "reads" }, reads] as never[]).rows[0]!.values).toEqual([
      2, 4,
    ]);
    m.rows[0]!.values = toCountCells([1, 2, 3]) as unknown as unknown[];
    expect(matrixProblem(m)).toBe("rows[0].values must have 2 items (parallel to column_unix_ms), got 3");
    m.rows[0]!.values = Float64Array.of(1, 2) as unknown as unknown[];
    expect(matrixProblem(m)).toBe("rows[0].values must be an array");
    m.rows[0]!.values = [1, 2];
    m.rows[0]!.conflict = true;
    m.rows[0]!.conflicts = toCountCells([0, 1]) as unknown as unknown[];
    expect(matrixProblem(m)).toBe("rows[0].conflicts must be an array");
    expect(toCountCells([1, 0.5])).toBeUndefined();
    expect(toCountCells([1, "2"])).toBeUndefined();
    expect(toCountCells([2 ** 64 + 4096])).toBeUndefined();
  });

  it("rejects what is not an object", () => {
    for (const v of [null, 5, "x", [], undefined]) expect(matrixProblem(v)).toBe("response is not a JSON object");
  });

  it("property: whatever the validator accepts, the merge takes without throwing", () => {
    const paths: ((m: ReturnType<typeof goodMatrix>, v: unknown) => void)[] = [
      (m, v) => (m.rows[0]!.start = v as string),
      (m, v) => (m.rows[0]!.end = v as string),
      (m, v) => (m.rows[0]!.values = v as unknown[]),
      (m, v) => (m.rows[0]!.raft_group_ids = v as unknown[]),
      (m, v) => (m.rows[0]!.leader_terms = v as unknown[]),
      (m, v) => (m.rows[0]!.conflicts = v),
      (m, v) => (m.rows[0]!.route_ids = v),
      (m, v) => (m.rows[0]!.route_count = v),
      (m, v) => (m.rows[0]!.bucket_id = v),
      (m, v) => (m.column_unix_ms = v as number[]),
      (m, v) => (m.rows[0] = v as Record<string, unknown>),
    ];
    fc.assert(
      fc.property(fc.nat(paths.length - 1), fc.anything({ withNullPrototype: false }), (p, v) => {
        const m = goodMatrix();
        paths[p]!(m, v);
        const body: unknown = JSON.parse(JSON.stringify(m)); // what a peer can actually send
        if (matrixProblem(body) === null)
          expect(() => mergeCheckedMatrices([goodMatrix() as never, body as never])).not.toThrow();
      }),
      { numRuns: 300 },
    );
  });
});

describe("hotKeysProblem: a peer hot-keys answer is validated completely", () => {
  it("accepts a well-formed answer (and an older node's fractional error_bound)", () => {
    expect(hotKeysProblem(goodHotKeys())).toBeNull();
    expect(hotKeysProblem({ ...goodHotKeys(), error_bound: 1.75 })).toBeNull();
    expect(hotKeysProblem({ ...goodHotKeys(), keys: [{ key_b64: "", count: 1 }] })).toBeNull(); // the empty key
    const most = hotKeysAnswer(Array.from({ length: 1024 }, (_, i) => [`k${i}`, 1]));
    expect(hotKeysProblem(most)).toBeNull(); // top's limit exactly
  });

  it.each<[string, (h: ReturnType<typeof goodHotKeys>) => void, string]>([
    [
      "a count of 1e999 (Infinity)",
      (h) => (h.keys[0]!.count = JSON.parse("1e999")),
      "keys[0].count must be an unsigned integer",
    ],
    ["a fractional count", (h) => (h.keys[0]!.count = 1.5), "keys[0].count must be an unsigned integer"],
    ["an undecodable key", (h) => (h.keys[0]!.key_b64 = "!!not-b64!!"), "keys[0].key_b64 is not standard base64"],
    ["a key that is a number", (h) => (h.keys[0]!.key_b64 = 5), "keys[0].key_b64 is not standard base64"],
    ["keys missing", (h) => delete (h as Partial<typeof h>).keys, "keys must be an array"],
    ["sampled_n negative", (h) => (h.sampled_n = -1), "sampled_n must be an unsigned integer"],
    [
      "route_id a string",
      (h) => ((h as Record<string, unknown>).route_id = "7"),
      "route_id must be an unsigned integer",
    ],
    ["error_bound Infinity", (h) => (h.error_bound = Infinity), "error_bound must be a non-negative number"],
    ["degraded missing", (h) => delete (h as Partial<typeof h>).degraded, "degraded must be a boolean"],
    ["snapshot_at not a time", (h) => (h.snapshot_at = "yesterday"), "snapshot_at must be an RFC 3339 time"],
    ["series reads", (h) => (h.series = "reads"), 'series must be "writes"'],
    [
      "sub_bucket negative",
      (h) => ((h as Record<string, unknown>).sub_bucket = -1),
      "sub_bucket must be an unsigned integer",
    ],
    [
      "a key listed twice (the merge would add its counts)",
      (h) =>
        (h.keys = hotKeysAnswer([
          ["a", 32],
          ["b", 16],
          ["c", 9],
          ["a", 8],
        ]).keys as never),
      "keys[3].key_b64 repeats keys[0]",
    ],
    [
      "more keys than top's limit (1024)",
      (h) => (h.keys = hotKeysAnswer(Array.from({ length: 1025 }, (_, i) => [`k${i}`, 1])).keys as never),
      "keys has 1025 entries, more than a node sends (1024)",
    ],
  ])("rejects %s", (_name, spoil, problem) => {
    const h = goodHotKeys();
    spoil(h);
    expect(hotKeysProblem(h)).toBe(problem);
    expect(() => validateHotKeys(h, "peer c")).toThrow(new TypeError(`peer c: ${problem}`));
    expect(() => mergeHotKeys([h as never], 10)).toThrow(TypeError);
  });
});

describe("the column limit of an incoming matrix", () => {
  it("is what a node can hold: its history plus every tier at their largest", async () => {
    const { MAX_MATRIX_COLUMNS } = await import("../../src/wire/types.js");
    const { MAX_HISTORY_COLUMNS } = await import("../../src/sampler/options.js");
    const { MAX_TIER_COLUMNS, MAX_TIERS } = await import("../../src/history/tier-options.js");
    expect(MAX_MATRIX_COLUMNS).toBe(MAX_HISTORY_COLUMNS + MAX_TIERS * MAX_TIER_COLUMNS);
  });
});
