/**
 * Streamed states, `{ stream: true }`: the handler hears each piece of a
 * frame as it arrives, `handler(piece, last)`, so a large body never sits
 * whole in memory.
 */

import { assertSameFramesInEveryChunking } from "@asynchat/core/testing";
import { Protocol, onBytes, onTerminator } from "@asynchat/decorators";
import { MiB, bytes, feed, retainedMemory, tick } from "../helpers";

type Piece = [piece: string, last: boolean];

/** A header line naming a body length, then the body streamed. */
class Upload extends Protocol {
  readonly pieces: Piece[] = [];
  size = 0;

  @onTerminator("\n", { encoding: "latin1" })
  header(line: string): unknown {
    this.size = Number(line);
    return this.body;
  }

  @onBytes((self: Upload) => self.size, { stream: true })
  body(piece: Buffer, last: boolean): unknown {
    if (!Buffer.isBuffer(piece)) throw new Error("a piece without { encoding } must be a Buffer");
    this.pieces.push([piece.toString("latin1"), last]);
    return last ? this.header : undefined;
  }
}

/** Lines streamed up to a terminator. */
class Streamed extends Protocol {
  readonly pieces: Piece[] = [];

  @onTerminator("\r\n", { encoding: "latin1", stream: true })
  line(piece: string, last: boolean) {
    if (typeof piece !== "string") throw new Error("a piece with { encoding } must be a string");
    this.pieces.push([piece, last]);
  }
}

/** The frames a list of pieces makes, and how many `last` pieces each frame had. */
function framesOf(pieces: Piece[]): Array<{ frame: string; lasts: number }> {
  const frames: Array<{ frame: string; lasts: number }> = [];
  let current = "";
  for (const [piece, last] of pieces) {
    current += piece;
    if (last) {
      frames.push({ frame: current, lasts: 1 });
      current = "";
    }
  }
  if (current !== "") frames.push({ frame: current, lasts: 0 });
  return frames;
}

describe("a streamed @onBytes state", () => {
  it("hands each piece on as it arrives, the last one marked", () => {
    const channel = new Upload();
    feed(channel, "10\nabc", "defg", "hij5\nxy");
    expect(channel.pieces).toEqual([
      ["abc", false],
      ["defg", false],
      ["hij", true],
      ["xy", false],
    ]);
  });

  it("gives the same frames, each with exactly one `last`, in every chunking", () => {
    const input = bytes("3\nabc0\n1\nz12\n\r\n\r\n\r\n\r\n\r\n\r\n2\nok");
    const frames = assertSameFramesInEveryChunking(input, (chunks) => {
      const channel = new Upload();
      for (const chunk of chunks) channel.handleRead(chunk);
      return framesOf(channel.pieces);
    });
    expect(frames).toEqual([
      { frame: "abc", lasts: 1 },
      { frame: "", lasts: 1 },
      { frame: "z", lasts: 1 },
      { frame: "\r\n\r\n\r\n\r\n\r\n\r\n", lasts: 1 },
      { frame: "ok", lasts: 1 },
    ]);
  });

  it("hands no piece on before the frame's first byte", () => {
    const channel = new Upload();
    feed(channel, "4\n");
    expect(channel.pieces).toEqual([]);
    feed(channel, "a");
    expect(channel.pieces).toEqual([["a", false]]);
  });

  it("arms the count again when the handler stays after the last piece", () => {
    class Records extends Protocol {
      readonly pieces: Piece[] = [];
      @onBytes(3, { stream: true, encoding: "latin1" })
      record(piece: string, last: boolean) {
        this.pieces.push([piece, last]);
      }
    }
    const channel = new Records();
    feed(channel, "ab", "cdefg");
    expect(framesOf(channel.pieces)).toEqual([
      { frame: "abc", lasts: 1 },
      { frame: "def", lasts: 1 },
      { frame: "g", lasts: 0 },
    ]);
  });
});

