// Synchronous instantiation of the embedded AssemblyScript modules. Every module is built with
// `--use abort=` and `--runtime stub`, so its only possible import is its memory (`env.memory`,
// for modules built with `--importMemory`: scripts/build-wasm.mjs, CALLER_SIZED).
// Compiled modules are cached per binary; each caller gets its own instance (own memory).

const compiled = new Map<string, WebAssembly.Module>();

function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * Instantiates an embedded module; `T` is its generated export interface (see
 * scripts/build-wasm.mjs). `memory` is given to a module that imports its memory.
 */
export function instantiate<T extends { readonly memory: WebAssembly.Memory }>(
  wasmBase64: string,
  memory?: WebAssembly.Memory,
): T {
  let module = compiled.get(wasmBase64);
  if (module === undefined) {
    module = new WebAssembly.Module(decodeBase64(wasmBase64) as BufferSource);
    compiled.set(wasmBase64, module);
  }
  return new WebAssembly.Instance(module, memory === undefined ? {} : { env: { memory } }).exports as unknown as T;
}
