// Constants of the `.kvz` history format (docs/format.md is the normative description). One
// format serves the on-disk segment log, the export file and the replay input.

/** File signature: \x89 K V Z \r \n \x1a \n (the PNG trick: catches 7-bit and newline mangling). */
export const MAGIC = Uint8Array.of(0x89, 0x4b, 0x56, 0x5a, 0x0d, 0x0a, 0x1a, 0x0a);
export const MAJOR = 1;
export const MINOR = 0;
/** magic (8) + major (2) + minor (2) + CRC-32C of the previous 12 bytes (4). */
export const HEADER_BYTES = 16;
/** type (1) + payload length (4) before the payload, CRC-32C (4) after it. */
export const BLOCK_HEAD_BYTES = 5;
export const BLOCK_CRC_BYTES = 4;
/** Largest payload a reader accepts (a sanity bound against corrupt lengths). */
export const MAX_BLOCK_PAYLOAD = 1 << 30;

export const BlockType = {
  /** File description: kind, base step. Exactly one, first. */
  Info: 0x01,
  /** New interned keys, strings and row metadata. */
  Dict: 0x02,
  /** One flushed column. */
  Column: 0x03,
  /** End of an export file: counts of what came before. Nothing may follow. */
  Trailer: 0x0f,
} as const;

/** Block types with this bit set may be skipped by readers that do not know them. */
export const OPTIONAL_BLOCK = 0x80;

/** INFO `kind`. */
export const FileKind = { Log: 0, Export: 1 } as const;
export type FileKind = (typeof FileKind)[keyof typeof FileKind];

/** Meta record flags. */
export const MetaFlag = {
  Aggregate: 1,
  HasRouteId: 2,
  StartNull: 4,
  EndNull: 8,
  /** The bucket id is stored (a string id) instead of derived from route, label and sub-bucket. */
  ExplicitBucketId: 16,
  /** Member routes are stored instead of being `[routeId]` with a total of 1. */
  ExplicitMembers: 32,
} as const;
export const META_FLAGS_KNOWN = 63;

/** Column flags. */
export const ColumnFlag = {
  /** The column's meta ids are those of the previous column of the file, in the same order. */
  SameIds: 1,
  /** Bits 1–4: series present (reads, writes, read_bytes, write_bytes); absent = all zero. */
  SeriesShift: 1,
} as const;
export const COLUMN_FLAGS_KNOWN = 31;

/** What a decoded file describes, besides its metas and columns. */
export interface FileInfo {
  kind: FileKind;
  /** The base step of the sampler that wrote it. */
  stepMs: number;
  /** When the file was written (unix ms). */
  writtenMs: number;
}
