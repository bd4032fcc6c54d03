/**
 * A channel's output over an in-memory socket pair: push, producers (sync,
 * async, iterables, Readables), batching into one write, closeWhenDone,
 * discardBuffers, backpressure and failing producers.
 */

import { Readable } from "node:stream";
import * as fc from "fast-check";
import { ProducerError, SimpleProducer, type Producer, type ProducerChunk } from "@asynchat/core";
import { createSocketPair, type MemorySocket } from "@asynchat/core/testing";
import { CallLog, once, readAll, Sender, sleep, tick, waitUntil } from "../helpers";

function sender(options: { highWaterMark?: number } = {}): { channel: Sender; near: MemorySocket; far: MemorySocket } {
  const [near, far] = createSocketPair(options);
  const channel = new Sender(near);
  return { channel, near, far };
}

/** A producer of `total` bytes (byte i is i % 251) in pieces of `piece`, counting what was pulled. */
class CountingProducer implements Producer {
  pulled = 0;
  discarded = false;
  constructor(
    readonly total: number,
    readonly piece: number,
  ) {}
  more(): Buffer {
    const size = Math.min(this.piece, this.total - this.pulled);
    const out = Buffer.allocUnsafe(size);
    for (let i = 0; i < size; i++) out[i] = (this.pulled + i) % 251;
    this.pulled += size;
    return out;
  }
  discard(): void {
    this.discarded = true;
  }
}

function pattern(total: number): Buffer {
  const out = Buffer.allocUnsafe(total);
  for (let i = 0; i < total; i++) out[i] = i % 251;
  return out;
}

describe("push", () => {
  it("sends strings as UTF-8 and bytes as they are, in order", async () => {
    const { channel, far } = sender();
    const received = readAll(far);
    channel.push("héllo ");
    channel.push(Buffer.from("wörld"));
    channel.push(Uint8Array.of(0x21));
    channel.closeWhenDone();
    expect((await received).toString("utf8")).toBe("héllo wörld!");
  });

  it("sends many small pushes made in one tick as one socket write", async () => {
    const { channel, near, far } = sender();
    const received = readAll(far);
    for (let i = 0; i < 500; i++) channel.push(`line ${i}\r\n`);
    await tick();
    expect(near.writeCount).toBe(1);
    channel.closeWhenDone();
    const text = (await received).toString();
    expect(text.split("\r\n")).toHaveLength(501);
    expect(text.startsWith("line 0\r\nline 1\r\n")).toBe(true);
  });

  it("sends a mix of strings and buffers pushed in one tick as one socket write", async () => {
    const { channel, near } = sender();
    for (let i = 0; i < 20; i++) {
      channel.push(`${i}:`);
      channel.push(Buffer.from([0x30 + (i % 10), 0x0a]));
    }
    await tick();
    expect(near.writeCount).toBe(1);
    expect(near.writtenBytes().toString()).toContain("19:9\n");
    channel.destroy();
  });

  it("sends the replies pushed while one received chunk is framed as one write when it is done", async () => {
    const [near, far] = createSocketPair();
    const channel = new CallLog("\r\n", near);
    channel.onFound = (frame) => channel.push(`250 ${frame}\r\n`);
    const commands = Array.from({ length: 50 }, (_, i) => `CMD${i}\r\n`).join("");
    far.write(commands);
    await waitUntil(() => channel.frames.length === 50, "all commands are framed");
    await tick();
    expect(near.writeCount).toBe(1);
    expect(near.writtenBytes().toString()).toBe(Array.from({ length: 50 }, (_, i) => `250 CMD${i}\r\n`).join(""));
    channel.destroy();
  });

  it("ignores an empty push", async () => {
    const { channel, near } = sender();
    channel.push("");
    channel.push(Buffer.alloc(0));
    await tick();
    expect(near.writeCount).toBe(0);
    expect(channel.writable()).toBe(false);
    channel.destroy();
  });

  it("keeps output queued on a channel without a socket", () => {
    const channel = new Sender();
    channel.push("abc");
    channel.push(Buffer.from("de"));
    expect(channel.writable()).toBe(true);
    expect(channel.queuedOutput).toBe(5);
  });
});

