/**
 * Hostile input against the HTTP example, over real sockets: mutated and
 * random request streams while a well-behaved client keeps making requests
 * on a persistent connection, then clients trickling a request line or
 * header lines, one pipelining without reading, 10 MB request lines,
 * header lines and bodies, and chunk sizes of `ffffffffffff` and beyond,
 * each stopped by a limit whose cost in memory is measured.
 */

import type { Socket } from "node:net";
import fc from "fast-check";
import { HttpServer, type HttpServerOptions, defaultStaticRoot } from "../http";
import { exampleRoutes } from "../http/routes";
import {
  Bystander,
  CounterPeaks,
  FaultWatch,
  HELD_BOUND,
  MiB,
  Peer,
  RSS_GROWTH_BOUND,
  RssPeak,
  type Transcript,
  channelOf,
  checkProperty,
  flood,
  fuzzSettings,
  mutatedTranscriptArb,
  play,
  preview,
  randomTranscriptArb,
  retainedMemory,
  trickle,
  waitUntil,
  settledBytesRead,
} from "./helpers";

/** One response as sent. */
interface Response {
  status: number;
  /** Field values by lower-case name (repeated fields joined with ", "). */
  fields: Map<string, string>;
  body: Buffer;
  /** Bytes it took, head and body. */
  length: number;
}

/**
 * The response that `data` holds at `at`, or null if it is not complete
 * yet; throws if it is malformed. `head`: it answers a HEAD request (no
 * body whatever its fields say). A response without a length runs to the
 * end of the data (the connection's close delimits it).
 */
function parseResponse(data: Buffer, at: number, head: boolean): Response | null {
  const headEnd = data.indexOf("\r\n\r\n", at, "latin1");
  if (headEnd < 0) {
    if (!"HTTP/1.1 ".startsWith(data.toString("latin1", at, Math.min(data.length, at + 9)))) throw new Error(`not a response: ${preview(data.subarray(at))}`);
    return null;
  }
  const lines = data.toString("latin1", at, headEnd).split("\r\n");
  const statusLine = /^HTTP\/1\.1 ([1-5][0-9][0-9]) [ -~]*$/.exec(lines[0]!);
  if (statusLine === null) throw new Error(`not a status line: ${JSON.stringify(lines[0])}`);
  const status = Number(statusLine[1]);
  const fields = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const match = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+): ?([\t -~\u0080-\u00ff]*)$/.exec(line);
    if (match === null) throw new Error(`not a field line: ${JSON.stringify(line)}`);
    const name = match[1]!.toLowerCase();
    fields.set(name, fields.has(name) ? `${fields.get(name)!}, ${match[2]!}` : match[2]!);
  }
  let position = headEnd + 4;
  let body: Buffer = Buffer.alloc(0);
  if (status >= 200 && !head && status !== 204 && status !== 304) {
    if (fields.get("transfer-encoding") === "chunked") {
      const parts: Buffer[] = [];
      for (;;) {
        const lineEnd = data.indexOf("\r\n", position, "latin1");
        if (lineEnd < 0) return null;
        const sizeText = data.toString("latin1", position, lineEnd);
        if (!/^[0-9a-f]+$/i.test(sizeText)) throw new Error(`not a chunk size: ${JSON.stringify(sizeText)}`);
        const size = parseInt(sizeText, 16);
        position = lineEnd + 2;
        if (data.length < position + size + 2) return null;
        if (data[position + size] !== 0x0d || data[position + size + 1] !== 0x0a) throw new Error("a chunk not followed by CRLF");
        if (size === 0) {
          position += 2;
          break;
        }
        parts.push(data.subarray(position, position + size));
        position += size + 2;
      }
      body = Buffer.concat(parts);
    } else if (fields.has("content-length")) {
      const length = Number(fields.get("content-length"));
      if (!Number.isSafeInteger(length) || length < 0) throw new Error(`a bad Content-Length: ${fields.get("content-length")}`);
      if (data.length < position + length) return null;
      body = data.subarray(position, position + length);
      position += length;
    } else {
      body = data.subarray(position);
      position = data.length;
    }
  }
  return { status, fields, body, length: position - at };
}

/** Statuses the server itself may answer a hostile request with, and those of the example's routes. */
const STATUSES = new Set([100, 200, 301, 400, 404, 405, 408, 413, 414, 417, 431, 501, 505]);

