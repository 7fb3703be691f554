// The matrix response body (SPEC §5 JSON) formatted straight from a MatrixTable's typed arrays
// into fixed-size byte chunks: no number[] per row, no 10 MB string. The text is byte-for-byte
// `JSON.stringify(toWireMatrix(table))` (same field order, same omission rules, same number
// formatting), so a client cannot tell which path produced it. Browser-safe (no Buffer).
//
// Why it is faster than JSON.stringify: cells are integers almost always, written with a 4-digit
// lookup table instead of V8's general double-to-string; rows whose group ids or terms are one
// value throughout (nearly all) copy one pre-formatted run; the text never exists as a JS string.
import type { RowHead } from "../wire/wire.js";
import { runSteps, type Steps } from "../steps.js";
import { isConstant, wholeRowIdentity, type MatrixTable } from "./table.js";

/** Receives each finished chunk; the writer never touches a chunk after handing it over. */
export type ChunkSink = (chunk: Uint8Array) => void;

const CHUNK_BYTES = 256 * 1024;
// The longest number the fast path writes is 10 digits; anything else goes through String(v),
// at most 24 characters ("-1.2345678901234567e+300"). Reserving this much before a number
// keeps the per-number bounds check to one compare.
const MAX_NUMBER_BYTES = 32;
const COMMA = 0x2c;

// "0000".."9999" as ASCII, 4 bytes each, and how many significant digits each has.
const PAD4 = new Uint8Array(40000);
const LEN4 = new Uint8Array(10000);
for (let n = 0; n < 10000; n++) {
  PAD4[n * 4] = 0x30 + Math.floor(n / 1000);
  PAD4[n * 4 + 1] = 0x30 + (Math.floor(n / 100) % 10);
  PAD4[n * 4 + 2] = 0x30 + (Math.floor(n / 10) % 10);
  PAD4[n * 4 + 3] = 0x30 + (n % 10);
  LEN4[n] = n >= 1000 ? 4 : n >= 100 ? 3 : n >= 10 ? 2 : 1;
}

const utf8 = new TextEncoder();

/** Appends bytes into chunks of CHUNK_BYTES and hands full chunks to the sink. */
class ChunkWriter {
  buf = new Uint8Array(CHUNK_BYTES);
  pos = 0;
  total = 0;

  constructor(private readonly sink: ChunkSink) {}

  /** Makes room for `n` more bytes (n ≤ CHUNK_BYTES). */
  reserve(n: number): void {
    if (this.pos + n > this.buf.length) this.flush();
  }

  flush(): void {
    if (this.pos === 0) return;
    this.sink(this.buf.subarray(0, this.pos));
    this.total += this.pos;
    this.buf = new Uint8Array(CHUNK_BYTES);
    this.pos = 0;
  }

  bytes(b: Uint8Array): void {
    if (b.length > CHUNK_BYTES) {
      this.flush();
      this.sink(b.slice());
      this.total += b.length;
      return;
    }
    this.reserve(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** ASCII text as is; anything else through UTF-8. */
  text(s: string): void {
    const n = s.length;
    if (n > CHUNK_BYTES / 4) return this.bytes(utf8.encode(s));
    this.reserve(n * 3);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) return this.bytes(utf8.encode(s)); // nothing was committed yet
      buf[p++] = c;
    }
    this.pos = p;
  }

  /** A JSON string literal. */
  string(s: string): void {
    this.text(JSON.stringify(s));
  }

  /** A number as JSON.stringify writes it (non-finite → null). Caller reserved MAX_NUMBER_BYTES. */
  numberAt(v: number): void {
    if (v >= 0 && v < 4294967296 && v === Math.floor(v)) this.pos = writeUint(this.buf, this.pos, v);
    else this.text(Number.isFinite(v) ? String(v) : "null");
  }

  number(v: number): void {
    this.reserve(MAX_NUMBER_BYTES);
    this.numberAt(v);
  }
}

