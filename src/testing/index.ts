// `keyviz/testing`: backends that exist for tests, demos and benchmarks, kept out of the core
// entry so an embedder's bundle never carries them.
export { MemoryGroup } from "./memory-group.js";
export type { MemoryGroupOptions, MemoryGroupOp } from "./memory-group.js";
