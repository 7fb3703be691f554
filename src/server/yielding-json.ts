// JSON.parse for large peer bodies that does not stall the event loop (issue 10.6: one valid
// 53 MB matrix blocked the loop for 1.3 s inside a single JSON.parse).
//
// Small values are still parsed by JSON.parse (fast, and the judge of validity); only containers
// larger than `sliceBytes` are walked here, element by element, with a yield to the event loop
// whenever `budgetMs` of work has passed. A matrix is one object whose `rows` array holds rows of
// tens of KB: the walk splits it into rows and each row is one JSON.parse. The structural walk
// only looks at ASCII bytes (`"`, `\`, brackets, `,`, `:`, whitespace), so slices never cut a UTF-8
// sequence, and every primitive and key is parsed by JSON.parse, so the result (and what is
// rejected) is exactly JSON.parse's — with one exception: containers larger than `sliceBytes`
// nested more than `maxDepth` deep are refused, which bounds the probing work a hostile body can
// cause (a matrix nests 3 deep).
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

export interface YieldingParseOptions {
  /** Containers up to this many bytes are parsed in one JSON.parse; default 256 KiB (~2 ms). */
  sliceBytes?: number;
  /** Work between two yields; default 8 ms. */
  budgetMs?: number;
  /** Large containers nested deeper than this are refused; default 16. */
  maxDepth?: number;
  /** How the elements of arrays walked here (those larger than `sliceBytes`) are read. */
  elements?: ElementReader;
}

/** An element an ElementReader decoded, and the index after it. */
export interface DecodedElement {
  value: unknown;
  end: number;
}

/**
 * Reads the elements of a walked array in the caller's own way, e.g. to keep a large answer's
 * elements smaller while the rest is still being parsed. `arrayKey` is the property name the
 * array sits under (undefined at the top or inside an array).
 */
export interface ElementReader {
  /**
   * The container element starting at `buf[start]`, decoded directly, when it ends before `stop`
   * (`sliceBytes` on: a larger one is walked); undefined to have JSON.parse read it (then
   * `reshape` applies). Its value must be what JSON.parse and `reshape` would give.
   */
  decode?(buf: Buffer, start: number, stop: number, arrayKey: string | undefined): DecodedElement | undefined;
  /** Called with each element JSON.parse read; its result is stored instead. */
  reshape?(value: unknown, arrayKey: string | undefined): unknown;
}

export async function parseJsonYielding(buf: Buffer, opts: YieldingParseOptions = {}): Promise<unknown> {
  const sliceBytes = opts.sliceBytes ?? 256 * 1024;
  if (buf.length <= sliceBytes) return JSON.parse(buf.toString("utf8"));
  const walker = new Walker(buf, sliceBytes, opts.budgetMs ?? 8, opts.maxDepth ?? 16, opts.elements ?? {});
  const value = await walker.value(0);
  walker.skipWhitespace();
  if (walker.at < buf.length)
    throw new SyntaxError(`Unexpected non-whitespace character after JSON at position ${walker.at}`);
  return value;
}

class Walker {
  at = 0;
  private lastYield = performance.now();

  constructor(
    private readonly buf: Buffer,
    private readonly sliceBytes: number,
    private readonly budgetMs: number,
    private readonly maxDepth: number,
    private readonly elements: ElementReader,
  ) {}

  skipWhitespace(): void {
    while (isJsonWhitespace(this.buf[this.at])) this.at++;
  }

  /** Parses the value at the cursor and moves past it. */
  async value(depth: number, key?: string): Promise<unknown> {
    this.skipWhitespace();
    const start = this.at;
    const first = this.buf[start];
    let end: number;
    if (first === OPEN_BRACKET || first === OPEN_BRACE) {
      end = this.containerEnd(start);
      if (end < 0) return first === OPEN_BRACKET ? this.array(depth + 1, key) : this.object(depth + 1);
    } else if (first === QUOTE) {
      end = this.stringEnd(start);
    } else {
      end = tokenEnd(this.buf, start, this.buf.length);
    }
    this.at = end;
    const parsed: unknown = JSON.parse(this.buf.toString("utf8", start, end));
    await this.maybeYield();
    return parsed;
  }

