// Test helper: runs `fn` with `WebAssembly.Memory` and `WebAssembly.Instance` replaced by
// subclasses that record each memory made (by JS, or by a module that defines its own) and its
// first buffer. A memory that was grown since (and so detached its buffer, see
// scripts/build-wasm.mjs) no longer has that buffer.

/** Each memory made while `fn` runs, with its first buffer; `fn`'s result. */
export async function withRecordedMemories<T>(
  fn: () => T | Promise<T>,
): Promise<{ result: T; firstBuffer: Map<WebAssembly.Memory, ArrayBuffer> }> {
  const firstBuffer = new Map<WebAssembly.Memory, ArrayBuffer>();
  const { Memory, Instance } = WebAssembly;
  class RecordingMemory extends Memory {
    constructor(descriptor: WebAssembly.MemoryDescriptor) {
      super(descriptor);
      firstBuffer.set(this, this.buffer);
    }
  }
  class RecordingInstance extends Instance {
    constructor(module: WebAssembly.Module, imports?: WebAssembly.Imports) {
      super(module, imports);
      const memory = this.exports.memory;
      if (memory instanceof Memory && !firstBuffer.has(memory)) firstBuffer.set(memory, memory.buffer);
    }
  }
  const wasm = WebAssembly as { Memory: typeof Memory; Instance: typeof Instance };
  wasm.Memory = RecordingMemory;
  wasm.Instance = RecordingInstance;
  try {
    return { result: await fn(), firstBuffer };
  } finally {
    wasm.Memory = Memory;
    wasm.Instance = Instance;
  }
}

/** The memories of `firstBuffer` whose buffer is no longer the first one (grown, detached), as "before → now" sizes. */
export function grownMemories(firstBuffer: Map<WebAssembly.Memory, ArrayBuffer>): string[] {
  return [...firstBuffer]
    .filter(([memory, first]) => memory.buffer !== first)
    .map(([memory]) => `a memory grown to ${memory.buffer.byteLength} bytes`);
}
