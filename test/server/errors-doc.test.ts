// The error table of docs/http-api.md and the catalogue (src/errors.ts) list the same codes with
// the same statuses: a code added to one and not the other fails here.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ERROR_STATUS } from "../../src/errors.js";

const doc = readFileSync(new URL("../../docs/http-api.md", import.meta.url), "utf8");

function documentedErrors(): Record<string, number> {
  const section = doc.slice(doc.indexOf("## Every error"), doc.indexOf("## Deliberate differences"));
  const out: Record<string, number> = {};
  for (const m of section.matchAll(/^\| (\d{3}) \| `([a-z_]+)` \|/gm)) out[m[2]!] = Number(m[1]);
  return out;
}

describe("docs/http-api.md error table", () => {
  it("lists every catalogue code with its status, and nothing else", () => {
    expect(documentedErrors()).toEqual({ ...ERROR_STATUS });
  });
});
