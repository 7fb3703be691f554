// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of every `.kvz` block.
//
// Written here rather than taken from npm: the npm packages for it are either native addons
// (no browser) or general CRC collections far larger than these lines, and the core entry must
// load in browsers. Slicing-by-8 tables (8 KiB, built once on first use) keep it near 1 GB/s
// in V8, so checksumming a day of history costs little next to decoding it.

const POLY = 0x82f63b78;
// Int32 tables and state: V8 keeps them as small integers, while u32 values past 2^31 would be
// boxed doubles on every XOR (measured ~1.2× faster this way, 50 MB, CPU time).
let tables: Int32Array | null = null;

function buildTables(): Int32Array {
  const t = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n]!;
    for (let s = 1; s < 8; s++) {
      c = t[c & 0xff]! ^ (c >>> 8);
      t[s * 256 + n] = c;
    }
  }
  return t;
}

/** CRC-32C of `bytes[start, end)`, as an unsigned 32-bit number. */
export function crc32c(bytes: Uint8Array, start = 0, end = bytes.length): number {
  const t = (tables ??= buildTables());
  let c = -1;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    const lo = (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)) ^ c;
    c =
      t[1792 + (lo & 0xff)]! ^
      t[1536 + ((lo >>> 8) & 0xff)]! ^
      t[1280 + ((lo >>> 16) & 0xff)]! ^
      t[1024 + (lo >>> 24)]! ^
      t[768 + bytes[i + 4]!]! ^
      t[512 + bytes[i + 5]!]! ^
      t[256 + bytes[i + 6]!]! ^
      t[bytes[i + 7]!]!;
  }
  for (; i < end; i++) c = t[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}
