/**
 * Limits: `maxLength` per state and per class, what happens to an over-long
 * frame, `{ lineEndings: "crlf" }`, and byte/frame budgets over a group of
 * states.
 */

import {
  BareLineEndingError,
  BudgetExceededError,
  ErrorCode,
  FrameTooLongError,
} from "@asynchat/core";
import { createSocketPair } from "@asynchat/core/testing";
import { DEFAULT_MAX_LENGTH, Protocol, describeProtocol, onBytes, onOverflow, onTerminator } from "@asynchat/decorators";
import { MiB, collect, errorsOf, feed, retainedMemory, tick, waitUntil } from "../helpers";

/** Lines of at most 8 bytes; an over-long one is answered and the machine goes on. */
class ShortLines extends Protocol {
  readonly seen: string[] = [];
  readonly overflows: Array<[code: string, state: string]> = [];

  @onTerminator("\r\n", { encoding: "latin1", maxLength: 8 })
  line(text: string): unknown {
    this.seen.push(`line ${text}`);
    return text === "bytes" ? this.block : undefined;
  }

  @onBytes(4, { encoding: "latin1" })
  block(data: string): unknown {
    this.seen.push(`block ${data}`);
    return this.line;
  }

  @onOverflow
  tooLong(error: Error, state: string): unknown {
    this.overflows.push([(error as FrameTooLongError).code, state]);
    this.push("500 Line too long\r\n");
    return undefined;
  }
}

describe("maxLength of a state", () => {
  it("lets a frame of exactly maxLength bytes through", () => {
    const channel = new ShortLines();
    feed(channel, "12345678\r\n");
    expect(channel.seen).toEqual(["line 12345678"]);
    expect(channel.overflows).toEqual([]);
  });

  it("reports a frame one byte longer as soon as that byte arrives, before its terminator", () => {
    const channel = new ShortLines();
    feed(channel, "12345678");
    expect(channel.overflows).toEqual([]);
    feed(channel, "9");
    expect(channel.overflows).toEqual([["ERR_FRAME_TOO_LONG", "line"]]);
    feed(channel, "more and more", "\r\nok\r\n");
    expect(channel.seen).toEqual(["line ok"]);
    expect(channel.overflows).toHaveLength(1);
  });

  it("reports the limit and the length seen in the error", () => {
    const channel = new ShortLines();
    const errors = errorsOf(channel);
    feed(channel, "123456789\r\n");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(FrameTooLongError);
    expect(errors[0]).toMatchObject({ code: ErrorCode.FRAME_TOO_LONG, limit: 8, length: 9 });
  });

  it("emits `error` once per over-long frame, even with an @onOverflow method", () => {
    const channel = new ShortLines();
    const errors = errorsOf(channel);
    feed(channel, "123456789\r\nok\r\n0123456789abcdef\r\n");
    expect(errors.map((e) => (e as FrameTooLongError).code)).toEqual(["ERR_FRAME_TOO_LONG", "ERR_FRAME_TOO_LONG"]);
    expect(channel.seen).toEqual(["line ok"]);
    expect(channel.closing).toBe(false);
  });

  it("drops an over-long frame as it arrives, never buffering it whole", () => {
    class Limited extends Protocol {
      readonly seen: number[] = [];
      overflows = 0;
      @onTerminator("\n", { maxLength: 1024 })
      line(data: Buffer) {
        this.seen.push(data.length);
      }
      @onOverflow()
      tooLong() {
        this.overflows++;
      }
    }
    const channel = new Limited();
    const before = retainedMemory();
    let peak = 0;
    for (let i = 0; i < 20; i++) {
      channel.handleRead(Buffer.alloc(MiB, "x"));
      if (i % 10 === 9) peak = Math.max(peak, retainedMemory() - before);
    }
    expect(channel.overflows).toBe(1);
    expect(peak).toBeLessThan(4 * MiB);
    feed(channel, "tail\nabc\n");
    expect(channel.seen).toEqual([3]);
  });

  it("is the largest count an @onBytes state accepts; a larger computed count is dropped and reported", () => {
    class Sized extends Protocol {
      readonly seen: string[] = [];
      readonly overflows: Array<[number, number, string]> = [];
      size = 0;
      @onTerminator("\n", { encoding: "latin1" })
      header(line: string): unknown {
        this.size = Number(line);
        return this.body;
      }
      @onBytes((self: Sized) => self.size, { encoding: "latin1", maxLength: 4 })
      body(data: string): unknown {
        this.seen.push(data);
        return this.header;
      }
      @onOverflow
      tooLong(error: Error, state: string): unknown {
        const { limit, length } = error as FrameTooLongError;
        this.overflows.push([limit, length, state]);
        return this.header;
      }
    }
    const channel = new Sized();
    feed(channel, "4\nabcd5\nvwxyz2\nok");
    expect(channel.seen).toEqual(["abcd", "ok"]);
    expect(channel.overflows).toEqual([[4, 5, "body"]]);
    expect(channel.state).toBe("header");
  });

  it("closes the channel over a larger count when there is no @onOverflow method", async () => {
    class Sized extends Protocol {
      readonly seen: string[] = [];
      @onBytes(() => 10, { maxLength: 9 })
      body() {
        this.seen.push("body");
      }
    }
    const channel = new Sized();
    const errors = errorsOf(channel);
    feed(channel, "0123456789");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: ErrorCode.FRAME_TOO_LONG, limit: 9, length: 10 });
    expect(channel.seen).toEqual([]);
    await tick();
    expect(channel.closed).toBe(true);
  });

  it("of Infinity lets a frame of any length through", () => {
    class Unlimited extends Protocol {
      readonly seen: number[] = [];
      @onTerminator("\n", { maxLength: Infinity })
      line(data: Buffer) {
        this.seen.push(data.length);
      }
    }
    const channel = new Unlimited();
    feed(channel, Buffer.alloc(200 * 1024, "y"), "\n");
    expect(channel.seen).toEqual([200 * 1024]);
  });

  it("of a streamed state limits the whole frame, not each piece", () => {
    class StreamedLimit extends Protocol {
      total = 0;
      overflows = 0;
      @onTerminator("\n", { stream: true, maxLength: 10 })
      line(piece: Buffer) {
        this.total += piece.length;
      }
      @onOverflow
      tooLong() {
        this.overflows++;
      }
    }
    const channel = new StreamedLimit();
    feed(channel, "12345", "67890", "\n");
    expect([channel.total, channel.overflows]).toEqual([10, 0]);
    feed(channel, "12345", "67890", "1", "\n");
    expect([channel.total, channel.overflows]).toEqual([20, 1]);
  });
});

