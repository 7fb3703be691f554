// Byte-level scanning of JSON text, shared by the yielding parser and the matrix row decoder: both
// find where a token, string or container ends without parsing it (JSON.parse, or the decoder's
// own digit loop, reads it after). Only ASCII bytes are looked at, so a scan never stops inside a
// UTF-8 sequence.

export const QUOTE = 0x22;
export const COMMA = 0x2c;
export const COLON = 0x3a;
export const OPEN_BRACKET = 0x5b;
export const CLOSE_BRACKET = 0x5d;
export const OPEN_BRACE = 0x7b;
export const CLOSE_BRACE = 0x7d;
const BACKSLASH = 0x5c;

export function isJsonWhitespace(b: number | undefined): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

/** Ends a literal or number token. */
function isTokenEnd(b: number | undefined): boolean {
  return b === COMMA || b === CLOSE_BRACKET || b === CLOSE_BRACE || isJsonWhitespace(b);
}

/** Index after the literal or number token at `start` (at most `end`). */
export function tokenEnd(buf: Buffer, start: number, end: number): number {
  let i = start;
  while (i < end && !isTokenEnd(buf[i])) i++;
  return i;
}

/** Index after the closing quote of the string at `start`, or -1 when it does not close before `end`. */
export function stringEnd(buf: Buffer, start: number, end: number): number {
  let from = start + 1;
  for (;;) {
    const q = buf.indexOf(QUOTE, from);
    if (q < 0 || q >= end) return -1;
    let backslashes = 0;
    while (buf[q - 1 - backslashes] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return q + 1;
    from = q + 1;
  }
}

/**
 * Index after the bracket closing the container at `start`, or -1 when it does not close before
 * `end` (strings skipped whole; brackets are only counted, their kinds checked by the parser).
 */
export function containerEnd(buf: Buffer, start: number, end: number): number {
  let depth = 0;
  for (let i = start; i < end; i++) {
    const b = buf[i];
    if (b === QUOTE) {
      const after = stringEnd(buf, i, end);
      if (after < 0) return -1;
      i = after - 1;
    } else if (b === OPEN_BRACKET || b === OPEN_BRACE) depth++;
    else if (b === CLOSE_BRACKET || b === CLOSE_BRACE) {
      if (--depth === 0) return i + 1;
    }
  }
  return -1;
}
