// Test entry for assembly/lib/subrange.ts: the library functions plus a scratch buffer that tests
// fill with route bounds, keys and descriptors. Not used by the library at run time.
export {
  SUBRANGE_DESC_BYTES,
  subrangeInit,
  subrangeIndex,
} from "../lib/subrange";
import { subrangeIndexOf, subrangeCount, subrangePrefixLen } from "../lib/subrange";

export const SCRATCH_BYTES: u32 = 4 << 16;
// Grown once at start-up, before any call, so JS views taken after instantiation stay valid.
const scratchBase: usize = <usize>memory.grow(4) << 16;

/** Start of a SCRATCH_BYTES buffer owned by the caller. */
export function scratch(): usize {
  return scratchBase;
}

export function subrangeIndexFast(desc: usize, start: usize, key: usize, keyLen: u32): u32 {
  return subrangeIndexOf(desc, start, key, keyLen);
}

export function descCount(desc: usize): u32 {
  return subrangeCount(desc);
}

export function descPrefixLen(desc: usize): u32 {
  return subrangePrefixLen(desc);
}