/**
 * Every byte the server sent is a sequence of well-formed responses with
 * known statuses, and one that says `Connection: close` is the last. Which
 * requests were HEAD is not known from mangled input, so a response may
 * also be read without its body when that is what makes the next one start
 * where it should. An unfinished last response is left alone.
 */
function checkResponses(received: Buffer): void {
  let at = 0;
  while (at < received.length) {
    const startsResponse = (position: number): boolean => position >= received.length || received.toString("latin1", position, position + 9) === "HTTP/1.1 ".slice(0, received.length - position);
    let response: Response | null = null;
    try {
      response = parseResponse(received, at, false);
    } catch {
      // Perhaps the answer to a HEAD request: tried next.
    }
    if (response === null || !startsResponse(at + response.length)) {
      const asHead = parseResponse(received, at, true);
      if (asHead !== null && startsResponse(at + asHead.length)) response = asHead;
    }
    if (response === null) return;
    if (!startsResponse(at + response.length)) throw new Error(`bytes after a response that start no response: ${preview(received.subarray(at + response.length))}`);
    if (!STATUSES.has(response.status)) throw new Error(`status ${response.status} in ${preview(received)}`);
    if (response.status >= 200 && !response.fields.has("date")) throw new Error(`a response without Date: ${preview(received.subarray(at))}`);
    at += response.length;
    if (response.fields.get("connection") === "close" && at < received.length) throw new Error(`a response after Connection: close: ${preview(received.subarray(at))}`);
  }
}

/** The server with the example's routes, its static files and `options`; errors of handlers are collected. */
async function startServer(options: HttpServerOptions): Promise<{ server: HttpServer; port: number; handlerErrors: unknown[] }> {
  const handlerErrors: unknown[] = [];
  const server = new HttpServer(exampleRoutes(defaultStaticRoot()), { ...options, onHandlerError: (error) => handlerErrors.push(error) });
  const { port } = await server.listen(0, "127.0.0.1");
  return { server, port, handlerErrors };
}

// ------------------------------------------------------------ fuzzing