/** Writes integer `v` in [0, 2^32) at `p`; returns the new position. */
function writeUint(buf: Uint8Array, p: number, v: number): number {
  if (v < 10000) return put4(buf, p, v, LEN4[v]!);
  const hi = Math.floor(v / 10000);
  const lo = v - hi * 10000;
  if (hi < 10000) p = put4(buf, p, hi, LEN4[hi]!);
  else {
    const top = Math.floor(hi / 10000);
    p = put4(buf, p, top, LEN4[top]!);
    p = put4(buf, p, hi - top * 10000, 4);
  }
  return put4(buf, p, lo, 4);
}

/** The last `len` digits of the 4-digit form of `n`. */
function put4(buf: Uint8Array, p: number, n: number, len: number): number {
  const at = n * 4;
  switch (len) {
    case 1:
      buf[p] = PAD4[at + 3]!;
      return p + 1;
    case 2:
      buf[p] = PAD4[at + 2]!;
      buf[p + 1] = PAD4[at + 3]!;
      return p + 2;
    case 3:
      buf[p] = PAD4[at + 1]!;
      buf[p + 1] = PAD4[at + 2]!;
      buf[p + 2] = PAD4[at + 3]!;
      return p + 3;
    default:
      buf[p] = PAD4[at]!;
      buf[p + 1] = PAD4[at + 1]!;
      buf[p + 2] = PAD4[at + 2]!;
      buf[p + 3] = PAD4[at + 3]!;
      return p + 4;
  }
}

/**
 * Writes `JSON.stringify(toWireMatrix(table))` as UTF-8 into `sink`, in chunks of at most
 * 256 KiB (a single piece longer than that, e.g. a huge key, is its own chunk). Returns the
 * number of bytes written. Synchronous: the table's arrays may be views of reused buffers.
 */
export function writeMatrixJson(table: MatrixTable, sink: ChunkSink): number {
  return runSteps(matrixJsonSteps(table, sink));
}

/** `writeMatrixJson` as steps that yield after each row (for writing in time slices). */
export function* matrixJsonSteps(table: MatrixTable, sink: ChunkSink): Steps<number> {
  const w = new ChunkWriter(sink);
  const width = table.column_unix_ms.length;
  const runs = new Map<number, Uint8Array>();
  w.text('{"column_unix_ms":');
  numberList(w, table.column_unix_ms);
  w.text(',"rows":[');
  for (let i = 0; i < table.heads.length; i++) {
    if (i > 0) w.text(",");
    const r = table.cellRow[i]!;
    const at = r * width;
    const whole = wholeRowIdentity(table, r);
    writeHead(w, table.heads[i]!);
    w.text(',"values":');
    cellList(w, table.values, at, width);
    const conflicts = table.conflicts;
    if (conflicts !== null && conflicts.subarray(at, at + width).indexOf(1) >= 0) {
      w.text(',"conflict":true,"conflicts":');
      flagList(w, conflicts, at, width);
    }
    w.text(',"raft_group_ids":');
    if (whole === undefined) identityList(w, table.groups, at, width, runs);
    else constantList(w, whole[0], width, runs);
    w.text(',"leader_terms":');
    if (whole === undefined) identityList(w, table.terms, at, width, runs);
    else constantList(w, whole[1], width, runs);
    w.text("}");
    yield;
  }
  w.text('],"series":');
  w.string(table.series);
  w.text(',"generated_at":');
  w.string(table.generated_at);
  if (table.fanout !== undefined) {
    w.text(',"fanout":');
    w.text(JSON.stringify(table.fanout));
  }
  w.text("}");
  w.flush();
  return w.total;
}

/** Everything `writeMatrixJson` writes, in one array (tests, benchmarks, small matrices). */
export function matrixJsonBytes(table: MatrixTable): Uint8Array {
  const chunks: Uint8Array[] = [];
  writeMatrixJson(table, (c) => chunks.push(c));
  return concat(chunks);
}

/** The row fields before `values`, in makeRow's order and with its omission rules. */
function writeHead(w: ChunkWriter, h: RowHead): void {
  w.text('{"bucket_id":');
  w.string(h.bucket_id);
  if (h.label) {
    w.text(',"label":');
    w.string(h.label);
  }
  w.text(',"start":');
  w.text(h.start === null ? "null" : JSON.stringify(h.start));
  w.text(',"end":');
  w.text(h.end === null ? "null" : JSON.stringify(h.end));
  w.text(h.aggregate ? ',"aggregate":true' : ',"aggregate":false');
  if (h.aggregate && h.route_ids !== undefined) {
    w.text(',"route_ids":');
    numberList(w, h.route_ids as number[]);
    if (h.route_ids_truncated) w.text(',"route_ids_truncated":true');
  }
  w.text(',"route_count":');
  w.number(h.route_count);
}

