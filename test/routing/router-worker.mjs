// A worker thread that routes random keys through `attachCoordinator` (built package) and counts
// them, for test/routing/shared-coordinator-workers.test.ts. It keeps an exact tally and every
// answer (key, route id), so the owner can check each answer against the routes' ranges.
//
// workerData: { handle, seed, control: SharedArrayBuffer (Int32Array [stop flag]), maxAnswers, k }
// posts "attached", then at stop { tally: [reads, writes, readBytes, writeBytes], keys, ids, nulls }
//   keys: Uint8Array of answers' keys, each as [len, ...bytes]; ids: Int32Array of route ids.
import { parentPort, workerData } from "node:worker_threads";
import { xorshift } from "../sampler/shared/xorshift.mjs";
import { attachCoordinator } from "../../dist/index.js";

const { handle, seed, maxAnswers } = workerData;
const control = new Int32Array(workerData.control);
const router = attachCoordinator(handle);
const rand = xorshift(seed);
// Bytes near the routes' boundaries (the owner splits at random keys over the same alphabet).
const ALPHABET = [0, 1, 0x61, 0x62, 0x63, 0xfe, 0xff];
const keyBuf = new Uint8Array(13);
const tally = [0, 0, 0, 0];
const keys = new Uint8Array(maxAnswers * 14);
const ids = new Int32Array(maxAnswers);
let answers = 0;
let keyAt = 0;
let nulls = 0;
parentPort.postMessage("attached");
let n = 0;
while (Atomics.load(control, 0) === 0) {
  const len = rand() % keyBuf.length;
  for (let i = 0; i < len; i++) keyBuf[i] = ALPHABET[rand() % ALPHABET.length];
  const key = keyBuf.subarray(0, len);
  const op = /** @type {0 | 1} */ (rand() & 1);
  const valueLen = rand() % 100;
  const ref = router.observeKey(op, key, valueLen, rand() % 4 === 0 ? "bg" : "");
  if (ref === null) nulls++;
  else {
    tally[op] += 1;
    tally[2 + op] += len + valueLen;
    if (answers < maxAnswers) {
      ids[answers++] = ref.routeId;
      keys[keyAt++] = len;
      keys.set(key, keyAt);
      keyAt += len;
    }
  }
  // Let the event loop turn now and then (the idle epoch publisher: old versions get reused).
  if (++n % 20_000 === 0) await new Promise((r) => setImmediate(r));
}
parentPort.postMessage({ tally, keys: keys.slice(0, keyAt), ids: ids.slice(0, answers), nulls });
