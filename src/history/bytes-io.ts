// Byte-level writing and reading for the `.kvz` codec: little-endian fixed-width integers and
// LEB128 varints of safe integers (0 … 2^53 − 1), with zigzag for signed deltas. Arithmetic, not
// bitwise, above 2^31: JS bit operators truncate to 32 bits. The reader checks every access
// against the end of its block and throws HistoryFormatError naming the offset.

import { HistoryFormatError } from "./format-error.js";

const TWO_31 = 2 ** 31;
/** A varint of a safe integer has at most 8 bytes (8 × 7 = 56 bits ≥ 53). */
const MAX_VARINT_BYTES = 8;

/** Growable output buffer. */
export class ByteWriter {
  private buf: Uint8Array;
  private at = 0;

  constructor(initial = 256) {
    this.buf = new Uint8Array(initial);
  }

  get length(): number {
    return this.at;
  }

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.at + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.at));
    this.buf = next;
  }

  u8(v: number): void {
    this.room(1);
    this.buf[this.at++] = v;
  }

  u16(v: number): void {
    this.room(2);
    this.buf[this.at++] = v & 0xff;
    this.buf[this.at++] = (v >>> 8) & 0xff;
  }

  u32(v: number): void {
    this.room(4);
    putU32(this.buf, this.at, v);
    this.at += 4;
  }

  /** Unsigned LEB128 of a safe non-negative integer. */
  varint(v: number): void {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`cannot store ${v}: not a safe non-negative integer`);
    this.room(MAX_VARINT_BYTES);
    const b = this.buf;
    while (v >= TWO_31) {
      b[this.at++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    while (v >= 0x80) {
      b[this.at++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    b[this.at++] = v;
  }

  /** Zigzag varint of a signed integer (|v| < 2^52). */
  svarint(v: number): void {
    this.varint(v >= 0 ? 2 * v : -2 * v - 1);
  }

  /**
   * Varints of `n` values: `values[i]` (unsigned), or, with `base`, the zigzag of
   * `values[i] − base[i] × scale`. One capacity check for the run and a one-byte fast path: the
   * hot loop of a column. Two loops rather than one with a branch per value.
   */
  varints(values: ArrayLike<number>, n: number, base: ArrayLike<number> | null = null, scale = 0): void {
    this.room(n * MAX_VARINT_BYTES);
    const b = this.buf;
    let at = this.at;
    if (base === null) {
      for (let i = 0; i < n; i++) {
        const v = values[i]!;
        if (v < 0x80 && v >= 0 && v === (v | 0)) b[at++] = v;
        else at = this.slowVarint(v, at);
      }
    } else {
      for (let i = 0; i < n; i++) {
        const d = values[i]! - base[i]! * scale;
        const v = d >= 0 ? 2 * d : -2 * d - 1;
        if (v < 0x80 && v === (v | 0)) b[at++] = v;
        else at = this.slowVarint(v, at);
      }
    }
    this.at = at;
  }

  /** Signed deltas (zigzag) of `n` values. */
  svarints(values: ArrayLike<number>, n: number): void {
    this.room(n * MAX_VARINT_BYTES);
    let at = this.at;
    for (let i = 0; i < n; i++) {
      const d = values[i]!;
      at = this.slowVarint(d >= 0 ? 2 * d : -2 * d - 1, at);
    }
    this.at = at;
  }

  /** Writes one varint at `at` (room already made); returns the offset after it. */
  private slowVarint(v: number, at: number): number {
    if (!Number.isSafeInteger(v) || v < 0) {
      this.at = at;
      throw new RangeError(`cannot store ${v}: not a safe non-negative integer`);
    }
    const b = this.buf;
    while (v >= TWO_31) {
      b[at++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    while (v >= 0x80) {
      b[at++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    b[at++] = v;
    return at;
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.at);
    this.at += b.length;
  }

  /** Overwrites 4 bytes at `offset` (for lengths known only after the payload). */
  patchU32(offset: number, v: number): void {
    putU32(this.buf, offset, v);
  }

  /** The bytes written so far (a view: copy before writing more). */
  view(start = 0, end = this.at): Uint8Array {
    return this.buf.subarray(start, end);
  }

  /** A copy of the bytes written so far. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.at);
  }

  reset(): void {
    this.at = 0;
  }
}

export function putU32(b: Uint8Array, at: number, v: number): void {
  b[at] = v & 0xff;
  b[at + 1] = (v >>> 8) & 0xff;
  b[at + 2] = (v >>> 16) & 0xff;
  b[at + 3] = (v >>> 24) & 0xff;
}

export function getU32(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}

export function getU16(b: Uint8Array, at: number): number {
  return b[at]! | (b[at + 1]! << 8);
}

/** Reads one region `[pos, end)` of a buffer; every read past `end` is a HistoryFormatError. */
export class ByteReader {
  pos: number;

  constructor(
    readonly buf: Uint8Array,
    start: number,
    readonly end: number,
    /** What the region is, for messages ("column block", …). */
    readonly what: string,
  ) {
    this.pos = start;
  }

  fail(what: string, at = this.pos): never {
    throw new HistoryFormatError(at, `${this.what}: ${what}`);
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  u8(): number {
    if (this.pos >= this.end) this.fail("ends inside a field");
    return this.buf[this.pos++]!;
  }

  varint(): number {
    const start = this.pos;
    let v = 0;
    let scale = 1;
    for (let i = 0; i < MAX_VARINT_BYTES; i++) {
      if (this.pos >= this.end) this.fail("ends inside a varint", start);
      const b = this.buf[this.pos++]!;
      v += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) {
        if (!Number.isSafeInteger(v)) this.fail(`varint ${v} exceeds 2^53 - 1`, start);
        if (b === 0 && i > 0) this.fail("varint has a redundant trailing zero byte", start);
        return v;
      }
      scale *= 128;
    }
    return this.fail(`varint longer than ${MAX_VARINT_BYTES} bytes`, start);
  }

  svarint(): number {
    const z = this.varint();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  /**
   * `n` varints into `out` (zigzag-decoded when `signed`), each plus `base[i] × scale` when a base
   * is given; every result must be a safe integer ≥ `min`. The hot loop of a column: one-byte
   * values take a fast path, longer ones the checked general one.
   */
  varints(
    out: Float64Array,
    n: number,
    signed: boolean,
    base: Float64Array | null,
    scale: number,
    min: number,
    what: string,
  ): void {
    const b = this.buf;
    const end = this.end;
    let p = this.pos;
    for (let i = 0; i < n; i++) {
      const start = p;
      if (p >= end) this.fail("ends inside a varint", start);
      let z = b[p++]!;
      if (z >= 0x80) {
        this.pos = start;
        z = this.varint();
        p = this.pos;
      }
      let v = signed ? (z % 2 === 0 ? z / 2 : -(z + 1) / 2) : z;
      if (base !== null) v += base[i]! * scale;
      if (v < min || !Number.isSafeInteger(v)) this.fail(`${what} ${v} is out of range`, start);
      out[i] = v;
    }
    this.pos = p;
  }

  /** A varint that must be below `limit` (a count or an index), else `what` is wrong. */
  index(limit: number, what: string): number {
    const at = this.pos;
    const v = this.varint();
    if (v >= limit) this.fail(`${what} ${v} is out of range (must be < ${limit})`, at);
    return v;
  }

  /** A count of items each taking at least `minBytes`: bounded by the bytes left. */
  count(what: string, minBytes = 1): number {
    const at = this.pos;
    const v = this.varint();
    if (v * minBytes > this.end - this.pos)
      this.fail(`${what} ${v} does not fit in the ${this.end - this.pos} bytes left`, at);
    return v;
  }

  bytes(n: number): Uint8Array {
    if (n > this.end - this.pos) this.fail(`needs ${n} bytes, ${this.end - this.pos} left`);
    const out = this.buf.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** Fails unless every byte of the region was consumed. */
  expectEnd(): void {
    if (this.pos !== this.end) this.fail(`${this.end - this.pos} unexpected bytes after the last field`);
  }
}
