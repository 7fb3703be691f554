// Reads the rows of a peer's matrix body straight from its bytes, for parseJsonYielding: each row
// object becomes what `withCountCells(JSON.parse(text))` gives (validate.ts), but its count
// arrays are read digit by digit into a Float64Array instead of being built as number[] by
// JSON.parse and converted after. Those arrays are ~99 % of a matrix body. Parsing two
// 1 024 × 1 440 bodies of 9.7 MB (one process, CPU clock): JSON.parse alone 472–603 ms, with
// withCountCells per row 311–382 ms, this decoder 103–121 ms.
//
// Exactness: the decoder takes only what it can read for certain. A count array must be plain
// JSON integers of at most 15 digits (below 2^53, so the digit sum is exact), and the row must be
// well-formed JSON throughout; anything else (a fraction, an exponent, a minus sign, 16 digits, a
// stray byte) returns undefined and the caller lets JSON.parse read the row, so what is accepted,
// rejected and reported is JSON.parse's and the validator's. Every other member value (strings,
// booleans, route ids, conflict flags) is parsed by JSON.parse from its own bytes.
import { asCountCells, CELL_FIELDS } from "../wire/count-cells.js";
import { withCountCells } from "../wire/validate.js";
import type { DecodedElement, ElementReader } from "./yielding-json.js";
import {
  CLOSE_BRACE,
  CLOSE_BRACKET,
  COLON,
  COMMA,
  containerEnd,
  isJsonWhitespace,
  OPEN_BRACE,
  OPEN_BRACKET,
  QUOTE,
  stringEnd,
  tokenEnd,
} from "./json-scan.js";

const ZERO = 0x30;
const NINE = 0x39;
/** Digits below 2^53 for certain (10^15 < 2^53 ≈ 9.007 × 10^15). */
const MAX_DIGITS = 15;

/** Reads the elements of a matrix body's `rows` (see the file comment); other arrays as they are. */
export const MATRIX_ROWS: ElementReader = {
  decode: (buf, start, stop, arrayKey) => (arrayKey === "rows" ? decodeMatrixRow(buf, start, stop) : undefined),
  reshape: (value, arrayKey) => (arrayKey === "rows" ? withCountCells(value) : value),
};

/** Grown as needed, reused by every decode: a count array is read here, then copied out exact. */
let scratch: Float64Array = new Float64Array(4096);

/**
 * The row object at `buf[start]`, ending before `stop`, as `withCountCells(JSON.parse(text))`
 * would give it, with the index after it; undefined when it does not end before `stop` or the
 * decoder cannot be sure (the caller then uses JSON.parse).
 */
export function decodeMatrixRow(buf: Buffer, start: number, stop: number): DecodedElement | undefined {
  const r = new RowReader(buf, start, stop);
  try {
    const row = r.object();
    return row === undefined ? undefined : { value: row, end: r.at };
  } catch {
    return undefined; // JSON.parse refused a member: it will refuse the row too, with its message
  }
}

class RowReader {
  constructor(
    private readonly buf: Buffer,
    public at: number,
    private readonly end: number,
  ) {}

  private skipWhitespace(): void {
    while (isJsonWhitespace(this.peek())) this.at++;
  }

  /** The byte at the cursor; -1 at `end` (nothing past it belongs to the row). */
  private peek(): number {
    return this.at < this.end ? this.buf[this.at]! : -1;
  }

  object(): Record<string, unknown> | undefined {
    if (this.peek() !== OPEN_BRACE) return undefined;
    const out: Record<string, unknown> = {};
    this.at++;
    this.skipWhitespace();
    if (this.peek() === CLOSE_BRACE) {
      this.at++;
      return out;
    }
    for (;;) {
      this.skipWhitespace();
      if (this.peek() !== QUOTE) return undefined;
      const keyEnd = stringEnd(this.buf, this.at, this.end);
      if (keyEnd < 0) return undefined;
      const key = JSON.parse(this.buf.toString("utf8", this.at, keyEnd)) as string;
      this.at = keyEnd;
      this.skipWhitespace();
      if (this.peek() !== COLON) return undefined;
      this.at++;
      this.skipWhitespace();
      const value = CELL_FIELDS.includes(key) && this.peek() === OPEN_BRACKET ? this.counts() : this.other();
      if (value === undefined) return undefined;
      // defineProperty, as JSON.parse does: a "__proto__" key must stay a plain property.
      Object.defineProperty(out, key, { value, writable: true, enumerable: true, configurable: true });
      this.skipWhitespace();
      const b = this.peek();
      this.at++;
      if (b === CLOSE_BRACE) return out;
      if (b !== COMMA) return undefined;
    }
  }

  /** A count array read digit by digit, as count cells; undefined unless every element is a plain integer. */
  private counts(): Float64Array | undefined {
    const buf = this.buf;
    const end = this.end;
    let out = scratch;
    let n = 0;
    let i = this.at + 1; // past [
    // -1 past `end`: no test below accepts it, so an array running past `end` is refused. Reading
    // past the buffer instead would make every byte an undefined-or-number (2× slower).
    let b = i < end ? buf[i]! : -1;
    while (isJsonWhitespace(b)) b = ++i < end ? buf[i]! : -1;
    if (b === CLOSE_BRACKET) {
      this.at = i + 1;
      return asCountCells(new Float64Array(0));
    }
    // Whitespace is looked for only where a digit or comma is not found (compact JSON has none).
    for (;;) {
      if (!(b >= ZERO && b <= NINE)) {
        while (isJsonWhitespace(b)) b = ++i < end ? buf[i]! : -1;
        if (!(b >= ZERO && b <= NINE)) return undefined;
      }
      let v = b - ZERO;
      b = ++i < end ? buf[i]! : -1;
      if (v === 0) {
        if (b >= ZERO && b <= NINE) return undefined; // a leading zero: not JSON
      } else {
        for (let digits = 1; b >= ZERO && b <= NINE; b = ++i < end ? buf[i]! : -1) {
          if (++digits > MAX_DIGITS) return undefined; // maybe beyond 2^53: JSON.parse rounds it
          v = v * 10 + (b - ZERO);
        }
      }
      if (n === out.length) out = scratch = grown(out);
      out[n++] = v;
      if (b !== COMMA) {
        while (isJsonWhitespace(b)) b = ++i < end ? buf[i]! : -1;
        if (b === CLOSE_BRACKET) {
          this.at = i + 1;
          return asCountCells(out.slice(0, n));
        }
        if (b !== COMMA) return undefined; // a fraction, an exponent, or not JSON
      }
      b = ++i < end ? buf[i]! : -1;
    }
  }

  /** Any other member value, parsed by JSON.parse from its bytes (throws what JSON.parse throws). */
  private other(): unknown {
    const start = this.at;
    const first = this.peek();
    let end: number;
    if (first === QUOTE) end = stringEnd(this.buf, start, this.end);
    else if (first === OPEN_BRACKET || first === OPEN_BRACE) end = containerEnd(this.buf, start, this.end);
    else end = tokenEnd(this.buf, start, this.end);
    if (end <= start) return undefined;
    this.at = end;
    return JSON.parse(this.buf.toString("utf8", start, end)) as unknown;
  }
}

function grown(a: Float64Array): Float64Array {
  const out = new Float64Array(a.length * 2);
  out.set(a);
  return out;
}
