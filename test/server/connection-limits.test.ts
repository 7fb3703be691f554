// Pipelined requests that never read their responses (issue 10.7): bounded work and buffered
// bytes per connection, and overall.
import net from "node:net";
import { describe, expect, it } from "vitest";
import type { Matrix } from "../../src/wire/wire.js";
import { eventually, FakeSampler, request, startServer } from "./fixtures.js";

const MATRIX = "/admin/api/v1/keyviz/matrix";

function rawRequest(path: string): string {
  return `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;
}

/** A socket that sends `text` and never reads; resolves once connected and written. */
async function pipeline(url: string, text: string): Promise<net.Socket> {
  const { port } = new URL(url);
  const socket = net.connect(Number(port), "127.0.0.1");
  socket.pause();
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  socket.on("error", () => {});
  socket.write(text);
  return socket;
}

/** A sampler whose matrix JSON is about `mb` MB (too big for the kernel's socket buffers). */
function bigSampler(mb: number): FakeSampler {
  const sampler = new FakeSampler();
  const values = new Array<number>(Math.floor((mb * 1e6) / 8)).fill(1234567);
  const matrix: Matrix = {
    column_unix_ms: values.map((_, i) => i),
    rows: [],
    series: "writes",
    generated_at: "2026-01-01T00:00:00.000Z",
  };
  sampler.matrixResult = () => matrix;
  return sampler;
}

describe("pipelining bounds", () => {
  it("5 000 pipelined requests never read: at most 1 + maxPipelinedRequests run, then the connection is closed", async () => {
    const sampler = new FakeSampler();
    const { url } = await startServer({ sampler, maxPipelinedRequests: 16 });
    const socket = await pipeline(url, rawRequest(MATRIX).repeat(5000));
    await eventually(() => sampler.matrixCalls.length > 0);
    await new Promise((r) => setTimeout(r, 200));
    expect(sampler.matrixCalls.length).toBeLessThanOrEqual(17);
    // Reading now shows the server closed the connection after at most that many answers.
    let text = "";
    socket.setEncoding("utf8");
    socket.on("data", (d: string) => (text += d));
    socket.resume();
    await new Promise<void>((resolve) => socket.once("close", () => resolve()));
    expect((text.match(/HTTP\/1\.1 200/g) ?? []).length).toBeLessThanOrEqual(17);
    // The server is fine for everyone else.
    expect((await request(url + MATRIX)).status).toBe(200);
  });

  it("pipelined requests within the bound are all answered, in order", async () => {
    const sampler = new FakeSampler();
    sampler.matrixResult = (q) => ({ column_unix_ms: [], rows: [], series: q.series, generated_at: `rows=${q.rows}` });
    const { url } = await startServer({ sampler });
    const socket = await pipeline(
      url,
      Array.from({ length: 10 }, (_, i) => rawRequest(`${MATRIX}?rows=${i + 1}`)).join(""),
    );
    socket.resume();
    let text = "";
    socket.setEncoding("utf8");
    socket.on("data", (d: string) => (text += d));
    await eventually(() => (text.match(/HTTP\/1\.1 200/g) ?? []).length === 10);
    socket.destroy();
    const order = [...text.matchAll(/"generated_at":"rows=(\d+)"/g)].map((m) => Number(m[1]));
    expect(order).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it("a client that stops reading a large answer stalls only its own connection", async () => {
    const sampler = bigSampler(24);
    const { url } = await startServer({ sampler });
    const socket = await pipeline(url, rawRequest(MATRIX).repeat(5));
    await eventually(() => sampler.matrixCalls.length === 1);
    await new Promise((r) => setTimeout(r, 300));
    // The first answer cannot be handed over, so the four queued requests did not run.
    expect(sampler.matrixCalls.length).toBe(1);
    const other = await request(url + "/healthz");
    expect(other.status).toBe(200);
    socket.destroy();
  });

  it("over the global unsent-bytes budget new requests get 503 overloaded at once", async () => {
    const sampler = bigSampler(24);
    const { url } = await startServer({ sampler, maxBufferedResponseBytes: 1024 * 1024 });
    const stuck = await pipeline(url, rawRequest(MATRIX));
    await eventually(() => sampler.matrixCalls.length === 1);
    await new Promise((r) => setTimeout(r, 100));
    const r = await request(url + MATRIX);
    expect(r.status).toBe(503);
    expect(r.json.error).toBe("overloaded");
    expect(r.headers["retry-after"]).toBe("1");
    expect(r.headers.connection).toBe("close");
    expect(sampler.matrixCalls.length).toBe(1);
    stuck.destroy();
    await eventually(() => !stuck.writable);
    await new Promise((r) => setTimeout(r, 50));
    expect((await request(url + "/healthz")).status).toBe(200);
  });
});
