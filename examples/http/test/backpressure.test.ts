/**
 * Backpressure: a static file goes out only as fast as the client reads it,
 * and a client that pipelines requests without reading answers cannot make
 * the server queue more than the output high-water mark.
 */

import * as fs from "node:fs";
import * as net from "node:net";
import { type TestServer, makeFiles, parseResponses, randomBytes, startServer } from "./helpers";

const FILE_SIZE = 24 * 1024 * 1024;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The most output any connection has queued (FIFO and socket buffer). */
function maxQueued(t: TestServer): number {
  let most = 0;
  for (const channel of t.server.connections) most = Math.max(most, channel.queuedOutput);
  return most;
}

/**
 * Waits (up to 5 s, a busy machine may take that long to fill the kernel's
 * buffers) until some connection has output queued, lets it settle, and
 * returns the most queued.
 */
async function queuedOnceBuffersFill(t: TestServer): Promise<number> {
  const deadline = Date.now() + 5000;
  while (maxQueued(t) === 0 && Date.now() < deadline) await sleep(20);
  await sleep(200);
  return maxQueued(t);
}

describe("backpressure", () => {
  let t: TestServer;
  const files = makeFiles({ "big.bin": FILE_SIZE });

  beforeAll(async () => {
    t = await startServer({ outputHighWaterMark: 256 * 1024 }, files.root);
  });

  afterAll(async () => {
    await t.server.close();
    files.cleanup();
  });

  it("reads a static file only as fast as a slow client takes it, then delivers it whole", async () => {
    const socket = net.connect(t.port, "127.0.0.1");
    await new Promise((resolve) => socket.once("connect", resolve));
    socket.pause();
    socket.write("GET /static/big.bin HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
    // Let the server fill every buffer on the way while the client reads nothing.
    const queued = await queuedOnceBuffersFill(t);
    expect(queued).toBeGreaterThan(0);
    // One read piece (64 KiB) beyond the socket's own buffer, never the file.
    expect(queued).toBeLessThanOrEqual(128 * 1024);
    const received: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => received.push(chunk));
    socket.resume();
    await new Promise((resolve) => socket.once("end", resolve));
    const [response] = parseResponses(Buffer.concat(received));
    expect(response!.status).toBe(200);
    expect(response!.body.equals(randomBytes(FILE_SIZE))).toBe(true);
  });

  it("reads the next pipelined request only once a streamed response has gone out, so files are opened one at a time", async () => {
    const openFiles = (): number => fs.readdirSync("/proc/self/fd").length;
    const before = openFiles();
    const socket = net.connect(t.port, "127.0.0.1");
    socket.on("error", () => undefined);
    await new Promise((resolve) => socket.once("connect", resolve));
    socket.pause();
    const request = "GET /static/big.bin HTTP/1.1\r\nHost: test\r\n\r\n";
    socket.write(request.repeat(200));
    const queued = await queuedOnceBuffersFill(t);
    // The connection's socket and the one file being sent, not 200 files.
    expect(openFiles() - before).toBeLessThanOrEqual(3);
    expect(queued).toBeGreaterThan(0);
    expect(queued).toBeLessThanOrEqual(128 * 1024);
    socket.destroy();
  });

  it("stops reading the requests of a client that does not read its answers", async () => {
    const socket = net.connect(t.port, "127.0.0.1");
    socket.on("error", () => undefined);
    await new Promise((resolve) => socket.once("connect", resolve));
    socket.pause();
    const body = "x".repeat(8 * 1024);
    const request = `POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    // 16 MiB of requests whose answers are as large: far more than the socket buffers on the way hold.
    for (let i = 0; i < 2048; i++) socket.write(request);
    // On a busy machine the server may take a while to reach the mark: wait for it (5 s at most), then a little longer.
    for (let waited = 0; maxQueued(t) <= 128 * 1024 && waited < 5000; waited += 50) await sleep(50);
    await sleep(200);
    const queued = maxQueued(t);
    // Past the high-water mark the channel stops framing: at most one read's worth of responses more.
    expect(queued).toBeGreaterThan(128 * 1024);
    expect(queued).toBeLessThanOrEqual(256 * 1024 + 128 * 1024);
    socket.destroy();
  });
});