describe("the HTTP example fed mutated and random request streams", () => {
  const options: HttpServerOptions = { frameTimeout: 200, idleTimeout: 300, headersTimeout: 1000, maxBodySize: 4096 };
  let t: Awaited<ReturnType<typeof startServer>>;
  let faults: FaultWatch;

  beforeAll(async () => {
    t = await startServer(options);
    faults = FaultWatch.start();
  });

  afterAll(async () => {
    faults.stop();
    await t.server.close(1000);
  });

  /**
   * A well-behaved client on one persistent connection: each round
   * pipelines a GET, a POST with a Content-Length body, a chunked POST and
   * a GET with a route parameter, and checks every status and body.
   */
  async function wellBehaved(): Promise<{ bystander: Bystander; peer: Peer }> {
    const peer = await Peer.connect(t.port);
    const bystander = new Bystander(async (n) => {
      const body = Buffer.from(`round ${n}\r\n\u0000\u00ff${"b".repeat(n % 300)}`, "latin1");
      const chunks = [body.subarray(0, 7), body.subarray(7)].filter((c) => c.length > 0);
      const chunked = Buffer.concat([...chunks.flatMap((c) => [Buffer.from(`${c.length.toString(16)}\r\n`), c, Buffer.from("\r\n")]), Buffer.from("0\r\n\r\n")]);
      await peer.write(
        Buffer.concat([
          Buffer.from("GET / HTTP/1.1\r\nHost: bystander\r\n\r\n", "latin1"),
          Buffer.from(`POST /echo HTTP/1.1\r\nHost: bystander\r\nContent-Type: application/x-round\r\nContent-Length: ${body.length}\r\n\r\n`, "latin1"),
          body,
          Buffer.from("PUT /echo HTTP/1.1\r\nHost: bystander\r\nTransfer-Encoding: chunked\r\n\r\n", "latin1"),
          chunked,
          Buffer.from(`GET /hello/bystander-${n} HTTP/1.1\r\nHost: bystander\r\n\r\n`, "latin1"),
        ]),
      );
      const expected: Array<[number, Buffer]> = [
        [200, Buffer.from("Hello, World!")],
        [200, body],
        [200, body],
        [200, Buffer.from(`Hello, bystander-${n}!\n`)],
      ];
      for (const [i, [status, content]] of expected.entries()) {
        const raw = await peer.next(
          (pending) => parseResponse(pending, 0, false)?.length ?? 0,
          5000,
          `response ${i} of round ${n}`,
        );
        const response = parseResponse(raw, 0, false)!;
        if (response.status !== status || !response.body.equals(content)) {
          throw new Error(`response ${i} of round ${n}: expected ${status} ${preview(content)}, got ${response.status} ${preview(response.body)}`);
        }
      }
    });
    return { bystander, peer };
  }

  async function fuzz(arbitrary: fc.Arbitrary<Transcript>, runs: number): Promise<void> {
    const { bystander, peer } = await wellBehaved();
    try {
      await bystander.start();
      const from = performance.now();
      await checkProperty(
        fc.asyncProperty(arbitrary, async (transcript) => {
          // An async route may wait up to 10 s (GET /delay?ms=...), however unlikely mangled input asks for that.
          const outcome = await play(t.port, transcript, 12_000);
          expect({ closedByServer: outcome.closed, received: preview(outcome.received) }).toMatchObject({ closedByServer: true });
          checkResponses(outcome.received);
          if (bystander.failures.length > 0) throw new Error(`the well-behaved client failed: ${bystander.failures.join("; ")}`);
          await waitUntil(() => t.server.connections.size === 1, 2000, "the hostile connection is gone on the server");
          expect(t.handlerErrors).toEqual([]);
          faults.check("after the transcript");
        }),
        fuzzSettings(runs),
      );
      const to = performance.now();
      await bystander.stop();
      expect(bystander.failures).toEqual([]);
      expect(bystander.passedBetween(from, to)).toBeGreaterThan(0);
      expect(bystander.passed[bystander.passed.length - 1]!).toBeGreaterThan(to);
      faults.check("after fuzzing");
    } finally {
      peer.destroy();
      await waitUntil(() => t.server.connections.size === 0, 2000, "every connection gone");
    }
  }

  const target = fc.constantFrom(
    "/",
    "/hello/you",
    "/hello/%C3%A9t%C3%A9",
    "/hello/%zz",
    "/headers",
    "/stream?lines=3",
    "/delay?ms=2",
    "/static/",
    "/static",
    "/static/hello.txt",
    "/static/../README.md",
    "/static/%2e%2e/README.md",
    "/static/.hidden",
    "/missing",
    "http://example.test/hello/abs",
    "*",
  );
  const method = fc.constantFrom("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS");
  const field = fc.constantFrom("Accept: */*", "User-Agent: fuzz/1.0", "Connection: keep-alive", "Connection: close", "Expect: 100-continue", "Content-Type: text/plain", "X-Empty:", "X-Tab:\tvalue");
  const body = fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a));
  const request = fc
    .tuple(method, target, fc.constantFrom("HTTP/1.1", "HTTP/1.0"), fc.array(field, { maxLength: 3 }), fc.constantFrom("none", "length", "chunked"), body, fc.boolean())
    .map(([m, path, version, fields, framing, data, trailer]) => {
      const head = [`${m} ${path} ${version}`, "Host: fuzz.test", ...fields];
      if (framing === "none" || (framing === "chunked" && version === "HTTP/1.0")) return Buffer.from(`${head.join("\r\n")}\r\n\r\n`, "latin1");
      if (framing === "length") return Buffer.concat([Buffer.from(`${[...head, `Content-Length: ${data.length}`].join("\r\n")}\r\n\r\n`, "latin1"), data]);
      const half = data.length >> 1;
      const pieces = [data.subarray(0, half), data.subarray(half)].filter((p) => p.length > 0);
      return Buffer.concat([
        Buffer.from(`${[...head, "Transfer-Encoding: chunked"].join("\r\n")}\r\n\r\n`, "latin1"),
        ...pieces.flatMap((p) => [Buffer.from(`${p.length.toString(16)};ext=1\r\n`, "latin1"), p, Buffer.from("\r\n", "latin1")]),
        Buffer.from(trailer ? "0\r\nX-Trailer: yes\r\n\r\n" : "0\r\n\r\n", "latin1"),
      ]);
    });
  const session = fc.array(request, { minLength: 1, maxLength: 5 }).map((requests) => Buffer.concat(requests));

  it("answers or closes every mutated request stream, never faults, and keeps serving a client connected meanwhile", async () => {
    await fuzz(mutatedTranscriptArb(session), 40);
  }, 90_000);

  it("answers or closes every random request stream, never faults, and keeps serving a client connected meanwhile", async () => {
    const words = ["GET / HTTP/1.1", "POST /echo HTTP/1.1", "HEAD", "HTTP/1.0", "HTTP/2.0", "Host: x", "Content-Length: 5", "Content-Length: -1", "Transfer-Encoding: chunked", "Transfer-Encoding: gzip", "Expect: 100-continue", "0", "ffffffffffff", ";ext", ":", " "];
    await fuzz(randomTranscriptArb(words), 30);
  }, 90_000);
});

