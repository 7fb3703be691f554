// The SPEC §6 key preview, for messages and labels: one rule everywhere.

import type { Key } from "../types.js";

/** Bytes shown in hex before the preview is cut with "…". */
const PREVIEW_HEX_BYTES = 32;

/**
 * `(empty)` for an empty (or null) key; the text itself when every byte is printable ASCII
 * (0x20–0x7E); else `0x` + hex of the first 32 bytes, with `…` when the key is longer.
 */
export function previewKey(key: Key): string {
  if (key === null || key.length === 0) return "(empty)";
  if (key.every((b) => b >= 0x20 && b <= 0x7e)) return String.fromCharCode(...key);
  const hex = Array.from(key.subarray(0, PREVIEW_HEX_BYTES), (b) => b.toString(16).padStart(2, "0")).join("");
  return `0x${hex}${key.length > PREVIEW_HEX_BYTES ? "…" : ""}`;
}