  private async array(depth: number, key: string | undefined): Promise<unknown[]> {
    this.checkDepth(depth);
    const out: unknown[] = [];
    this.at++; // [
    this.skipWhitespace();
    if (this.buf[this.at] === CLOSE_BRACKET) {
      this.at++;
      return out;
    }
    for (;;) {
      out.push(await this.element(depth, key));
      if (this.separator(CLOSE_BRACKET)) return out;
    }
  }

  /** An element of an array under `key`, read through `elements`. */
  private async element(depth: number, key: string | undefined): Promise<unknown> {
    const { decode, reshape } = this.elements;
    if (decode !== undefined) {
      this.skipWhitespace();
      const start = this.at;
      const first = this.buf[start];
      const stop = Math.min(this.buf.length, start + this.sliceBytes);
      const decoded = first === OPEN_BRACKET || first === OPEN_BRACE ? decode(this.buf, start, stop, key) : undefined;
      if (decoded !== undefined) {
        this.at = decoded.end;
        await this.maybeYield();
        return decoded.value;
      }
    }
    const v = await this.value(depth);
    return reshape === undefined ? v : reshape(v, key);
  }

  private async object(depth: number): Promise<Record<string, unknown>> {
    this.checkDepth(depth);
    const out: Record<string, unknown> = {};
    this.at++; // {
    this.skipWhitespace();
    if (this.buf[this.at] === CLOSE_BRACE) {
      this.at++;
      return out;
    }
    for (;;) {
      this.skipWhitespace();
      if (this.buf[this.at] !== QUOTE) throw this.unexpected("a property name");
      const keyEnd = this.stringEnd(this.at);
      const key = JSON.parse(this.buf.toString("utf8", this.at, keyEnd)) as string;
      this.at = keyEnd;
      this.skipWhitespace();
      if (this.buf[this.at] !== COLON) throw this.unexpected("':'");
      this.at++;
      const v = await this.value(depth, key);
      // defineProperty, as JSON.parse does: a "__proto__" key must stay a plain property.
      Object.defineProperty(out, key, { value: v, writable: true, enumerable: true, configurable: true });
      if (this.separator(CLOSE_BRACE)) return out;
    }
  }

  /** After an element: true at the closing bracket (consumed), false after a comma. */
  private separator(close: number): boolean {
    this.skipWhitespace();
    const b = this.buf[this.at];
    this.at++;
    if (b === close) return true;
    if (b === COMMA) return false;
    this.at--;
    throw this.unexpected(`',' or '${String.fromCharCode(close)}'`);
  }

  /**
   * Index after the bracket closing the container at `start`, or -1 when it is longer than a
   * slice; the buffer's length when it does not close at all (JSON.parse then reports it).
   */
  private containerEnd(start: number): number {
    const limit = Math.min(this.buf.length, start + this.sliceBytes);
    const end = containerEnd(this.buf, start, limit);
    return end < 0 && limit === this.buf.length ? limit : end;
  }

  /** Index after the closing quote of the string at `start`; throws when it does not close. */
  private stringEnd(start: number): number {
    const end = stringEnd(this.buf, start, this.buf.length);
    if (end < 0) throw new SyntaxError(`Unterminated string in JSON at position ${start}`);
    return end;
  }

  private checkDepth(depth: number): void {
    if (depth > this.maxDepth) throw new SyntaxError(`JSON nests large containers deeper than ${this.maxDepth} levels`);
  }

  private unexpected(what: string): SyntaxError {
    return new SyntaxError(`Expected ${what} in JSON at position ${this.at}`);
  }

  private async maybeYield(): Promise<void> {
    if (performance.now() - this.lastYield < this.budgetMs) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.lastYield = performance.now();
  }
}
