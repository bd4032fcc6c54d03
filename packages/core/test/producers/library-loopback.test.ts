/**
 * Each producer of the library through an AsyncChat over a real loopback
 * TCP connection, to a client that stops reading for a while: every byte
 * arrives, in order, as the reference says.
 */

import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import {
  AsyncChat,
  ChunkedProducer,
  CompositeProducer,
  CompressedProducer,
  EscapingProducer,
  FileProducer,
  GlobbingProducer,
  HookedProducer,
  LinesProducer,
  dotStuff,
  type Producer,
} from "@asynchat/core";
import { loopbackPair, once, readAll, Sender, sleep } from "../helpers";

const MiB = 1024 * 1024;

/** Text with many CRLFs, dots at line starts and bare LFs: about `size` bytes. */
function smtpishBody(size: number): Buffer {
  const lines: string[] = [];
  let length = 0;
  for (let i = 0; length < size; i++) {
    const line = i % 5 === 0 ? "." : i % 7 === 0 ? `.line ${i}` : i % 11 === 0 ? `bare\n.lf ${i}` : `line ${i} ${"x".repeat(i % 90)}`;
    lines.push(line);
    length += line.length + 2;
  }
  return Buffer.from(lines.join("\r\n"), "latin1");
}

/** `data` in pieces of `size` bytes, as a list. */
function pieces(data: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) out.push(data.subarray(i, i + size));
  return out;
}

/** Sends `producer` through a channel to a client that reads nothing for 100 ms; returns what the client got. */
async function throughLoopback(producer: Producer): Promise<Buffer> {
  const { server, client, close } = await loopbackPair();
  try {
    const channel = new Sender(server);
    const errors: Error[] = [];
    channel.on("error", (error) => errors.push(error));
    const closed = once(channel, "close");
    client.pause();
    const received = readAll(client);
    channel.pushWithProducer(producer);
    channel.closeWhenDone();
    await sleep(100);
    client.resume();
    const data = await received;
    await closed;
    expect(errors).toEqual([]);
    return data;
  } finally {
    await close();
  }
}

describe("the producer library over loopback TCP", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "asynchat-producers-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("FileProducer sends the range of a file and closes it", async () => {
    const data = randomBytes(6 * MiB);
    const file = path.join(dir, "range.bin");
    writeFileSync(file, data);
    const producer = new FileProducer(file, { start: 1000, end: 5 * MiB, chunkSize: 100_000 });
    const received = await throughLoopback(producer);
    expect(received.equals(data.subarray(1000, 5 * MiB + 1))).toBe(true);
    expect(producer.closed).toBe(true);
  });

  it("LinesProducer sends every line with its ending", async () => {
    const lines = Array.from({ length: 100_000 }, (_, i) => `250-line ${i}`);
    const received = await throughLoopback(new LinesProducer(lines));
    expect(received.toString("latin1")).toBe(lines.map((l) => `${l}\r\n`).join(""));
  });

  it("LinesProducer sends the lines of an async generator", async () => {
    async function* rows(): AsyncGenerator<string> {
      for (let i = 0; i < 20_000; i++) {
        if (i % 1000 === 0) await sleep(1);
        yield `row ${i}`;
      }
    }
    const received = await throughLoopback(new LinesProducer(rows(), { lineEnding: "\n" }));
    expect(received.toString("latin1")).toBe(Array.from({ length: 20_000 }, (_, i) => `row ${i}\n`).join(""));
  });

  it("CompositeProducer sends a head, a file and a tail in order", async () => {
    const body = randomBytes(2 * MiB);
    const file = path.join(dir, "body.bin");
    writeFileSync(file, body);
    const received = await throughLoopback(new CompositeProducer(["HEAD\r\n", new FileProducer(file), [Buffer.from("TAIL")]]));
    expect(received.equals(Buffer.concat([Buffer.from("HEAD\r\n"), body, Buffer.from("TAIL")]))).toBe(true);
  });

  it("GlobbingProducer sends small pieces as one stream", async () => {
    const data = randomBytes(3 * MiB);
    const received = await throughLoopback(new GlobbingProducer(pieces(data, 37)));
    expect(received.equals(data)).toBe(true);
  });

  it("HookedProducer reports the bytes that were sent", async () => {
    const data = randomBytes(3 * MiB);
    const reports: Array<[number, boolean]> = [];
    const received = await throughLoopback(new HookedProducer(pieces(data, 5000), (bytes, complete) => reports.push([bytes, complete])));
    expect(received.equals(data)).toBe(true);
    expect(reports).toEqual([[data.length, true]]);
  });

  it("ChunkedProducer sends a chunked body: sizes, data and the last chunk", async () => {
    const data = randomBytes(2 * MiB);
    const received = await throughLoopback(new ChunkedProducer(pieces(data, 70_000)));
    const decoded: Buffer[] = [];
    let at = 0;
    for (;;) {
      const eol = received.indexOf("\r\n", at);
      const size = parseInt(received.subarray(at, eol).toString("latin1"), 16);
      at = eol + 2;
      if (size === 0) break;
      decoded.push(received.subarray(at, at + size));
      at += size + 2;
    }
    expect(received.subarray(at).toString("latin1")).toBe("\r\n");
    expect(Buffer.concat(decoded).equals(data)).toBe(true);
  });

  it.each(["gzip", "deflate", "br"] as const)("CompressedProducer (%s) sends a stream that decompresses to the input", async (format) => {
    const data = Buffer.concat([randomBytes(MiB), smtpishBody(3 * MiB)]);
    const received = await throughLoopback(new CompressedProducer(pieces(data, 64 * 1024), { format }));
    const inflate = { gzip: zlib.gunzipSync, deflate: zlib.inflateSync, br: zlib.brotliDecompressSync }[format];
    expect(inflate(received).equals(data)).toBe(true);
  });

  it("EscapingProducer and dotStuff escape across the pieces' edges", async () => {
    const body = smtpishBody(3 * MiB);
    const stuffed = await throughLoopback(dotStuff(pieces(body, 1001)));
    expect(stuffed.toString("latin1")).toBe(`\r\n${body.toString("latin1")}`.replaceAll("\r\n.", "\r\n..").slice(2));
    const escaped = await throughLoopback(new EscapingProducer(pieces(body, 999), "\n.", "\n\\."));
    expect(escaped.toString("latin1")).toBe(body.toString("latin1").replaceAll("\n.", "\n\\."));
  });
});