describe("the class default maxLength", () => {
  it("is 64 KiB built in", () => {
    class Plain extends Protocol {
      readonly seen: number[] = [];
      @onTerminator("\n")
      line(data: Buffer) {
        this.seen.push(data.length);
      }
    }
    expect(DEFAULT_MAX_LENGTH).toBe(64 * 1024);
    expect(Protocol.defaultMaxLength).toBe(64 * 1024);
    const channel = new Plain();
    const errors = errorsOf(channel);
    feed(channel, Buffer.alloc(64 * 1024, "a"), "\n");
    expect(channel.seen).toEqual([64 * 1024]);
    feed(channel, Buffer.alloc(64 * 1024 + 1, "a"), "\n");
    expect(errors.map((e) => (e as FrameTooLongError).code)).toEqual(["ERR_FRAME_TOO_LONG"]);
    expect(channel.seen).toEqual([64 * 1024]);
  });

  it("is `static defaultMaxLength` of the class, for every state without its own", () => {
    class Small extends Protocol {
      static override defaultMaxLength = 5;
      readonly seen: string[] = [];
      readonly overflows: string[] = [];
      @onTerminator("\n", { encoding: "latin1" })
      short(text: string): unknown {
        this.seen.push(`short ${text}`);
        return text === "long" ? this.long : undefined;
      }
      @onTerminator("\n", { encoding: "latin1", maxLength: 100 })
      long(text: string): unknown {
        this.seen.push(`long ${text}`);
        return this.short;
      }
      @onBytes(6)
      six() {
        this.seen.push("six");
      }
      @onOverflow
      tooLong(_error: Error, state: string) {
        this.overflows.push(state);
      }
    }
    const channel = new Small();
    feed(channel, "12345\n123456\nlong\n0123456789\n");
    expect(channel.seen).toEqual(["short 12345", "short long", "long 0123456789"]);
    expect(channel.overflows).toEqual(["short"]);
    expect(describeProtocol(Small).map((s) => [s.name, s.maxLength])).toEqual([
      ["short", 5],
      ["long", 100],
      ["six", 5],
    ]);
  });

  it("is inherited by subclasses, which may change it", () => {
    class Parent extends Protocol {
      static override defaultMaxLength = 3;
      @onTerminator("\n")
      line() {}
    }
    class Child extends Parent {
      static override defaultMaxLength = 300;
    }
    class Grandchild extends Parent {}
    expect(describeProtocol(Parent)[0]!.maxLength).toBe(3);
    expect(describeProtocol(Child)[0]!.maxLength).toBe(300);
    expect(describeProtocol(Grandchild)[0]!.maxLength).toBe(3);
  });

  it("is overridden by the channel's maxLength option, except for streamed states", () => {
    class Mixed extends Protocol {
      readonly seen: string[] = [];
      @onTerminator("\n", { encoding: "latin1" })
      line(text: string): unknown {
        this.seen.push(`line ${text.length}`);
        return text === "upload" ? this.upload : undefined;
      }
      @onTerminator("\n", { stream: true })
      upload(piece: Buffer, last: boolean): unknown {
        if (last) this.seen.push("upload done");
        return last ? this.line : undefined;
      }
      @onOverflow
      tooLong(_error: Error, state: string) {
        this.seen.push(`too long in ${state}`);
      }
    }
    const channel = new Mixed(null, { maxLength: 6 });
    feed(channel, "123456\n1234567\nupload\n", "x".repeat(100), "\n");
    expect(channel.seen).toEqual(["line 6", "too long in line", "line 6", "upload done"]);
  });
});

