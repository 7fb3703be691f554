// Test helper: runs `fn` with `WebAssembly.Memory` replaced by a subclass that records each memory
// made and its first buffer. A memory that was grown (and so detached, see scripts/build-wasm.mjs)
// no longer has that buffer.

/** `fn`'s result, and each memory made during it with its first buffer. */
export function withRecordedMemories<T>(fn: () => T): { result: T; firstBuffer: Map<WebAssembly.Memory, ArrayBuffer> } {
  const firstBuffer = new Map<WebAssembly.Memory, ArrayBuffer>();
  const Memory = WebAssembly.Memory;
  class Recording extends Memory {
    constructor(descriptor: WebAssembly.MemoryDescriptor) {
      super(descriptor);
      firstBuffer.set(this, this.buffer);
    }
  }
  (WebAssembly as { Memory: typeof Memory }).Memory = Recording;
  try {
    return { result: fn(), firstBuffer };
  } finally {
    (WebAssembly as { Memory: typeof Memory }).Memory = Memory;
  }
}