describe("pushWithProducer", () => {
  it("sends a SimpleProducer's data whole, in order with pushes around it", async () => {
    const { channel, far } = sender();
    const received = readAll(far);
    const body = "0123456789".repeat(300);
    channel.push("<");
    channel.pushWithProducer(new SimpleProducer(body, 100));
    channel.push(">");
    channel.closeWhenDone();
    expect((await received).toString()).toBe(`<${body}>`);
  });

  it("waits for an async producer and sends nothing queued behind it meanwhile", async () => {
    const { channel, far } = sender();
    const received = readAll(far);
    const pieces = ["p1 ", "p2 ", "p3 "];
    const producer: Producer = {
      async more(): Promise<ProducerChunk> {
        await sleep(2);
        return pieces.shift() ?? "";
      },
    };
    channel.pushWithProducer(producer);
    channel.push("after");
    channel.closeWhenDone();
    expect((await received).toString()).toBe("p1 p2 p3 after");
  });

  it("accepts an async iterable as a producer", async () => {
    const { channel, far } = sender();
    const received = readAll(far);
    async function* body(): AsyncGenerator<ProducerChunk> {
      yield "a";
      await sleep(1);
      yield Buffer.from("b");
      yield "";
      yield "c";
    }
    channel.pushWithProducer(body());
    channel.push("!");
    channel.closeWhenDone();
    expect((await received).toString()).toBe("abc!");
  });

  it("accepts a Node Readable as a producer", async () => {
    const { channel, far } = sender();
    const received = readAll(far);
    const data = pattern(100_000);
    channel.pushWithProducer(Readable.from([data.subarray(0, 30_000), data.subarray(30_000, 70_000), data.subarray(70_000)]));
    channel.push("end");
    channel.closeWhenDone();
    const got = await received;
    expect(got.subarray(0, 100_000).equals(data)).toBe(true);
    expect(got.subarray(100_000).toString()).toBe("end");
  });

  it("accepts a sync iterable as a producer", async () => {
    const { channel, far } = sender();
    const received = readAll(far);
    channel.pushWithProducer(["x", "y", "z"]);
    channel.closeWhenDone();
    expect((await received).toString()).toBe("xyz");
  });
});

describe("closeWhenDone", () => {
  it("delivers everything queued before it, then closes, and nothing pushed after it", async () => {
    const { channel, far } = sender();
    const errors: Error[] = [];
    channel.on("error", (error) => errors.push(error));
    const received = readAll(far);
    const closed = once(channel, "close");
    channel.push("first ");
    channel.pushWithProducer(new CountingProducer(50_000, 1000));
    channel.pushWithProducer({
      more: (() => {
        let done = false;
        return async () => {
          await sleep(1);
          if (done) return "";
          done = true;
          return " async ";
        };
      })(),
    });
    channel.push("last");
    channel.closeWhenDone();
    channel.push("never");
    const got = await received;
    await closed;
    expect(got.subarray(0, 6).toString()).toBe("first ");
    expect(got.subarray(6, 50_006).equals(pattern(50_000))).toBe(true);
    expect(got.subarray(50_006).toString()).toBe(" async last");
    expect(errors.map((error) => (error as ProducerError).code)).toEqual(["ERR_CHANNEL_CLOSED"]);
    expect(channel.closed).toBe(true);
  });

  it("closes at once when nothing is queued", async () => {
    const { channel, far } = sender();
    const received = readAll(far);
    channel.closeWhenDone();
    await once(channel, "close");
    expect((await received).length).toBe(0);
  });
});

describe("discardBuffers", () => {
  it("drops queued output and tells queued producers", async () => {
    const { channel, near, far } = sender();
    const producer = new CountingProducer(10_000, 100);
    channel.push("dropped");
    channel.pushWithProducer(producer);
    channel.discardBuffers();
    await tick();
    expect(near.writeCount).toBe(0);
    expect(producer.pulled).toBe(0);
    expect(producer.discarded).toBe(true);
    const received = readAll(far);
    channel.push("kept");
    channel.closeWhenDone();
    expect((await received).toString()).toBe("kept");
  });

  it("ignores the late result of an async producer it dropped", async () => {
    const { channel, far } = sender();
    const received = readAll(far);
    let resolve: (chunk: ProducerChunk) => void = () => undefined;
    channel.pushWithProducer({ more: () => new Promise<ProducerChunk>((r) => (resolve = r)) });
    await tick();
    channel.discardBuffers();
    resolve("stale");
    await tick();
    channel.push("fresh");
    channel.closeWhenDone();
    expect((await received).toString()).toBe("fresh");
  });

  it("keeps a pending closeWhenDone", async () => {
    const { channel, far } = sender({ highWaterMark: 1024 });
    far.pause();
    channel.pushWithProducer(new CountingProducer(100_000, 512));
    channel.closeWhenDone();
    await tick();
    channel.discardBuffers();
    far.resume();
    await once(channel, "close");
    expect(channel.closed).toBe(true);
  });
});

