// Scalar encodings of the wire (SPEC §5): keys as standard base64 with padding, times as
// RFC 3339 UTC. Browser-safe: btoa/atob, no Buffer.
import { previewKey } from "../keys/preview.js";

/** Standard base64 with padding, nothing else (no URL alphabet, blanks or missing padding). */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** True for text `decodeKey` accepts: standard base64 with padding (`""` is the empty key). */
export function isBase64Key(text: string): boolean {
  return BASE64.test(text);
}

/** Standard base64 (with padding) of a key; `null` for an empty or absent key. */
export function encodeKey(key: Uint8Array | null): string | null {
  if (key === null) return null;
  if (!(key instanceof Uint8Array)) throw new TypeError(`key must be a Uint8Array or null, got ${typeof key}`);
  if (key.length === 0) return null;
  let binary = "";
  const CHUNK = 0x8000; // keeps String.fromCharCode's argument list bounded for long keys
  for (let i = 0; i < key.length; i += CHUNK) {
    binary += String.fromCharCode(...key.subarray(i, i + CHUNK));
  }
  return btoa(binary);
}

/**
 * Inverse of `encodeKey`: `null` (or "") gives `null`. Throws TypeError unless `text` is standard
 * base64 with padding (atob alone would also take blanks and missing padding).
 */
export function decodeKey(text: string | null): Uint8Array | null {
  if (text === null || text === "") return null;
  if (!isBase64Key(text)) throw new TypeError(`key is not valid base64: ${JSON.stringify(text.slice(0, 64))}`);
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** RFC 3339 UTC timestamp with milliseconds, e.g. `2026-11-25T18:40:17.123Z`. */
export function rfc3339(ms: number): string {
  if (!Number.isFinite(ms)) throw new RangeError(`ms must be a finite number, got ${ms}`);
  return new Date(ms).toISOString();
}

/** Key preview of SPEC §6 of a wire (base64) key. */
export function keyLabel(b64: string | null): string {
  return previewKey(decodeKey(b64));
}
