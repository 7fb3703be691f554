// Writes `.kvz` files block by block (docs/format.md): the header, the INFO block, DICT blocks
// declaring row metadata before the columns that use it, one COLUMN block per column, and, for
// exports, the trailer. Each method returns finished bytes, so a caller can stream them (the
// HTTP export) or append them to a file (the segment log) as they come.

import type { RowMeta } from "../types.js";
import { ByteWriter, putU32 } from "./bytes-io.js";
import { ColumnWriter, type ColumnData } from "./column-codec.js";
import { crc32c } from "./crc32c.js";
import { BLOCK_HEAD_BYTES, BlockType, HEADER_BYTES, MAGIC, MAJOR, MINOR, type FileInfo } from "./kvz-format.js";
import { DictWriter } from "./meta-codec.js";

export function fileHeader(): Uint8Array {
  const h = new Uint8Array(HEADER_BYTES);
  h.set(MAGIC, 0);
  h[8] = MAJOR & 0xff;
  h[9] = MAJOR >>> 8;
  h[10] = MINOR & 0xff;
  h[11] = MINOR >>> 8;
  putU32(h, 12, crc32c(h, 0, 12));
  return h;
}

export class KvzWriter {
  private readonly dict = new DictWriter();
  /** Dense group index of every declared meta, and the group id of each index. */
  private groupIndex = new Uint32Array(256);
  private readonly groupIds: number[] = [];
  private readonly groupIndexOf = new Map<number, number>();
  private readonly columnWriter = new ColumnWriter();
  private readonly out = new ByteWriter(1 << 12);
  private blocks = 0;
  private columns = 0;

  /** Metas declared so far: a column may use ids below this. */
  get metaCount(): number {
    return this.dict.metaCount;
  }

  header(): Uint8Array {
    return fileHeader();
  }

  info(info: FileInfo): Uint8Array {
    return this.block(BlockType.Info, (w) => {
      w.varint(info.kind);
      w.varint(info.stepMs);
      w.varint(info.writtenMs);
    });
  }

  /** Declares `metas` with the next ids (metaCount, metaCount + 1, …). */
  metas(metas: readonly RowMeta[]): Uint8Array {
    let id = this.dict.metaCount;
    if (this.groupIndex.length < id + metas.length) {
      const grown = new Uint32Array(Math.max(id + metas.length, 2 * this.groupIndex.length));
      grown.set(this.groupIndex);
      this.groupIndex = grown;
    }
    for (const m of metas) {
      let g = this.groupIndexOf.get(m.groupId);
      if (g === undefined) {
        g = this.groupIds.length;
        this.groupIds.push(m.groupId);
        this.groupIndexOf.set(m.groupId, g);
      }
      this.groupIndex[id++] = g;
    }
    const payload = this.dict.payload(metas);
    return this.block(BlockType.Dict, (w) => w.bytes(payload));
  }

  column(c: ColumnData): Uint8Array {
    const declared = this.dict.metaCount;
    for (let i = 0; i < c.n; i++) {
      if (c.metaIds[i]! >= declared)
        throw new RangeError(`column at ${c.atMs} uses meta ${c.metaIds[i]} before it was declared`);
    }
    this.columns++;
    return this.block(BlockType.Column, (w) =>
      this.columnWriter.payload(c, w, { ofMeta: this.groupIndex, ids: this.groupIds }),
    );
  }

  trailer(): Uint8Array {
    const blocks = this.blocks;
    return this.block(BlockType.Trailer, (w) => {
      w.varint(blocks);
      w.varint(this.columns);
      w.varint(this.dict.metaCount);
    });
  }

  private block(type: number, fill: (w: ByteWriter) => void): Uint8Array {
    const w = this.out;
    w.reset();
    w.u8(type);
    w.u32(0);
    fill(w);
    w.patchU32(1, w.length - BLOCK_HEAD_BYTES);
    w.u32(crc32c(w.view()));
    this.blocks++;
    return w.finish();
  }
}