// ------------------------------------------------------------ limits

describe("the HTTP example's limits against hostile clients", () => {
  let t: Awaited<ReturnType<typeof startServer>> | null = null;
  let faults: FaultWatch;

  beforeEach(() => {
    faults = FaultWatch.start();
  });

  afterEach(async () => {
    faults.stop();
    await t?.server.close(1000);
    t = null;
  });

  async function connected(options: HttpServerOptions, peerOptions?: { read?: boolean }): Promise<Peer> {
    t = await startServer(options);
    const peer = await Peer.connect(t.port, peerOptions);
    await waitUntil(() => t!.server.connections.size === 1, 2000, "the connection is open");
    return peer;
  }

  /** The one response the server sent, with `Connection: close`, and that it closed the connection. */
  async function expectClosingResponse(peer: Peer, status: number): Promise<void> {
    expect(await peer.waitClosed(5000)).toBe(true);
    const response = parseResponse(peer.received, 0, false);
    expect({ status: response?.status, connection: response?.fields.get("connection"), rest: response === null ? -1 : peer.received.length - response.length }).toEqual({
      status,
      connection: "close",
      rest: 0,
    });
  }

  it("answers 408 and closes when a request line is trickled a byte at a time past the frame deadline, before it is complete", async () => {
    const peer = await connected({ frameTimeout: 200, idleTimeout: 10_000 });
    const counters = new CounterPeaks([...t!.server.connections][0]!);
    const line = `GET /${"a".repeat(60)} HTTP/1.1\r\nHost: slow\r\n\r\n`;
    const sent = await trickle(peer, line, 40);
    await expectClosingResponse(peer, 408);
    const peak = counters.stop();
    expect(sent).toBeLessThan(line.length);
    expect(peak.bufferedInput).toBeLessThanOrEqual(1);
    faults.check("slowloris");
  });

  it("answers 408 and closes when header lines each arrive in time but the header section takes longer than its deadline", async () => {
    const peer = await connected({ frameTimeout: 200, headersTimeout: 500, idleTimeout: 10_000 });
    await peer.write("GET / HTTP/1.1\r\nHost: slow\r\n");
    const lines = Array.from({ length: 40 }, (_, i) => `X-Slow-${i}: y\r\n`);
    let sent = 0;
    for (const line of lines) {
      if (!(await peer.write(line))) break;
      sent++;
      await new Promise((resolve) => setTimeout(resolve, 100));
      if (peer.isClosed) break;
    }
    await expectClosingResponse(peer, 408);
    expect(sent).toBeLessThan(lines.length);
    faults.check("slow header section");
  }, 15_000);

  it("stops reading a client that pipelines requests and never reads, holding no more than the output high-water mark", async () => {
    const peer = await connected({}, { read: false });
    const channel = [...t!.server.connections][0]!;
    const highWaterMark = channel.options.outputHighWaterMark;
    const counters = new CounterPeaks(channel);
    const before = retainedMemory();
    const rssPeak = new RssPeak();
    const request = "GET /headers HTTP/1.1\r\nHost: pipeliner\r\nX-Padding: ppppppppppppppppppppppppppppppppppppppppppppppp\r\n\r\n";
    const result = await flood(peer, Buffer.from(request.repeat(500), "latin1"), { limit: 64 * MiB, stallMs: 500 });
    const readAtStall = counters.stop().bytesRead;
    await new Promise((resolve) => setTimeout(resolve, 300));
    const held = retainedMemory() - before;
    expect(result).toMatchObject({ stalled: true, closed: false });
    // Once stalled it stops reading: it may read a little more while the kernel's send buffer grows and takes queued output, then settles.
    expect(await settledBytesRead(channel.socket as Socket)).toBeLessThan(result.written);
    expect(readAtStall).toBeLessThan(result.written);
    expect(counters.peak.queuedOutput).toBeLessThanOrEqual(highWaterMark + 4096);
    expect(counters.peak.bufferedInput).toBeLessThanOrEqual(channel.options.maxBufferedInput);
    expect(rssPeak.stop()).toBeLessThan(RSS_GROWTH_BOUND);
    expect(held).toBeLessThan(highWaterMark + channel.options.maxBufferedInput + 2 * MiB);
    faults.check("never-reading pipeliner");
    peer.destroy();
  }, 60_000);

  it.each([
    ["a 10 MB request line", 414, "GET /"],
    ["a 10 MB header line", 431, "GET / HTTP/1.1\r\nHost: x\r\nX-Long: "],
    ["a 10 MB chunk-size line", 400, "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1"],
  ])("answers %s with %d and closes, having read little of it and held none", async (_name, status, prefix) => {
    const peer = await connected({});
    const channel = channelOf(t!.server.connections, peer);
    const counters = new CounterPeaks(channel);
    const before = retainedMemory();
    const rssPeak = new RssPeak();
    await peer.write(prefix);
    // Hex digits: a chunk size that long is as wrong as any other 10 MB line.
    const result = await flood(peer, Buffer.alloc(64 * 1024, "a"), { limit: 10 * MiB, stallMs: 2000 });
    await expectClosingResponse(peer, status);
    const held = retainedMemory() - before;
    const peak = counters.stop();
    expect(result.closed).toBe(true);
    expect(peak.bytesRead).toBeLessThan(4 * MiB);
    expect(peak.bufferedInput).toBeLessThan(MiB);
    expect(held).toBeLessThan(HELD_BOUND);
    expect(rssPeak.stop()).toBeLessThan(RSS_GROWTH_BOUND);
    faults.check(prefix);
  }, 30_000);

  it.each([
    ["a Content-Length of 10 MB over the body limit", 413, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10485760\r\n\r\n"],
    ["a chunk size of ffffffffffff", 413, "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffff\r\n"],
    ["a chunk size past 2^53", 413, "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffffffffff\r\n"],
    ["a chunk size past the body limit after small chunks", 413, "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nfffff\r\n"],
  ])("answers %s with %d at once and closes, reading none of the body that follows", async (_name, status, head) => {
    const peer = await connected({ maxBodySize: 64 * 1024 });
    const channel = channelOf(t!.server.connections, peer);
    const counters = new CounterPeaks(channel);
    const before = retainedMemory();
    await peer.write(head);
    await peer.waitFor((text) => text.length > 0, 2000, "the answer");
    // The body the head announced: the server must neither wait for it nor keep it.
    const result = await flood(peer, Buffer.alloc(64 * 1024, "d"), { limit: 10 * MiB, stallMs: 2000 });
    await expectClosingResponse(peer, status);
    const held = retainedMemory() - before;
    const peak = counters.stop();
    expect(result.closed).toBe(true);
    expect(peak.bytesRead).toBeLessThan(4 * MiB);
    expect(peak.bufferedInput).toBeLessThan(MiB);
    expect(held).toBeLessThan(HELD_BOUND);
    faults.check(head);
  }, 30_000);

  it("holds about the body limit, not a hundred times it, while a chunked body arrives in 1-byte chunks", async () => {
    const maxBodySize = 256 * 1024;
    const server = new HttpServer(exampleRoutes(defaultStaticRoot()), { maxBodySize });
    const { port } = await server.listen(0, "127.0.0.1");
    try {
      const peer = await Peer.connect(port);
      await waitUntil(() => server.connections.size === 1, 2000, "the connection is open");
      const channel = channelOf(server.connections, peer);
      const before = retainedMemory();
      await peer.write("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
      const piece = Buffer.from("1\r\nx\r\n".repeat(10_922), "latin1");
      await flood(peer, piece, { limit: 23 * piece.length, stallMs: 5000 });
      await waitUntil(() => (channel.socket as Socket).bytesRead >= peer.socket.bytesWritten, 20_000, "the server reads the chunks");
      expect(retainedMemory() - before).toBeLessThan(2 * maxBodySize + HELD_BOUND);
      peer.destroy();
    } finally {
      await server.close(1000);
    }
  }, 60_000);
});
