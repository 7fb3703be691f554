// Reads `.kvz` files (docs/format.md). Strict for exports: any problem — bad magic, a newer
// major version, a checksum mismatch, a truncated block, a missing trailer, bytes after it, or a
// field out of range — throws HistoryFormatError naming the offset, and the caller has built
// nothing it returns. For segment logs the first bad block ends the read: everything before it
// is delivered and the problem is reported, so a torn tail can be cut off.

import type { RowMeta } from "../types.js";
import { ByteReader, getU16, getU32 } from "./bytes-io.js";
import { ColumnReader, type ColumnData } from "./column-codec.js";
import { crc32c } from "./crc32c.js";
import { HistoryFormatError } from "./format-error.js";
import {
  BLOCK_CRC_BYTES,
  BLOCK_HEAD_BYTES,
  BlockType,
  FileKind,
  HEADER_BYTES,
  MAGIC,
  MAJOR,
  MAX_BLOCK_PAYLOAD,
  MINOR,
  OPTIONAL_BLOCK,
  type FileInfo,
} from "./kvz-format.js";
import { DictTables, readDict } from "./meta-codec.js";

export interface ReadOptions {
  /** "export": strict, trailer required. "log": stop at the first bad block and report it. */
  mode: "export" | "log";
  /**
   * Called with every column, in file order; the data is valid only during the call. `blockAt`:
   * the offset of the column's block (where a reader that refuses the column cuts the file).
   */
  onColumn(column: ColumnData, metas: readonly RowMeta[], blockAt: number): void;
}

export interface ReadResult {
  info: FileInfo;
  metas: RowMeta[];
  columns: number;
  /** Offset just past the last valid block (the file's length when everything was valid). */
  validEnd: number;
  /** Log mode: why reading stopped before the end, or null. */
  tailError: HistoryFormatError | null;
}

/** Checks the 16-byte header; throws HistoryFormatError when it is not a readable `.kvz` file. */
export function checkHeader(bytes: Uint8Array): void {
  if (!(bytes instanceof Uint8Array)) throw new TypeError("history bytes must be a Uint8Array");
  for (let i = 0; i < MAGIC.length; i++) {
    if (i >= bytes.length)
      throw new HistoryFormatError(bytes.length, `file ends inside the magic number (${bytes.length} bytes)`);
    if (bytes[i] !== MAGIC[i]) throw new HistoryFormatError(i, "not a .kvz history file (bad magic number)");
  }
  if (bytes.length < HEADER_BYTES)
    throw new HistoryFormatError(bytes.length, `file ends inside the ${HEADER_BYTES}-byte header`);
  const major = getU16(bytes, 8);
  const minor = getU16(bytes, 10);
  if (major > MAJOR) {
    throw new HistoryFormatError(
      8,
      `format version ${major}.${minor} is newer than this reader, which reads version ${MAJOR}.x (up to ${MAJOR}.${MINOR})`,
    );
  }
  if (getU32(bytes, 12) !== crc32c(bytes, 0, 12)) throw new HistoryFormatError(12, "header checksum mismatch");
  if (major < 1)
    throw new HistoryFormatError(8, `format major version ${major} does not exist (this reader reads ${MAJOR}.x)`);
}

export function readHistory(bytes: Uint8Array, opts: ReadOptions): ReadResult {
  checkHeader(bytes);
  const state = new FileState(opts);
  let pos = HEADER_BYTES;
  while (pos < bytes.length && !state.ended) {
    try {
      pos = state.block(bytes, pos);
    } catch (err) {
      if (opts.mode === "log" && err instanceof HistoryFormatError && state.info !== null)
        return state.result(pos, err);
      throw err;
    }
  }
  if (state.info === null) throw new HistoryFormatError(pos, "file has no INFO block");
  if (opts.mode === "export" && !state.ended) {
    throw new HistoryFormatError(pos, "file ends without its trailer block (truncated at a block boundary?)");
  }
  return state.result(pos, null);
}

/** The INFO block of a file (its first), checked; throws HistoryFormatError like readHistory. */
export function readFileInfo(bytes: Uint8Array, mode: ReadOptions["mode"]): FileInfo {
  checkHeader(bytes);
  const state = new FileState({ mode, onColumn: () => undefined });
  state.block(bytes, HEADER_BYTES);
  return state.info!; // the first block is INFO, or block() threw
}

/** What `peekColumns` finds: the number of COLUMN blocks and the span of their times. */
export interface ColumnsPeek {
  columns: number;
  /** The first column's window start and the last column's time (0 and 0 without columns). */
  fromMs: number;
  toMs: number;
}

/**
 * Counts a file's columns by walking the block framing only: no checksums, no decoding (a day of
 * 86 400 columns in milliseconds). For sizing a full read; null when the framing is off, which
 * `readHistory` then reports properly.
 */
export function peekColumns(bytes: Uint8Array): ColumnsPeek | null {
  let pos = HEADER_BYTES;
  const peek: ColumnsPeek = { columns: 0, fromMs: 0, toMs: 0 };
  while (pos + BLOCK_HEAD_BYTES <= bytes.length) {
    const type = bytes[pos]!;
    const payload = pos + BLOCK_HEAD_BYTES;
    const end = payload + getU32(bytes, pos + 1);
    if (end + BLOCK_CRC_BYTES > bytes.length) return null;
    if (type === BlockType.Column) {
      try {
        const r = new ByteReader(bytes, payload, end, "COLUMN block");
        peek.toMs = r.varint();
        if (peek.columns === 0) peek.fromMs = peek.toMs - r.svarint();
      } catch {
        return null;
      }
      peek.columns++;
    }
    if (type === BlockType.Trailer) return peek;
    pos = end + BLOCK_CRC_BYTES;
  }
  return null;
}

