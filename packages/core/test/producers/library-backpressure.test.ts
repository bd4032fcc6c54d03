/**
 * Every producer of the library is pulled only as the socket takes its
 * output: behind a peer that reads nothing, the inner source stops being
 * asked after a bounded amount; once the peer reads, the rest follows and
 * the channel drops nothing. Over the test kit's socket pair, whose buffers
 * are small and exact, so the bound is tight.
 */

import { createHash, randomBytes } from "node:crypto";
import * as zlib from "node:zlib";
import {
  ChunkedProducer,
  CompositeProducer,
  CompressedProducer,
  EscapingProducer,
  GlobbingProducer,
  HookedProducer,
  LinesProducer,
  dotStuff,
  type Producer,
} from "@asynchat/core";
import { createSocketPair } from "@asynchat/core/testing";
import { once, Sender, sleep } from "../helpers";

const KiB = 1024;
const TOTAL = 8 * 1024 * KiB;
const PIECE = 4 * KiB;

/** An endless-looking source of random bytes in 4 KiB pieces (8 MiB in all), counting what was pulled. */
class CountingSource implements Producer {
  pulled = 0;
  readonly hash = createHash("sha256");
  discarded = false;
  constructor(readonly timing: "sync" | "async") {}
  more(): Buffer | Promise<Buffer> {
    const piece = this.pulled >= TOTAL ? Buffer.alloc(0) : randomBytes(PIECE);
    this.pulled += piece.length;
    this.hash.update(piece);
    return this.timing === "sync" ? piece : new Promise((resolve) => setImmediate(() => resolve(piece)));
  }
  discard(): void {
    this.discarded = true;
  }
}

async function settle(read: () => number, quiet = 60): Promise<number> {
  let last = read();
  for (;;) {
    await sleep(quiet);
    const now = read();
    if (now === last) return now;
    last = now;
  }
}

const cases: Array<[string, (source: Producer) => Producer, (out: Buffer) => Buffer]> = [
  ["GlobbingProducer", (s) => new GlobbingProducer(s), (out) => out],
  ["CompositeProducer", (s) => new CompositeProducer(["head", s]), (out) => out.subarray(4)],
  ["HookedProducer", (s) => new HookedProducer(s, () => undefined), (out) => out],
  ["ChunkedProducer", (s) => new ChunkedProducer(s), (out) => dechunk(out)],
  ["CompressedProducer", (s) => new CompressedProducer(s, { format: "gzip", level: 1 }), (out) => zlib.gunzipSync(out)],
  ["EscapingProducer", (s) => new EscapingProducer(s, "\r\n.", "\r\n.."), (out) => Buffer.from(out.toString("latin1").replaceAll("\r\n..", "\r\n."), "latin1")],
  ["dotStuff", (s) => dotStuff(s), (out) => Buffer.from(out.toString("latin1").replaceAll("\r\n..", "\r\n.").replace(/^\.\./, "."), "latin1")],
];

function dechunk(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let at = 0; ; ) {
    const eol = data.indexOf("\r\n", at);
    const size = parseInt(data.subarray(at, eol).toString("latin1"), 16);
    at = eol + 2;
    if (size === 0) return Buffer.concat(parts);
    parts.push(data.subarray(at, at + size));
    at += size + 2;
  }
}

describe.each(["sync", "async"] as const)("backpressure through the producer library (%s source)", (timing) => {
  it.each(cases)("%s is pulled only as the peer reads", async (_name, wrap, unwrap) => {
    const [peer, end] = createSocketPair({ highWaterMark: 16 * KiB });
    const channel = new Sender(end);
    const source = new CountingSource(timing);
    const closed = once(channel, "close");
    channel.pushWithProducer(wrap(source));
    channel.closeWhenDone();
    // The peer reads nothing: the source stalls after the pipe's few buffers (socket, pair, one gathered piece).
    const stalled = await settle(() => source.pulled);
    expect(stalled).toBeLessThan(256 * KiB);

    const parts: Buffer[] = [];
    const ended = once(peer, "end");
    peer.on("data", (d: Buffer) => parts.push(d));
    await closed;
    await ended;
    expect(source.pulled).toBe(TOTAL);
    expect(createHash("sha256").update(unwrap(Buffer.concat(parts))).digest("hex")).toBe(source.hash.digest("hex"));
  });
});

describe("LinesProducer backpressure", () => {
  it("iterates a generator only as the peer reads", async () => {
    let made = 0;
    function* endless(): Generator<string> {
      for (;;) yield `line ${made++}`;
    }
    const [, end] = createSocketPair({ highWaterMark: 16 * KiB });
    const channel = new Sender(end);
    channel.pushWithProducer(new LinesProducer(endless()));
    const stalled = await settle(() => made);
    expect(stalled).toBeGreaterThan(0);
    expect(stalled).toBeLessThan(20_000); // about 64 KiB of lines: the socket, the pair and one piece
    channel.destroy();
  });
});
