// The SPEC §3.1 window and the SPEC §6 key preview: one definition each, checked here.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { previewKey } from "../../src/keys/preview.js";
import { prefixSide, U64_MAX, windowHigh, windowLow, windowValue } from "../../src/keys/window.js";
import { checkKey, copyKey } from "../../src/validate.js";
import { bytes, enc } from "../helpers.js";

/** Reference: the 8 bytes from `offset`, big-endian, zero-padded, one BigInt step per byte. */
function refWindow(key: Uint8Array, offset: number): bigint {
  let v = 0n;
  for (let i = 0; i < 8; i++) v = (v << 8n) | BigInt(key[offset + i] ?? 0);
  return v;
}

describe("SPEC §3.1 window", () => {
  it("reads 8 bytes big-endian from the offset, zero-padded past the key", () => {
    const k = bytes(1, 2, 3, 4, 5, 6, 7, 8, 9);
    expect(windowHigh(k, 0)).toBe(0x01020304);
    expect(windowLow(k, 0)).toBe(0x05060708);
    expect(windowValue(k, 1)).toBe(0x0203040506070809n);
    expect(windowValue(bytes(0xff), 0)).toBe(0xff00000000000000n);
    expect(windowValue(null, 3)).toBe(0n);
    expect(windowValue(bytes(...Array(8).fill(0xff)), 0)).toBe(U64_MAX);
  });

  it("halves and value agree with the reference for any key and offset", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 20 }), fc.nat(20), (key, offset) => {
        const v = refWindow(key, offset);
        expect(windowValue(key, offset)).toBe(v);
        expect(BigInt(windowHigh(key, offset))).toBe(v >> 32n);
        expect(BigInt(windowLow(key, offset))).toBe(v & 0xffffffffn);
      }),
    );
  });

  it("places a key below, above or inside a common prefix", () => {
    const prefix = enc("user/");
    expect(prefixSide(enc("user/7"), prefix, 5)).toBe(0);
    expect(prefixSide(enc("user/"), prefix, 5)).toBe(0);
    expect(prefixSide(enc("use"), prefix, 5)).toBeLessThan(0); // a proper prefix sorts below
    expect(prefixSide(enc("usea"), prefix, 5)).toBeLessThan(0);
    expect(prefixSide(enc("v"), prefix, 5)).toBeGreaterThan(0);
    expect(prefixSide(enc("anything"), prefix, 0)).toBe(0);
  });
});

describe("SPEC §6 key preview", () => {
  it("shows (empty), printable text, or hex of the first 32 bytes", () => {
    expect(previewKey(null)).toBe("(empty)");
    expect(previewKey(bytes())).toBe("(empty)");
    expect(previewKey(enc("user/42 ~"))).toBe("user/42 ~");
    expect(previewKey(bytes(0x00, 0xab))).toBe("0x00ab");
    expect(previewKey(bytes(0x7f))).toBe("0x7f");
    expect(previewKey(new Uint8Array(33).fill(1))).toBe(`0x${"01".repeat(32)}…`);
    expect(previewKey(new Uint8Array(32).fill(1))).toBe(`0x${"01".repeat(32)}`);
  });
});

describe("checkKey", () => {
  it("never copies; copyKey does", () => {
    const k = enc("abc");
    expect(checkKey("k", k)).toBe(k);
    expect(checkKey("k", bytes())).toBeNull();
    expect(checkKey("k", undefined)).toBeNull();
    expect(() => checkKey("k", "abc")).toThrow(TypeError);
    expect(() => checkKey("k", enc("abcd"), 3)).toThrow(/k is 4 bytes/);
    const c = copyKey(k)!;
    expect(c).toEqual(k);
    expect(c).not.toBe(k);
    expect(copyKey(null)).toBeNull();
  });
});
