import { describe, expect, it } from "vitest";
import { canonicalAddress } from "../../src/server/loopback.js";

describe("client address normalisation (per-address limits count one client once)", () => {
  it("folds every spelling of one address into one", () => {
    for (const a of ["::ffff:127.0.0.1", "::FFFF:7f00:1", "0:0:0:0:0:ffff:7f00:1", "127.0.0.1"]) {
      expect(canonicalAddress(a), a).toBe("127.0.0.1");
    }
    expect(canonicalAddress("0:0::1")).toBe("::1");
    expect(canonicalAddress("2001:DB8:0:0::1")).toBe("2001:db8::1");
    expect(canonicalAddress("::ffff:a00:1")).toBe("10.0.0.1");
  });

  it("keeps what it cannot canonicalise as given, lower-cased", () => {
    expect(canonicalAddress("FE80::1%eth0")).toBe("fe80::1%eth0");
    expect(canonicalAddress("unknown")).toBe("unknown");
  });
});