describe("a streamed @onTerminator state", () => {
  it("hands on pieces without the terminator, and a last piece that may be empty", () => {
    const channel = new Streamed();
    feed(channel, "hello ", "world\r", "\nnext\r\n");
    expect(channel.pieces).toEqual([
      ["hello ", false],
      ["world", false],
      ["", true],
      ["next", true],
    ]);
  });

  it("gives the same frames, each with exactly one `last`, in every chunking", () => {
    const input = bytes("one\r\n\r\ntwo\rthree\n\r\r\nfour\r\n");
    const frames = assertSameFramesInEveryChunking(input, (chunks) => {
      const channel = new Streamed();
      for (const chunk of chunks) channel.handleRead(chunk);
      return framesOf(channel.pieces);
    });
    expect(frames).toEqual([
      { frame: "one", lasts: 1 },
      { frame: "", lasts: 1 },
      { frame: "two\rthree\n\r", lasts: 1 },
      { frame: "four", lasts: 1 },
    ]);
  });

  it("decodes multi-byte characters split between pieces", () => {
    class Utf8 extends Protocol {
      text = "";
      frames: string[] = [];
      @onTerminator("\n", { encoding: "utf8", stream: true })
      line(piece: string, last: boolean) {
        this.text += piece;
        if (last) {
          this.frames.push(this.text);
          this.text = "";
        }
      }
    }
    const input = Buffer.from("žluťoučký 🐴\nκόσμε\n", "utf8");
    const frames = assertSameFramesInEveryChunking(input, (chunks) => {
      const channel = new Utf8();
      for (const chunk of chunks) channel.handleRead(chunk);
      return channel.frames;
    });
    expect(frames).toEqual(["žluťoučký 🐴", "κόσμε"]);
  });

  it("is not limited by the class's default maxLength", () => {
    class Big extends Protocol {
      static override defaultMaxLength = 8;
      total = 0;
      lasts = 0;
      @onTerminator("\n", { stream: true })
      line(piece: Buffer, last: boolean) {
        this.total += piece.length;
        if (last) this.lasts++;
      }
    }
    const channel = new Big();
    const errors: Error[] = [];
    channel.on("error", (error) => errors.push(error));
    feed(channel, "x".repeat(1000), "\n");
    expect(errors).toEqual([]);
    expect([channel.total, channel.lasts]).toEqual([1000, 1]);
  });

  it("pauses input while a piece handler's promise is pending", async () => {
    class Slow extends Protocol {
      readonly pieces: Piece[] = [];
      release: (() => void) | null = null;
      @onTerminator("\n", { encoding: "latin1", stream: true })
      line(piece: string, last: boolean): unknown {
        this.pieces.push([piece, last]);
        if (piece === "wait") return new Promise<void>((resolve) => (this.release = resolve));
        return undefined;
      }
    }
    const channel = new Slow();
    feed(channel, "wait");
    feed(channel, "more\nnext\n");
    expect(channel.pieces).toEqual([["wait", false]]);
    expect(channel.busy).toBe(true);
    await tick();
    expect(channel.pieces).toEqual([["wait", false]]);
    channel.release!();
    await tick();
    expect(channel.pieces).toEqual([
      ["wait", false],
      ["more", true],
      ["next", true],
    ]);
  });
});

describe("streaming a large body", () => {
  const BODY = 50 * MiB;
  const CHUNK = MiB;

  it("passes 50 MB through a streamed state without the process keeping anything near that", () => {
    class Sink extends Protocol {
      received = 0;
      lasts = 0;
      @onTerminator("\n", { encoding: "latin1" })
      header(): unknown {
        return this.body;
      }
      @onBytes(BODY, { stream: true })
      body(piece: Buffer, last: boolean): unknown {
        this.received += piece.length;
        if (!last) return undefined;
        this.lasts++;
        return this.header;
      }
    }
    const channel = new Sink();
    feed(channel, "upload\n");
    const before = retainedMemory();
    let peak = 0;
    for (let sent = 0; sent < BODY; sent += CHUNK) {
      // A fresh buffer each time, as a socket delivers them: keeping any of them would show.
      channel.handleRead(Buffer.alloc(CHUNK, sent / CHUNK));
      if ((sent / CHUNK) % 25 === 24) peak = Math.max(peak, retainedMemory() - before);
    }
    expect([channel.received, channel.lasts, channel.state]).toEqual([BODY, 1, "header"]);
    expect(peak).toBeLessThan(BODY / 5);
  });

  it("passes 50 MB through a streamed terminator state the same way", () => {
    class Sink extends Protocol {
      received = 0;
      lasts = 0;
      @onTerminator("\r\n.\r\n", { stream: true })
      body(piece: Buffer, last: boolean) {
        this.received += piece.length;
        if (last) this.lasts++;
      }
    }
    const channel = new Sink();
    const before = retainedMemory();
    let peak = 0;
    for (let sent = 0; sent < BODY; sent += CHUNK) {
      const chunk = Buffer.alloc(CHUNK, "a");
      chunk.write("\r\n", CHUNK - 2, "latin1"); // every chunk ends in a prefix of the terminator
      channel.handleRead(chunk);
      if ((sent / CHUNK) % 25 === 24) peak = Math.max(peak, retainedMemory() - before);
    }
    feed(channel, ".\r\n");
    expect([channel.received, channel.lasts]).toEqual([BODY - 2, 1]);
    expect(peak).toBeLessThan(BODY / 5);
  });
});
