// A worker thread writing random keys (1–8 bytes, some longer than maxKeyLen 6) into a shared
// sampler with hot keys on, for hot-keys.test.ts. Posts "attached", then at stop its writes per
// route: [route 1 (keys below "m"), route 2]; on "report", calls quiescent() (reports the drops
// kept while its ring was full, once the owner made room) and posts "reported".
import { parentPort, workerData } from "node:worker_threads";
import { attachSampler } from "../../../dist/index.js";
import { xorshift } from "./xorshift.mjs";

const control = new Int32Array(workerData.control);
const observer = attachSampler(workerData.handle);
const rand = xorshift(workerData.seed);
const key = new Uint8Array(8);
const writes = [0, 0];
parentPort.postMessage("attached");
let n = 0;
while (Atomics.load(control, 0) === 0) {
  const k = key.subarray(0, 1 + (rand() % key.length));
  for (let i = 0; i < k.length; i++) k[i] = 0x61 + (rand() % 26);
  observer.observeKey(k[0] < 0x6d ? 1 : 2, 1, k, 0);
  writes[k[0] < 0x6d ? 0 : 1]++;
  if (++n % 5000 === 0) await new Promise((r) => setImmediate(r));
}
parentPort.postMessage(writes);
parentPort.once("message", () => {
  observer.quiescent();
  parentPort.postMessage("reported");
});
