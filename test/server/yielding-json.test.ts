// parseJsonYielding: same value and same verdict as JSON.parse, and it yields on large input.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseJsonYielding } from "../../src/server/yielding-json.js";

/** JSON.parse's outcome: the value, or "throws". */
function reference(text: string): unknown {
  try {
    return { ok: JSON.parse(text) as unknown };
  } catch {
    return "throws";
  }
}

async function subject(text: string, sliceBytes: number): Promise<unknown> {
  try {
    return { ok: await parseJsonYielding(Buffer.from(text, "utf8"), { sliceBytes, budgetMs: 0, maxDepth: 10_000 }) };
  } catch (err) {
    expect(err).toBeInstanceOf(SyntaxError);
    return "throws";
  }
}

const WS = [" ", "\n", "\t", "\r", ""];
/** Re-serialises with random whitespace around structural characters. */
const spaced = fc
  .tuple(fc.jsonValue(), fc.array(fc.constantFrom(...WS), { minLength: 1, maxLength: 50 }))
  .map(([v, ws]) => {
    let k = 0;
    return JSON.stringify(v, null, 0).replace(/[,:[\]{}]/g, (c) => ws[k++ % ws.length] + c + ws[k++ % ws.length]);
  });

describe("parseJsonYielding", () => {
  it("equals JSON.parse on valid JSON, for any slice size", async () => {
    await fc.assert(
      fc.asyncProperty(spaced, fc.integer({ min: 1, max: 64 }), async (text, slice) => {
        expect(await subject(text, slice)).toEqual(reference(text));
      }),
      { numRuns: 400 },
    );
  });

  it("agrees with JSON.parse on corrupted JSON (accepts exactly what it accepts)", async () => {
    const corrupted = fc
      .tuple(fc.json(), fc.nat(), fc.constantFrom("", ",", "]", "}", "[", "{", '"', "\\", ":", "x", "1", " ", "\u00e9"))
      .map(([text, pos, ins]) => {
        const i = text.length === 0 ? 0 : pos % text.length;
        return pos % 2 === 0 ? text.slice(0, i) + ins + text.slice(i) : text.slice(0, i) + text.slice(i + 1);
      });
    await fc.assert(
      fc.asyncProperty(corrupted, fc.integer({ min: 1, max: 32 }), async (text, slice) => {
        expect(await subject(text, slice)).toEqual(reference(text));
      }),
      { numRuns: 1000 },
    );
  });

  it.each([
    ['{"__proto__": {"polluted": 1}, "a": [1, 2]}', "own __proto__ property"],
    ['{"a": 1, "a": 2}', "last duplicate wins"],
    ['["\\"]", "\\\\", "\\u005d"]', "escaped quotes and backslashes"],
    ["[1,]", "trailing comma"],
    ['{"a" 1}', "missing colon"],
    ["[1 2]", "missing comma"],
    ["[1] x", "trailing garbage"],
    ['["unterminated]', "unterminated string"],
    ["[-0, 1e400, 0.1]", "numbers"],
  ])("%s (%s) as JSON.parse", async (text) => {
    const got = await subject(text, 1);
    expect(got).toEqual(reference(text));
    if (typeof got === "object" && got !== null && "ok" in got && text.includes("__proto__")) {
      const v = (got as { ok: Record<string, unknown> }).ok;
      expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
      expect(Object.keys(v)).toEqual(["__proto__", "a"]);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    }
  });

  it("refuses large containers nested deeper than maxDepth", async () => {
    const deep = "[".repeat(40) + "1" + "]".repeat(40);
    await expect(parseJsonYielding(Buffer.from(deep), { sliceBytes: 4, maxDepth: 16 })).rejects.toThrow(
      /deeper than 16/,
    );
    expect(await parseJsonYielding(Buffer.from(deep), { sliceBytes: 4, maxDepth: 64 })).toEqual(JSON.parse(deep));
  });

  it("yields to the event loop while parsing a large matrix", async () => {
    const row = (i: number) => ({
      bucket_id: `route:${i}`,
      start: null,
      end: null,
      aggregate: false,
      route_count: 1,
      values: Array.from({ length: 2000 }, (_, j) => j * i),
    });
    const matrix = {
      column_unix_ms: Array.from({ length: 2000 }, (_, j) => j),
      rows: Array.from({ length: 200 }, (_, i) => row(i)),
      series: "writes",
    };
    const buf = Buffer.from(JSON.stringify(matrix));
    expect(buf.length).toBeGreaterThan(2_000_000);
    let turns = 0;
    let stop = false;
    const spin = (): void => {
      turns++;
      if (!stop) setImmediate(spin);
    };
    setImmediate(spin);
    const parsed = await parseJsonYielding(buf, { sliceBytes: 64 * 1024, budgetMs: 0 });
    stop = true;
    expect(parsed).toEqual(matrix);
    // One turn per row at least: the loop ran between rows.
    expect(turns).toBeGreaterThanOrEqual(200);
  });

  it("hands each element of a walked array to `elements`, with the key the array sits under", async () => {
    const text = JSON.stringify({ a: [[1, 2, 3, 4, 5, 6, 7, 8], { b: 1 }], c: [5, 6, 7, 8, 9, 10, 11] });
    const seen: [unknown, string | undefined][] = [];
    const parsed = await parseJsonYielding(Buffer.from(text), {
      sliceBytes: 12, // the three arrays are longer, so they are walked; {"b":1} is not
      budgetMs: 0,
      elements: {
        // Decodes only objects under "a" (as the string "decoded"); the rest goes to reshape.
        decode: (buf, start, stop, key) => {
          if (key !== "a" || buf[start] !== 0x7b) return undefined;
          const end = buf.indexOf(0x7d, start) + 1;
          return end <= stop ? { value: "decoded", end } : undefined;
        },
        reshape: (value, key) => {
          seen.push([value, key]);
          return typeof value === "number" ? value * 10 : value;
        },
      },
    });
    expect(parsed).toEqual({ a: [[10, 20, 30, 40, 50, 60, 70, 80], "decoded"], c: [50, 60, 70, 80, 90, 100, 110] });
    expect(seen).toEqual([
      ...[1, 2, 3, 4, 5, 6, 7, 8].map((v) => [v, undefined]),
      [[10, 20, 30, 40, 50, 60, 70, 80], "a"],
      ...[5, 6, 7, 8, 9, 10, 11].map((v) => [v, "c"]),
    ]);
  });
});
