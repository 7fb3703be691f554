// A worker thread that hammers a shared sampler (built package) with random observes and keeps an
// exact tally of what it sent in a SharedArrayBuffer, for test/sampler/shared/*.test.ts.
//
// workerData: { handle, tally: SharedArrayBuffer, control: SharedArrayBuffer, seed, maxId, keyed, hugeEvery }
//   tally (Float64Array): [reads, writes, readBytes, writeBytes, observes, pendingOp, pendingBytes, pending]
//   control (Int32Array): [stop flag, current largest route id]
// The tally of an observe is written after it returns; `pending` marks the one in progress, so
// a test that terminates this worker knows the single observe whose effect may or may not count.
import { parentPort, workerData } from "node:worker_threads";
import { xorshift } from "./xorshift.mjs";
import { attachSampler } from "../../../dist/index.js";

const { handle, seed, keyed, hugeEvery } = workerData;
const tally = new Float64Array(workerData.tally);
const control = new Int32Array(workerData.control);
const observer = attachSampler(handle);
const rand = xorshift(seed);
const key = new Uint8Array(6);
parentPort.postMessage("attached");
let n = 0;
while (Atomics.load(control, 0) === 0) {
  const maxId = Atomics.load(control, 1);
  const id = 1 + (rand() % (maxId + 2)); // sometimes above every registered id: a miss
  const op = /** @type {0 | 1} */ (rand() & 1);
  const keyLen = rand() % 40;
  let valueLen = rand() % 3000;
  if (hugeEvery > 0 && rand() % hugeEvery === 0) valueLen = 2 ** 31 - 1 - (rand() % 1000);
  let bytes;
  tally[5] = op;
  if (keyed) {
    for (let i = 0; i < key.length; i++) key[i] = rand() & 255;
    const k = key.subarray(0, 1 + (rand() % key.length));
    bytes = k.length + valueLen;
    tally[6] = bytes;
    tally[7] = 1;
    observer.observeKey(id, op, k, valueLen, rand() % 3 === 0 ? "bg" : "");
  } else {
    bytes = keyLen + valueLen;
    tally[6] = bytes;
    tally[7] = 1;
    observer.observe(id, op, keyLen, valueLen);
  }
  tally[op] += 1;
  tally[2 + op] += bytes;
  tally[4] += 1;
  tally[7] = 0;
  // Now and then let the event loop run (the idle epoch publisher, messages).
  if (++n % 50_000 === 0) await new Promise((r) => setImmediate(r));
}
parentPort.postMessage("stopped");
