import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  decodeKey,
  encodeKey,
  isBase64Key,
  makeRow,
  MAX_ROWS,
  parseMatrixQuery,
  QueryError,
  rfc3339,
  SERIES_MESSAGE,
} from "../../src/wire/wire.js";

const q = (s: string) => parseMatrixQuery(new URLSearchParams(s));
const errorOf = (s: string): QueryError => {
  try {
    q(s);
  } catch (e) {
    expect(e).toBeInstanceOf(QueryError);
    return e as QueryError;
  }
  throw new Error(`no error for ${s}`);
};

describe("parseMatrixQuery", () => {
  it("defaults: writes, unbounded, 1024 rows", () => {
    expect(q("")).toEqual({ series: "writes", rows: 1024 });
    expect(MAX_ROWS).toBe(1024);
  });

  it("series: each of the four, empty = omitted, anything else is an error", () => {
    for (const s of ["reads", "writes", "read_bytes", "write_bytes"]) expect(q(`series=${s}`).series).toBe(s);
    expect(q("series=").series).toBe("writes");
    for (const bad of ["READS", "read", "bytes", "writes ", "%20"]) {
      const e = errorOf(`series=${bad}`);
      expect(e.code).toBe("invalid_query");
      expect(e.message).toBe("series must be one of: reads, writes, read_bytes, write_bytes");
    }
    expect(SERIES_MESSAGE).toBe("series must be one of: reads, writes, read_bytes, write_bytes");
  });

  it("time bounds: integers, 0 and empty = unbounded, from > to is not an error", () => {
    expect(q("from_unix_ms=1000&to_unix_ms=2000")).toMatchObject({ fromMs: 1000, toMs: 2000 });
    expect(q("from_unix_ms=0&to_unix_ms=0")).toEqual({ series: "writes", rows: 1024 });
    expect(q("from_unix_ms=&to_unix_ms=")).toEqual({ series: "writes", rows: 1024 });
    expect(q("from_unix_ms=5000&to_unix_ms=10")).toMatchObject({ fromMs: 5000, toMs: 10 });
    expect(q("from_unix_ms=-5")).toMatchObject({ fromMs: -5 });
    expect(q("to_unix_ms=%2B7")).toMatchObject({ toMs: 7 });
  });

  it("time bounds: exact messages for non-integers", () => {
    for (const bad of ["1.5", "1e3", "abc", " 1", "0x10", "1_000", "99999999999999999999", "-"]) {
      expect(errorOf(`from_unix_ms=${encodeURIComponent(bad)}`).message).toBe(
        "from_unix_ms must be an integer (unix milliseconds)",
      );
      expect(errorOf(`to_unix_ms=${encodeURIComponent(bad)}`).message).toBe(
        "to_unix_ms must be an integer (unix milliseconds)",
      );
    }
  });

  it("rows: omitted, ≤ 0 or > 1024 clamp to 1024; non-integers and values outside signed 64 bits are an error (as the reference)", () => {
    expect(q("rows=1").rows).toBe(1);
    expect(q("rows=1024").rows).toBe(1024);
    expect(q("rows=77").rows).toBe(77);
    for (const clamp of ["", "0", "-3", "1025", "9223372036854775807", "-9223372036854775808"])
      expect(q(`rows=${clamp}`).rows).toBe(1024);
    for (const bad of [
      "1.0",
      "ten",
      "1e2",
      " 5",
      "9223372036854775808",
      "-9223372036854775809",
      "999999999999999999999999",
    ]) {
      const e = errorOf(`rows=${encodeURIComponent(bad)}`);
      expect(e.code).toBe("invalid_query");
      expect(e.message).toBe("rows must be an integer");
    }
  });

  it("property: any signed 64-bit rows yields a budget in [1, 1024]; anything wider is an error", () => {
    const limit = 1n << 63n;
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), (n) => {
        if (n < -limit || n >= limit) {
          expect(errorOf(`rows=${n}`).message).toBe("rows must be an integer");
          return;
        }
        const rows = q(`rows=${n}`).rows;
        expect(rows).toBeGreaterThanOrEqual(1);
        expect(rows).toBeLessThanOrEqual(1024);
        if (n >= 1n && n <= 1024n) expect(rows).toBe(Number(n));
      }),
    );
  });

  it("time bounds: any signed 64-bit integer is accepted; beyond ±2^53 it is clamped (same columns selected)", () => {
    expect(q("from_unix_ms=9223372036854775807")).toMatchObject({ fromMs: Number.MAX_SAFE_INTEGER });
    expect(q("to_unix_ms=-9223372036854775808")).toMatchObject({ toMs: -Number.MAX_SAFE_INTEGER });
    expect(errorOf("from_unix_ms=9223372036854775808").message).toBe(
      "from_unix_ms must be an integer (unix milliseconds)",
    );
  });
});