// Numbers per bounds check in numberList.
const BLOCK = 64;

/** `[a,b,…]` of a short plain list (column times, route ids): not hot. */
function numberList(w: ChunkWriter, source: readonly number[]): void {
  w.text("[");
  for (let i = 0; i < source.length; i++) {
    if (i > 0) w.text(",");
    w.number(source[i]!);
  }
  w.text("]");
}

/**
 * `[a,b,…]` of `cells[at .. at+length)`: the hot loop (millions of numbers per matrix). Kept to
 * Float64Array only, so the element load stays monomorphic.
 */
function cellList(w: ChunkWriter, source: Float64Array, at: number, length: number): void {
  w.reserve(1);
  w.buf[w.pos++] = 0x5b; // [
  let i = 0;
  while (i < length) {
    w.reserve(BLOCK * (MAX_NUMBER_BYTES + 1));
    const end = Math.min(length, i + BLOCK);
    const buf = w.buf;
    let p = w.pos;
    for (; i < end; i++) {
      if (i > 0) buf[p++] = COMMA;
      const v = source[at + i]!;
      // Small non-negative integers (nearly every count, group id and term) inline.
      if (v >>> 0 === v && v < 10000) {
        p = put4(buf, p, v, LEN4[v]!);
      } else {
        w.pos = p;
        w.numberAt(v);
        p = w.pos;
      }
    }
    w.pos = p;
  }
  w.reserve(1);
  w.buf[w.pos++] = 0x5d; // ]
}

/**
 * `[true,false,…]` of `flags[at .. at+length)` (1 = true): a merged row with conflicts has one
 * flag per column, so this is as hot as `cellList` for such rows; bytes go straight into the
 * chunk, a block of flags per bounds check (a `text` call per flag cost ~3× as much).
 */
function flagList(w: ChunkWriter, flags: Uint8Array, at: number, length: number): void {
  w.reserve(1);
  w.buf[w.pos++] = 0x5b; // [
  let i = 0;
  while (i < length) {
    w.reserve(BLOCK * 6); // ",false"
    const end = Math.min(length, i + BLOCK);
    const buf = w.buf;
    let p = w.pos;
    for (; i < end; i++) {
      if (i > 0) buf[p++] = COMMA;
      if (flags[at + i] === 1) {
        buf[p] = 0x74; // t
        buf[p + 1] = 0x72; // r
        buf[p + 2] = 0x75; // u
        buf[p + 3] = 0x65; // e
        p += 4;
      } else {
        buf[p] = 0x66; // f
        buf[p + 1] = 0x61; // a
        buf[p + 2] = 0x6c; // l
        buf[p + 3] = 0x73; // s
        buf[p + 4] = 0x65; // e
        p += 5;
      }
    }
    w.pos = p;
  }
  w.reserve(1);
  w.buf[w.pos++] = 0x5d; // ]
}

/** A group-id or term list: one pre-formatted run per value when the row is constant. */
function identityList(
  w: ChunkWriter,
  source: Float64Array,
  at: number,
  length: number,
  runs: Map<number, Uint8Array>,
): void {
  if (length === 0 || !isConstant(source, at, length)) return cellList(w, source, at, length);
  constantList(w, source[at]!, length, runs);
}

/** `[v,v,…]` (`length` times) as one pre-formatted run, made once per value. */
function constantList(w: ChunkWriter, v: number, length: number, runs: Map<number, Uint8Array>): void {
  let run = runs.get(v);
  if (run === undefined) {
    const chunks: Uint8Array[] = [];
    const one = new ChunkWriter((c) => chunks.push(c.slice()));
    cellList(one, new Float64Array(length).fill(v), 0, length);
    one.flush();
    run = chunks.length === 1 ? chunks[0]! : concat(chunks);
    runs.set(v, run);
  }
  w.bytes(run);
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let p = 0;
  for (const c of chunks) {
    out.set(c, p);
    p += c.length;
  }
  return out;
}