/** What a reader knows while walking the blocks. */
class FileState {
  info: FileInfo | null = null;
  ended = false;
  private readonly tables = new DictTables();
  private readonly columnReader = new ColumnReader();
  /** Dense group index of every declared meta, and the index of each group id. */
  private groupIndexOf = new Uint32Array(256);
  private readonly groupIndexById = new Map<number, number>();
  private blocks = 0;
  private columns = 0;
  /** Offset of the block being read. */
  private blockAt = 0;

  constructor(private readonly opts: ReadOptions) {}

  result(validEnd: number, tailError: HistoryFormatError | null): ReadResult {
    return { info: this.info!, metas: this.tables.metas, columns: this.columns, validEnd, tailError };
  }

  /** Reads the block at `pos`; returns the offset after it. */
  block(bytes: Uint8Array, pos: number): number {
    if (bytes.length - pos < BLOCK_HEAD_BYTES) {
      throw new HistoryFormatError(
        pos,
        `truncated: ${bytes.length - pos} bytes left, a block needs at least ${BLOCK_HEAD_BYTES + BLOCK_CRC_BYTES}`,
      );
    }
    const type = bytes[pos]!;
    const length = getU32(bytes, pos + 1);
    const payload = pos + BLOCK_HEAD_BYTES;
    const end = payload + length;
    if (length > MAX_BLOCK_PAYLOAD || end + BLOCK_CRC_BYTES > bytes.length) {
      throw new HistoryFormatError(
        pos,
        `truncated or corrupt: block declares ${length} payload bytes, ${Math.max(0, bytes.length - payload - BLOCK_CRC_BYTES)} remain`,
      );
    }
    if (getU32(bytes, end) !== crc32c(bytes, pos, end)) {
      throw new HistoryFormatError(pos, `checksum mismatch in the block of type ${type} (${length} payload bytes)`);
    }
    this.blockAt = pos;
    this.payload(type, new ByteReader(bytes, payload, end, `${blockName(type)} block at byte ${pos}`));
    this.blocks++;
    return end + BLOCK_CRC_BYTES;
  }

  private payload(type: number, r: ByteReader): void {
    if (this.info === null && type !== BlockType.Info) r.fail("the first block must be INFO");
    switch (type) {
      case BlockType.Info:
        return this.readInfo(r);
      case BlockType.Dict:
        readDict(r, this.tables);
        return this.indexGroups();
      case BlockType.Column: {
        const c = this.columnReader.read(r, this.tables.metas.length, this.groupIndexOf, this.groupIndexById);
        this.columns++;
        this.opts.onColumn(c, this.tables.metas, this.blockAt);
        return;
      }
      case BlockType.Trailer:
        return this.readTrailer(r);
      default:
        if ((type & OPTIONAL_BLOCK) === 0)
          r.fail(`unknown block type ${type} (not optional: written by a newer minor version?)`);
    }
  }

  /** Extends the dense group index to metas declared by the last DICT. */
  private indexGroups(): void {
    const metas = this.tables.metas;
    if (this.groupIndexOf.length < metas.length) {
      const grown = new Uint32Array(Math.max(metas.length, 2 * this.groupIndexOf.length));
      grown.set(this.groupIndexOf);
      this.groupIndexOf = grown;
    }
    for (let id = this.indexedMetas; id < metas.length; id++) {
      const g = metas[id]!.groupId;
      let index = this.groupIndexById.get(g);
      if (index === undefined) {
        index = this.groupIndexById.size;
        this.groupIndexById.set(g, index);
      }
      this.groupIndexOf[id] = index;
    }
    this.indexedMetas = metas.length;
  }

  private indexedMetas = 0;

  private readInfo(r: ByteReader): void {
    if (this.info !== null) r.fail("a second INFO block");
    const kindAt = r.pos;
    const kind = r.varint();
    if (kind !== FileKind.Log && kind !== FileKind.Export) r.fail(`unknown file kind ${kind}`, kindAt);
    const stepAt = r.pos;
    const stepMs = r.varint();
    if (stepMs < 1) r.fail("step must be at least 1 ms", stepAt);
    const writtenMs = r.varint();
    r.expectEnd();
    if ((kind === FileKind.Export) !== (this.opts.mode === "export")) {
      r.fail(
        kind === FileKind.Export ? "an export file, not a segment log" : "a segment log, not an export file",
        kindAt,
      );
    }
    this.info = { kind: kind as FileKind, stepMs, writtenMs };
  }

  private readTrailer(r: ByteReader): void {
    if (this.opts.mode === "log") r.fail("a segment log has no trailer");
    const expect = (have: number, what: string) => {
      const at = r.pos;
      const v = r.varint();
      if (v !== have) r.fail(`trailer counts ${v} ${what}, the file has ${have}`, at);
    };
    expect(this.blocks, "blocks before it");
    expect(this.columns, "columns");
    expect(this.tables.metas.length, "metas");
    r.expectEnd();
    if (r.end + BLOCK_CRC_BYTES !== r.buf.length) {
      throw new HistoryFormatError(
        r.end + BLOCK_CRC_BYTES,
        `${r.buf.length - r.end - BLOCK_CRC_BYTES} bytes after the trailer block`,
      );
    }
    this.ended = true;
  }
}

function blockName(type: number): string {
  switch (type) {
    case BlockType.Info:
      return "INFO";
    case BlockType.Dict:
      return "DICT";
    case BlockType.Column:
      return "COLUMN";
    case BlockType.Trailer:
      return "TRAILER";
    default:
      return `type-${type}`;
  }
}