describe("an over-long frame", () => {
  it("closes the channel and emits `error` when there is no @onOverflow method", async () => {
    class NoHook extends Protocol {
      readonly seen: string[] = [];
      @onTerminator("\n", { encoding: "latin1", maxLength: 4 })
      line(text: string) {
        this.seen.push(text);
      }
    }
    const channel = new NoHook();
    const errors = errorsOf(channel);
    let closed = false;
    channel.on("close", () => (closed = true));
    feed(channel, "ok\n12345\nlater\n");
    expect(channel.seen).toEqual(["ok"]);
    expect(errors.map((e) => (e as FrameTooLongError).code)).toEqual(["ERR_FRAME_TOO_LONG"]);
    await tick();
    expect(closed).toBe(true);
  });

  it("lets @onOverflow push a reply, which the peer receives, and go on", async () => {
    const [server, client] = createSocketPair();
    const channel = new ShortLines(server);
    const received = collect(client);
    client.write("hello\r\nfar too long\r\nbytes\r\nabcdshort\r\n");
    await waitUntil(() => channel.seen.length === 4, "four frames are handled");
    expect(channel.seen).toEqual(["line hello", "line bytes", "block abcd", "line short"]);
    await waitUntil(() => received.text().length > 0, "the reply arrives");
    expect(received.text()).toBe("500 Line too long\r\n");
    channel.close();
  });

  it("enters the state @onOverflow names once the dropped frame has ended", () => {
    class Recovering extends Protocol {
      readonly seen: string[] = [];
      @onTerminator("\n", { encoding: "latin1", maxLength: 4 })
      command(text: string) {
        this.seen.push(`command ${text}`);
      }
      @onTerminator(";", { encoding: "latin1" })
      recovery(text: string): unknown {
        this.seen.push(`recovery ${text}`);
        return this.command;
      }
      @onOverflow
      tooLong(): unknown {
        this.seen.push(`overflow in ${this.state}`);
        return "recovery";
      }
    }
    const channel = new Recovering();
    feed(channel, "abcdefgh", "ij;\nx;y\n");
    expect(channel.seen).toEqual(["overflow in command", "recovery x", "command y"]);
  });

  it("may be answered by closing the channel from @onOverflow", async () => {
    class Strict extends Protocol {
      readonly seen: string[] = [];
      @onTerminator("\n", { encoding: "latin1", maxLength: 2 })
      line(text: string) {
        this.seen.push(text);
      }
      @onOverflow
      tooLong() {
        this.push("bye\n");
        this.closeWhenDone();
      }
    }
    const [server, client] = createSocketPair();
    const channel = new Strict(server);
    const received = collect(client);
    client.write("ok\nlong line\nnever\n");
    await waitUntil(() => channel.closed, "the channel closes");
    expect(channel.seen).toEqual(["ok"]);
    await waitUntil(received.ended, "the peer sees the end");
    expect(received.text()).toBe("bye\n");
  });
});

