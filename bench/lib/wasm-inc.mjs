// A tiny AssemblyScript module that does exactly what the sampler's numeric observe does to a
// slot (count + bytes of one op on a 4-counter slot), so `observe-wasm-call` measures the cost
// of crossing JS → Wasm once per observe against bumping the same counters from JS through a
// Float64Array view.
import { compileCached, instantiateCached } from "./asc-cache.mjs";

const SOURCE = `
let counters: usize = 0;
export function init(slots: u32): usize {
  counters = (__heap_base + 31) & ~31;
  const end = counters + (<usize>slots << 5);
  const have = <usize>memory.size() << 16;
  if (end > have) memory.grow(<i32>((end - have + 0xffff) >> 16));
  return counters;
}
export function observe(slot: u32, op: u32, bytes: f64): void {
  const c = counters + (<usize>slot << 5) + (<usize>op << 3);
  store<f64>(c, load<f64>(c) + 1.0);
  store<f64>(c, load<f64>(c, 16) + bytes, 16);
}
`;

/** Instantiates the module with counters for `slots` slots; returns its observe and a view. */
export async function wasmCounters(slots) {
  const exports = await instantiateCached("wasm-inc", SOURCE);
  const ptr = exports.init(slots);
  return { observe: exports.observe, values: new Float64Array(exports.memory.buffer, ptr, slots * 4) };
}

/** Compiles (and caches) the module ahead of the variant processes. */
export function prepareWasmInc() {
  return compileCached("wasm-inc", SOURCE);
}
