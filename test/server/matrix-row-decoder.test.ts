// decodeMatrixRow: a row it reads is exactly what JSON.parse plus withCountCells gives for the
// bytes it consumed, and it reads every row a keyviz or Go node writes (compact JSON, counts
// below 10^15); anything else it leaves to JSON.parse.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeMatrixRow, MATRIX_ROWS } from "../../src/server/matrix-row-decoder.js";
import { parseJsonYielding } from "../../src/server/yielding-json.js";
import { isCountCells } from "../../src/wire/count-cells.js";
import { withCountCells } from "../../src/wire/validate.js";

/** What the decoder must give for `text`: JSON.parse's row with count cells. */
function reference(text: string): unknown {
  return withCountCells(JSON.parse(text));
}

function decode(text: string, stop?: number): { value: unknown; end: number } | undefined {
  const buf = Buffer.from(text, "utf8");
  return decodeMatrixRow(buf, 0, stop ?? buf.length);
}

const count = fc.oneof(fc.nat(10_000), fc.nat({ max: 10 ** 15 - 1 }));
/** A wire row as keyviz and the reference write it: counts below 10^15. */
const wireRow = fc.integer({ min: 0, max: 6 }).chain((width) =>
  fc.record(
    {
      bucket_id: fc.string({ minLength: 1 }),
      label: fc.string(),
      start: fc.option(fc.base64String(), { nil: null }),
      end: fc.option(fc.base64String(), { nil: null }),
      aggregate: fc.boolean(),
      route_ids: fc.array(fc.nat()),
      route_count: fc.integer({ min: 1, max: 1000 }),
      values: fc.array(count, { minLength: width, maxLength: width }),
      conflicts: fc.array(fc.boolean(), { minLength: width, maxLength: width }),
      raft_group_ids: fc.array(count, { minLength: width, maxLength: width }),
      leader_terms: fc.array(count, { minLength: width, maxLength: width }),
    },
    { requiredKeys: ["bucket_id", "values"] },
  ),
);
/** What a peer could put in a count array instead: each is JSON.parse's to judge. */
const oddCell = fc.oneof(
  fc.constantFrom("-1", "1.5", "1e3", "1E+2", "0.0", "-0", "01", "true", "null", '"7"', "[]", "{}"),
  // 16 to 20 digits: summed digit by digit, a third of them would round differently from JSON.parse.
  fc.bigInt({ min: 10n ** 15n, max: 2n ** 64n }).map(String),
);
const WS = [" ", "\n", "\t", "\r"];

describe("decodeMatrixRow", () => {
  it("reads every compact wire row, as JSON.parse + withCountCells", () => {
    fc.assert(
      fc.property(wireRow, (row) => {
        const text = JSON.stringify(row);
        const got = decode(text);
        expect(got).toBeDefined(); // the fast path is taken, not left to JSON.parse
        expect(got!.end).toBe(Buffer.byteLength(text));
        expect(got!.value).toEqual(reference(text));
        for (const f of ["values", "raft_group_ids", "leader_terms"]) {
          const cells = (got!.value as Record<string, unknown>)[f];
          if (cells !== undefined) expect(isCountCells(cells)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("with whitespace, odd cells or a cut anywhere: undefined, or exactly JSON.parse of what it consumed", () => {
    const variant = fc
      .tuple(
        wireRow,
        fc.array(fc.constantFrom(...WS, ""), { minLength: 1, maxLength: 8 }),
        fc.option(oddCell),
        fc.nat(),
        fc.boolean(),
      )
      .map(([row, ws, odd, pos, cut]) => {
        let k = 0;
        let text = JSON.stringify(row).replace(/[,:[\]{}]/g, (c) => ws[k++ % ws.length] + c + ws[k++ % ws.length]);
        if (odd !== null) text = text.replace(/("values"\s*:\s*\[\s*)/, `$1${odd},`);
        return cut ? text.slice(0, pos % (text.length + 1)) : text;
      });
    fc.assert(
      fc.property(variant, (text) => {
        const got = decode(text);
        if (got === undefined) return;
        const consumed = Buffer.from(text, "utf8").subarray(0, got.end).toString("utf8");
        expect(got.value).toEqual(reference(consumed));
        expect(text.slice(consumed.length).trim()).toBe(""); // the row is the whole text here
      }),
      { numRuns: 1000 },
    );
  });

  it.each([
    ['{"values":[1,2,3]}', [1, 2, 3]],
    ['{"values":[ 0 , 999999999999999 ]}', [0, 999999999999999]],
    ['{"values":[]}', []],
  ])("reads %s", (text, values) => {
    const got = decode(text)!;
    expect(Array.from((got.value as { values: Float64Array }).values)).toEqual(values);
  });

  it.each([
    ['{"values":[1,2,]}', "a trailing comma"],
    ['{"values":[01]}', "a leading zero"],
    ['{"values":[1.5]}', "a fraction"],
    ['{"values":[1e3]}', "an exponent"],
    ['{"values":[-1]}', "a minus sign"],
    ['{"values":[1000000000000000]}', "16 digits (maybe beyond 2^53)"],
    ['{"values":[1,2]', "no closing brace"],
    ['{"values" [1]}', "no colon"],
    ['{"a":1 "b":2}', "no comma"],
    ['{"a":tru}', "a bad literal"],
    ['["values",1]', "not an object"],
  ])("leaves %s (%s) to JSON.parse", (text) => {
    expect(decode(text)).toBeUndefined();
  });

  it("refuses a row that does not end before `stop`, and reads nothing past it", () => {
    const text = '{"values":[1,2,3]},{"values":[4]}';
    expect(decode(text, 10)).toBeUndefined();
    expect(decode(text, 17)).toBeUndefined(); // one short of the closing brace
    expect(decode(text, 18)).toEqual({ value: reference('{"values":[1,2,3]}'), end: 18 });
  });

  it("keeps a __proto__ key a plain property, and the last of duplicate keys", () => {
    const got = decode('{"__proto__":{"polluted":1},"values":[1],"values":[2,3]}')!;
    const row = got.value as Record<string, unknown>;
    expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
    expect(Object.keys(row)).toEqual(["__proto__", "values"]);
    expect(Array.from(row.values as Float64Array)).toEqual([2, 3]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("through parseJsonYielding: a body's rows come back as JSON.parse + withCountCells, any slice size", async () => {
    const body = fc.record({
      column_unix_ms: fc.array(fc.nat()),
      rows: fc.array(fc.oneof(wireRow, fc.jsonValue())),
      series: fc.constant("writes"),
    });
    await fc.assert(
      fc.asyncProperty(body, fc.integer({ min: 1, max: 400 }), async (m, sliceBytes) => {
        const text = JSON.stringify(m);
        const got = await parseJsonYielding(Buffer.from(text), { sliceBytes, budgetMs: 0, elements: MATRIX_ROWS });
        const want = JSON.parse(text) as { rows: unknown[] };
        // Rows are only reshaped when the rows array itself is walked (larger than a slice).
        if (Buffer.byteLength(JSON.stringify(want.rows)) > sliceBytes) want.rows = want.rows.map(withCountCells);
        expect(got).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });
});
