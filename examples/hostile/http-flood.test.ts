/**
 * The HTTP example sent 64 MiB without a line ending, in a process of its
 * own so that its resident set can be measured apart from the test's: a
 * request line, a header line and a chunk-size line that never end. Each
 * must be answered with an error status and the connection closed after a
 * few megabytes at most, the server growing by less than 16 MB, and the
 * next client served as usual.
 */

import { MiB, Peer, flood } from "../fuzz/helpers";
import { ExampleProcess } from "../fuzz/server-process";

/** How far the server's resident set may grow for one such connection (issue 10: less than 16 MB). */
const FLOOD_RSS_BOUND = 16 * MiB;

let example: ExampleProcess | null = null;

beforeAll(async () => {
  example = await ExampleProcess.start("http", []);
}, 90_000);

afterAll(async () => {
  await example?.stop();
});

describe("the HTTP example sent 64 MiB without a line ending, in a process of its own", () => {
  it.each([
    ["a request line", "GET /", "a"],
    ["a header line", "GET / HTTP/1.1\r\nHost: x\r\nX-Long: ", "a"],
    ["a chunk-size line", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1", "0"],
  ])("answers %s that never ends with an error status, closes, and grows by less than 16 MB", async (_name, prefix, filler) => {
    const port = example!.port;
    // Warm up what a connection and a response cost, so that the measure below is the flood's.
    const warm = await Peer.connect(port);
    await warm.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    expect(await warm.waitClosed(5000)).toBe(true);
    const peer = await Peer.connect(port);
    const { result, growth } = await example!.rssGrowthDuring(async () => {
      await peer.write(prefix);
      const flooded = await flood(peer, Buffer.alloc(256 * 1024, filler), { limit: 64 * MiB, stallMs: 10_000 });
      expect(await peer.waitClosed(10_000)).toBe(true);
      return flooded;
    });
    // The response may be lost to the client (its next write after the close fails and Node drops the socket unread); what came is an error status.
    if (peer.text.length > 0) expect(peer.text).toMatch(/^HTTP\/1\.1 4\d\d /);
    expect(result.stalled).toBe(false);
    expect(result.written).toBeLessThan(64 * MiB);
    expect(growth).toBeLessThan(FLOOD_RSS_BOUND);
    // The server carries on.
    const next = await Peer.connect(port);
    await next.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    expect(await next.waitClosed(5000)).toBe(true);
    expect(next.text).toMatch(/^HTTP\/1\.1 \d\d\d /);
  }, 60_000);
});