describe("backpressure over an in-memory socket pair", () => {
  it("does not pull a producer while the socket is full, and resumes when the peer reads", async () => {
    const { channel, far } = sender({ highWaterMark: 4096 });
    far.pause();
    const total = 1024 * 1024;
    const producer = new CountingProducer(total, 512);
    let drains = 0;
    channel.on("drain", () => drains++);
    channel.pushWithProducer(producer);
    await sleep(20);
    // The socket's buffer plus the peer's, and a piece or two: far from the megabyte.
    expect(producer.pulled).toBeLessThanOrEqual(4 * 4096 + 2 * 512);
    const stalled = producer.pulled;
    await sleep(10);
    expect(producer.pulled).toBe(stalled);
    const received = readAll(far);
    far.resume();
    await waitUntil(() => drains > 0, "the held-back output drains");
    expect(producer.pulled).toBe(total);
    channel.closeWhenDone();
    const got = await received;
    expect(got.length).toBe(total);
    expect(got.equals(pattern(total))).toBe(true);
  });

  it("goes on framing input that waited for the output high-water mark once the socket has taken the output", async () => {
    const [near, far] = createSocketPair();
    class Replier extends CallLog {}
    const channel = new Replier("\n", near, { outputHighWaterMark: 100 });
    channel.onFound = () => channel.push("x".repeat(50) + "\n");
    const received = readAll(far);
    far.write("GET\n".repeat(40));
    // Two replies reach the mark and framing stops; the socket takes them at once, so no drain comes.
    await waitUntil(() => channel.frames.length === 40, "every request is framed", 2000);
    channel.closeWhenDone();
    expect((await received).length).toBe(40 * 51);
  });

  it("emits drain once output that was held back has all gone", async () => {
    const { channel, far } = sender({ highWaterMark: 1024 });
    far.pause();
    channel.push(Buffer.alloc(8 * 1024, 1));
    await tick();
    let drained = false;
    channel.on("drain", () => (drained = true));
    far.resume();
    await waitUntil(() => drained, "drain is emitted");
    expect(channel.queuedOutput).toBe(0);
    channel.destroy();
  });

  it("holds output while writable() is false and sends it once handleWrite() is called after it turns true", async () => {
    const [near, far] = createSocketPair();
    class Gated extends Sender {
      open = false;
      override writable(): boolean {
        return this.open && super.writable();
      }
    }
    const channel = new Gated(near);
    channel.push("held");
    await tick();
    expect(near.writeCount).toBe(0);
    channel.open = true;
    channel.handleWrite();
    expect(near.writtenBytes().toString()).toBe("held");
    channel.destroy();
    far.destroy();
  });
});

describe("failing producers", () => {
  function failing(kind: "throws" | "rejects" | "returns a number"): Producer {
    return {
      more(): ProducerChunk | Promise<ProducerChunk> {
        if (kind === "throws") throw new Error("disk on fire");
        if (kind === "rejects") return Promise.reject(new Error("disk on fire"));
        return 42 as unknown as ProducerChunk;
      },
    };
  }

  it.each(["throws", "rejects", "returns a number"] as const)(
    "errors only its own channel when more() %s",
    async (kind) => {
      const bad = sender();
      const good = sender();
      const errors: Error[] = [];
      bad.channel.on("error", (error) => errors.push(error));
      const goodReceived = readAll(good.far);
      const badClosed = once(bad.channel, "close");
      bad.channel.push("before ");
      bad.channel.pushWithProducer(failing(kind));
      good.channel.pushWithProducer(new SimpleProducer("fine", 2));
      await badClosed;
      expect(errors).toHaveLength(1);
      expect(errors[0]).toBeInstanceOf(ProducerError);
      expect((errors[0] as ProducerError).code).toBe("ERR_PRODUCER_FAILED");
      if (kind !== "returns a number") expect((errors[0]!.cause as Error).message).toBe("disk on fire");
      expect(bad.near.writtenBytes().toString()).toBe("before ");
      good.channel.push(" still");
      good.channel.closeWhenDone();
      expect((await goodReceived).toString()).toBe("fine still");
      expect(good.channel.closed).toBe(true);
    },
  );
});

describe("output order", () => {
  type Op =
    | { kind: "string"; text: string }
    | { kind: "bytes"; text: string }
    | { kind: "simple"; text: string; size: number }
    | { kind: "async"; pieces: string[] }
    | { kind: "iterable"; pieces: string[] };

  const text = fc.string({ unit: fc.constantFrom("a", "b", "é", "\n"), maxLength: 40 });
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ kind: fc.constant("string" as const), text }),
    fc.record({ kind: fc.constant("bytes" as const), text }),
    fc.record({ kind: fc.constant("simple" as const), text, size: fc.integer({ min: 1, max: 16 }) }),
    fc.record({ kind: fc.constant("async" as const), pieces: fc.array(text, { maxLength: 4 }) }),
    fc.record({ kind: fc.constant("iterable" as const), pieces: fc.array(text, { maxLength: 4 }) }),
  );

  it("delivers any mix of pushes and producers whole and in order, through a small socket buffer", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 12 }), fc.integer({ min: 16, max: 256 }), async (ops, highWaterMark) => {
        const { channel, far } = sender({ highWaterMark });
        const received = readAll(far);
        let expected = "";
        for (const item of ops) {
          switch (item.kind) {
            case "string":
              channel.push(item.text);
              expected += item.text;
              break;
            case "bytes":
              channel.push(Buffer.from(item.text));
              expected += item.text;
              break;
            case "simple":
              channel.pushWithProducer(new SimpleProducer(item.text, item.size));
              expected += item.text;
              break;
            case "async": {
              const pieces = item.pieces.filter((piece) => piece.length > 0);
              expected += pieces.join("");
              channel.pushWithProducer({ more: async () => pieces.shift() ?? "" });
              break;
            }
            case "iterable":
              channel.pushWithProducer(Readable.from(item.pieces.filter((piece) => piece.length > 0).map((piece) => Buffer.from(piece))));
              expected += item.pieces.join("");
              break;
          }
        }
        channel.closeWhenDone();
        expect((await received).toString()).toBe(expected);
      }),
      { numRuns: 150 },
    );
  });
});
