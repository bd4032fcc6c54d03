/**
 * Producers on their own: SimpleProducer's pieces, iterables wrapped as
 * producers, and the producer check.
 */

import { Readable } from "node:stream";
import { isProducer, producerFromIterable, SimpleProducer, type Producer, type ProducerChunk } from "@asynchat/core";

/** Calls more() until it returns an empty piece; returns the pieces. */
async function drain(producer: Producer): Promise<string[]> {
  const pieces: string[] = [];
  for (let i = 0; i < 10_000; i++) {
    const piece = await producer.more();
    if (piece.length === 0) return pieces;
    pieces.push(typeof piece === "string" ? piece : Buffer.from(piece).toString());
  }
  throw new Error("the producer never ended");
}

describe("SimpleProducer", () => {
  it("hands out pieces of 512 bytes by default", () => {
    const producer = new SimpleProducer("x".repeat(1300));
    expect(producer.more()).toHaveLength(512);
    expect(producer.more()).toHaveLength(512);
    expect(producer.more()).toHaveLength(276);
    expect(producer.more()).toHaveLength(0);
    expect(producer.more()).toHaveLength(0);
  });

  it("hands out pieces of at most bufferSize bytes that join to the data", async () => {
    const data = Buffer.from(Array.from({ length: 100 }, (_, i) => i));
    const producer = new SimpleProducer(data, 7);
    const pieces: Buffer[] = [];
    for (let piece = producer.more(); piece.length > 0; piece = producer.more()) {
      expect(piece.length).toBeLessThanOrEqual(7);
      pieces.push(piece);
    }
    expect(pieces).toHaveLength(15);
    expect(Buffer.concat(pieces)).toEqual(data);
  });

  it("counts a string's UTF-8 bytes, not its characters", () => {
    const producer = new SimpleProducer("ééé", 2);
    expect([...producer.more()]).toEqual([0xc3, 0xa9]);
    expect(producer.more()).toHaveLength(2);
    expect(producer.more()).toHaveLength(2);
    expect(producer.more()).toHaveLength(0);
  });

  it("hands out data of exactly bufferSize bytes as one piece", () => {
    const producer = new SimpleProducer("abcd", 4);
    expect(producer.more().toString()).toBe("abcd");
    expect(producer.more()).toHaveLength(0);
  });

  it("is exhausted at once for empty data", () => {
    expect(new SimpleProducer("").more()).toHaveLength(0);
  });

  it("is a producer", () => {
    expect(isProducer(new SimpleProducer("x"))).toBe(true);
  });
});

describe("producerFromIterable", () => {
  it("wraps a sync iterable, skipping empty chunks rather than ending on them", async () => {
    expect(await drain(producerFromIterable(["a", "", "b", Buffer.alloc(0), "c"]))).toEqual(["a", "b", "c"]);
  });

  it("wraps an async generator", async () => {
    async function* lines(): AsyncGenerator<ProducerChunk> {
      yield "one ";
      await new Promise((resolve) => setTimeout(resolve, 1));
      yield Buffer.from("two ");
      yield "";
      yield Uint8Array.of(0x33);
    }
    expect(await drain(producerFromIterable(lines()))).toEqual(["one ", "two ", "3"]);
  });

  it("wraps a Node Readable", async () => {
    const readable = Readable.from([Buffer.from("r1"), Buffer.from("r2")]);
    expect((await drain(producerFromIterable(readable))).join("")).toBe("r1r2");
  });

  it("ends the iterator when discarded early", async () => {
    let finished = false;
    function* endless(): Generator<string> {
      try {
        for (;;) yield "x";
      } finally {
        finished = true;
      }
    }
    const producer = producerFromIterable(endless());
    expect(producer.more()).toBe("x");
    producer.discard?.();
    expect(finished).toBe(true);
  });

  it("destroys a Readable when discarded early", async () => {
    const readable = new Readable({ read() {} });
    readable.push("first");
    const producer = producerFromIterable(readable);
    expect(Buffer.from((await producer.more()) as Uint8Array).toString()).toBe("first");
    producer.discard?.();
    await new Promise((resolve) => readable.once("close", resolve));
    expect(readable.destroyed).toBe(true);
  });

  it("rejects what is not iterable", () => {
    expect(() => producerFromIterable({} as never)).toThrow(TypeError);
  });
});

describe("isProducer", () => {
  it("recognises objects with a more() method and nothing else", () => {
    expect(isProducer({ more: () => "" })).toBe(true);
    expect(isProducer({ more: "" })).toBe(false);
    expect(isProducer(null)).toBe(false);
    expect(isProducer("more")).toBe(false);
    expect(isProducer(["a"])).toBe(false);
  });
});
