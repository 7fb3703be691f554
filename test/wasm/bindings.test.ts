// The JS↔Wasm boundary: one generated binding per module (scripts/build-wasm.mjs). These tests pin
// the generator's output to the binaries it embeds, and keep asconfig's debug target compiling.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as hotkeys from "../../src/wasm/hotkeys.wasm.js";
import * as matrix from "../../src/wasm/matrix.wasm.js";
import * as routes from "../../src/wasm/routes.wasm.js";
import * as sampler from "../../src/wasm/sampler.wasm.js";
import * as subrange from "./subrange.wasm.js";

const root = new URL("../../", import.meta.url);
const bindings = [
  {
    file: "src/wasm/hotkeys.wasm.ts",
    binding: hotkeys as Record<string, unknown>,
    make: () => hotkeys.instantiateHotkeys(),
  },
  {
    file: "src/wasm/matrix.wasm.ts",
    binding: matrix as Record<string, unknown>,
    make: () => matrix.instantiateMatrix(1),
  },
  {
    file: "src/wasm/routes.wasm.ts",
    binding: routes as Record<string, unknown>,
    make: () => routes.instantiateRoutes(1),
  },
  {
    file: "src/wasm/sampler.wasm.ts",
    binding: sampler as Record<string, unknown>,
    make: () => sampler.instantiateSampler(1),
  },
  {
    file: "test/wasm/subrange.wasm.ts",
    binding: subrange as Record<string, unknown>,
    make: () => subrange.instantiateSubrange(),
  },
];

/** Method name → parameter count, as declared in the generated interface. */
function declaredMethods(file: string): Map<string, number> {
  const text = readFileSync(new URL(file, root), "utf8");
  const body = text.slice(text.indexOf("export interface"), text.indexOf("\n}\n"));
  const methods = new Map<string, number>();
  for (const m of body.matchAll(/^ {2}(\w+)\(([^)]*)\): \w+;$/gm)) {
    methods.set(m[1]!, m[2]!.trim() === "" ? 0 : m[2]!.split(",").length);
  }
  return methods;
}

describe("generated Wasm bindings", () => {
  for (const { file, binding, make } of bindings) {
    it(`${file} declares exactly the module's functions, with their arity`, () => {
      const exports = make() as unknown as Record<string, unknown>;
      const actual = new Map<string, number>();
      for (const [name, value] of Object.entries(exports)) {
        if (typeof value === "function") actual.set(name, (value as (...a: number[]) => unknown).length);
      }
      expect(declaredMethods(file)).toEqual(actual);
      expect(exports.memory).toBeInstanceOf(WebAssembly.Memory);
    });

    it(`${file} exposes the module's constant globals as constants`, () => {
      const exports = make() as unknown as Record<string, unknown>;
      for (const [name, value] of Object.entries(exports)) {
        if (value instanceof WebAssembly.Global) expect(binding[name], name).toBe(value.value);
      }
    });
  }

  it("each instance has its own memory; a caller-sized module's is the size asked", () => {
    expect(hotkeys.instantiateHotkeys().memory).not.toBe(hotkeys.instantiateHotkeys().memory);
    const a = sampler.instantiateSampler(3);
    const b = sampler.instantiateSampler(3);
    expect(a.memory).not.toBe(b.memory);
    expect(a.memory.buffer.byteLength).toBe(3 * 65536);
  });

  it("asconfig's debug target compiles every entry", () => {
    const out = execFileSync(process.execPath, ["scripts/build-wasm.mjs", "--target", "debug"], {
      cwd: root,
      encoding: "utf8",
    });
    expect(out.match(/\(\d+ bytes, debug\)/g)).toHaveLength(bindings.length);
  }, 60_000);
});