describe('{ lineEndings: "crlf" }', () => {
  class Strict extends Protocol {
    readonly seen: string[] = [];
    readonly rejected: Array<[string, number]> = [];
    @onTerminator("\r\n", { encoding: "latin1", lineEndings: "crlf" })
    line(text: string) {
      this.seen.push(text);
    }
    @onOverflow
    bare(error: Error) {
      this.rejected.push([(error as BareLineEndingError).code, (error as BareLineEndingError).offset]);
    }
  }

  class StrictStreamed extends Protocol {
    readonly seen: string[] = [];
    readonly rejected: Array<[string, number]> = [];
    current = "";
    @onTerminator("\r\n", { encoding: "latin1", lineEndings: "crlf", stream: true })
    line(piece: string, last: boolean) {
      this.current += piece;
      if (!last) return;
      this.seen.push(this.current);
      this.current = "";
    }
    @onOverflow
    bare(error: Error) {
      this.current = "";
      this.rejected.push([(error as BareLineEndingError).code, (error as BareLineEndingError).offset]);
    }
  }

  const input = "good\r\nbare\nlf\r\nbare\rcr\r\nends in cr\r\r\n\rstarts\r\nfine again\r\n";
  const expected = {
    seen: ["good", "fine again"],
    rejected: [
      ["ERR_BARE_LINE_ENDING", 4],
      ["ERR_BARE_LINE_ENDING", 4],
      ["ERR_BARE_LINE_ENDING", 10],
      ["ERR_BARE_LINE_ENDING", 0],
    ],
  };

  it("rejects a buffered frame holding a bare CR or LF, and lets CRLF-clean frames through", () => {
    const channel = new Strict();
    feed(channel, input);
    expect({ seen: channel.seen, rejected: channel.rejected }).toEqual(expected);
  });

  it("rejects the same frames in a streamed state, fed one byte at a time", () => {
    const channel = new StrictStreamed();
    for (const byte of Buffer.from(input, "latin1")) channel.handleRead(Buffer.from([byte]));
    expect({ seen: channel.seen, rejected: channel.rejected }).toEqual(expected);
  });

  it("rejects the same frames in a streamed state, fed whole", () => {
    const channel = new StrictStreamed();
    feed(channel, input);
    expect({ seen: channel.seen, rejected: channel.rejected }).toEqual(expected);
  });

  it("reports a BareLineEndingError through `error` and closes without an @onOverflow method", async () => {
    class NoHook extends Protocol {
      readonly seen: string[] = [];
      @onTerminator("\r\n", { encoding: "latin1", lineEndings: "crlf" })
      line(text: string) {
        this.seen.push(text);
      }
    }
    const channel = new NoHook();
    const errors = errorsOf(channel);
    feed(channel, "ok\r\nb\nad\r\nnever\r\n");
    expect(channel.seen).toEqual(["ok"]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(BareLineEndingError);
    expect(channel.closing).toBe(true);
  });

  it('is "any" by default: bare CR and LF are frame data', () => {
    class Lenient extends Protocol {
      readonly seen: string[] = [];
      @onTerminator("\r\n", { encoding: "latin1" })
      line(text: string) {
        this.seen.push(text);
      }
    }
    const channel = new Lenient();
    feed(channel, "a\nb\rc\r\n");
    expect(channel.seen).toEqual(["a\nb\rc"]);
  });
});

describe("budgets", () => {
  /** Request line, then header lines counted against a budget, then back at the blank line. */
  class Http extends Protocol {
    static override budgets = { headers: { maxBytes: 20, maxFrames: 3 } };
    readonly seen: string[] = [];

    @onTerminator("\r\n", { encoding: "latin1" })
    request(line: string): unknown {
      this.seen.push(`request ${line}`);
      return this.header;
    }

    @onTerminator("\r\n", { encoding: "latin1", budget: "headers" })
    header(line: string): unknown {
      if (line === "") return this.request;
      this.seen.push(`header ${line}`);
      return undefined;
    }

    @onOverflow
    overBudget(error: Error): unknown {
      const { budget, resource, limit, used } = error as BudgetExceededError;
      this.seen.push(`over ${budget} ${resource} ${used}/${limit}`);
      return this.request;
    }
  }

  it("let a group of states use exactly its budget", () => {
    const channel = new Http();
    // 11 + 9 + 0 bytes, 3 frames (the blank line that ends the headers counts)
    feed(channel, "GET /\r\n", "a: 12345678\r\n", "b: 123456\r\n", "\r\n", "GET /\r\n");
    expect(channel.seen).toEqual(["request GET /", "header a: 12345678", "header b: 123456", "request GET /"]);
  });

  it("reject the frame that crosses the byte budget", () => {
    const channel = new Http();
    const errors = errorsOf(channel);
    feed(channel, "GET /\r\na: 12345678\r\nb: 12345678\r\nNEXT\r\n");
    expect(channel.seen).toEqual(["request GET /", "header a: 12345678", "over headers bytes 22/20", "request NEXT"]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(BudgetExceededError);
    expect(errors[0]).toMatchObject({ code: ErrorCode.BUDGET_EXCEEDED, budget: "headers", resource: "bytes", limit: 20, used: 22 });
  });

  it("reject the frame that crosses the frame budget", () => {
    const channel = new Http();
    feed(channel, "GET /\r\na\r\nb\r\nc\r\nd\r\nNEXT\r\n");
    expect(channel.seen).toEqual(["request GET /", "header a", "header b", "header c", "over headers frames 4/3", "request NEXT"]);
  });

  it("start afresh when the machine has left the group and comes back", () => {
    const channel = new Http();
    const headers = "a: 1234\r\nb: 1234\r\n\r\n";
    feed(channel, `GET /1\r\n${headers}GET /2\r\n${headers}GET /3\r\n${headers}`);
    expect(channel.seen.filter((s) => s.startsWith("over"))).toEqual([]);
    expect(channel.seen.filter((s) => s.startsWith("request"))).toEqual(["request GET /1", "request GET /2", "request GET /3"]);
  });

  it("start afresh after a rejection that sends the machine out of the group", () => {
    const channel = new Http();
    feed(channel, "GET /1\r\na\r\nb\r\nc\r\nd\r\nGET /2\r\nw\r\nx\r\n\r\n");
    expect(channel.seen).toEqual([
      "request GET /1",
      "header a",
      "header b",
      "header c",
      "over headers frames 4/3",
      "request GET /2",
      "header w",
      "header x",
    ]);
  });

  it("are shared by every state of the group, and not charged by states outside it", () => {
    class TwoKinds extends Protocol {
      static override budgets = { lines: { maxFrames: 3 } };
      readonly seen: string[] = [];
      @onTerminator("\n", { encoding: "latin1", budget: "lines" })
      a(text: string): unknown {
        this.seen.push(`a ${text}`);
        return text === "free" ? this.free : this.b;
      }
      @onTerminator("\n", { encoding: "latin1", budget: "lines" })
      b(text: string): unknown {
        this.seen.push(`b ${text}`);
        return this.a;
      }
      @onTerminator("\n", { encoding: "latin1" })
      free(text: string): unknown {
        this.seen.push(`free ${text}`);
        return text === "back" ? this.a : undefined;
      }
      @onOverflow
      over() {
        this.seen.push("over");
      }
    }
    const channel = new TwoKinds();
    feed(channel, "1\n2\n3\n4\n");
    expect(channel.seen).toEqual(["a 1", "b 2", "a 3", "over"]);
    const fresh = new TwoKinds();
    feed(fresh, "1\n2\nfree\n", "x\ny\nz\nback\n", "5\n6\n7\n8\n");
    expect(fresh.seen).toEqual(["a 1", "b 2", "a free", "free x", "free y", "free z", "free back", "a 5", "b 6", "a 7", "over"]);
  });
});