describe("key and time encodings", () => {
  it("standard base64 with padding; null for empty or absent", () => {
    expect(encodeKey(null)).toBeNull();
    expect(encodeKey(new Uint8Array())).toBeNull();
    expect(() => encodeKey(5 as never)).toThrow(new TypeError("key must be a Uint8Array or null, got number"));
    expect(() => encodeKey(new DataView(new ArrayBuffer(2)) as never)).toThrow(TypeError);
    expect(encodeKey(Uint8Array.of(0x10))).toBe("EA==");
    expect(encodeKey(new TextEncoder().encode("user:42"))).toBe("dXNlcjo0Mg==");
    expect(encodeKey(Uint8Array.of(0xfb, 0xff))).toBe("+/8=");
    expect(decodeKey(null)).toBeNull();
    expect(decodeKey("")).toBeNull();
    expect(() => decodeKey("***")).toThrow(TypeError);
  });

  it("decodeKey takes standard base64 with padding only (no missing padding, blanks or URL alphabet)", () => {
    for (const bad of ["EA", "EA=", "E A==", "EA==\n", "-_8=", "!!not-b64!!", "EA==EA=="]) {
      expect(() => decodeKey(bad), bad).toThrow(/key is not valid base64/);
      expect(isBase64Key(bad), bad).toBe(false);
    }
    expect(isBase64Key("")).toBe(true);
    expect(isBase64Key("+/8=")).toBe(true);
  });

  it("property: decode(encode(k)) = k, matches Buffer's base64", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 300 }), (k) => {
        const text = encodeKey(k)!;
        expect(text).toBe(Buffer.from(k).toString("base64"));
        expect(decodeKey(text)).toEqual(k);
      }),
    );
  });

  it("long keys encode without blowing the argument list", () => {
    const k = new Uint8Array(100_000).map((_, i) => (i * 7) & 0xff);
    expect(Buffer.from(decodeKey(encodeKey(k))!).equals(Buffer.from(k))).toBe(true);
  });

  it("rfc3339 is UTC with milliseconds", () => {
    expect(rfc3339(Date.UTC(2026, 10, 25, 18, 40, 17, 123))).toBe("2026-11-25T18:40:17.123Z");
    expect(() => rfc3339(NaN)).toThrow(RangeError);
  });
});

describe("makeRow omission rules", () => {
  const head = { bucket_id: "route:1", start: null, end: "EA==", aggregate: false, route_count: 1 };
  it("plain row: no label, no route_ids, no conflicts; wire field order", () => {
    const row = makeRow({ ...head, label: "", route_ids: [1] }, [1], [7], [42], [false]);
    expect(Object.keys(row)).toEqual([
      "bucket_id",
      "start",
      "end",
      "aggregate",
      "route_count",
      "values",
      "raft_group_ids",
      "leader_terms",
    ]);
  });
  it("label, route_ids on aggregate rows, truncated only when true, conflicts only when one is set", () => {
    const agg = makeRow(
      { ...head, label: "grpc", aggregate: true, route_ids: [3, 4], route_ids_truncated: false },
      [1, 2],
      [0, 0],
      [0, 0],
      [false, true],
    );
    expect(Object.keys(agg)).toEqual([
      "bucket_id",
      "label",
      "start",
      "end",
      "aggregate",
      "route_ids",
      "route_count",
      "values",
      "conflict",
      "conflicts",
      "raft_group_ids",
      "leader_terms",
    ]);
    expect(agg.conflict).toBe(true);
    expect(agg.conflicts).toEqual([false, true]);
    const truncated = makeRow({ ...head, aggregate: true, route_ids: [3], route_ids_truncated: true }, [1], [0], [0]);
    expect(truncated.route_ids_truncated).toBe(true);
    expect(JSON.stringify(truncated)).not.toContain("conflict");
  });
});
