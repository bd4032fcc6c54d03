/**
 * The state machine itself: which state starts, how a handler names the
 * next one, what each kind of terminator and byte count does, what the
 * handler is given, and the `state` event.
 */

import { Protocol, ProtocolErrorCode, ProtocolStateError, type StateChange, onBytes, onTerminator } from "@asynchat/decorators";
import { errorsOf, feed } from "../helpers";

describe("the initial state", () => {
  it("is the first decorated method", () => {
    class Lines extends Protocol {
      seen: string[] = [];
      @onTerminator("\n", { encoding: "latin1" })
      first(line: string) {
        this.seen.push(`first ${line}`);
      }
      @onTerminator(";", { encoding: "latin1" })
      second(part: string) {
        this.seen.push(`second ${part}`);
      }
    }
    const channel = new Lines();
    expect(channel.state).toBe("first");
    feed(channel, "a;b\n");
    expect(channel.seen).toEqual(["first a;b"]);
  });

  it("is the one marked { initial: true }, wherever it is declared", () => {
    class Lines extends Protocol {
      seen: string[] = [];
      @onTerminator("\n", { encoding: "latin1" })
      first(line: string) {
        this.seen.push(`first ${line}`);
      }
      @onTerminator(";", { encoding: "latin1", initial: true })
      second(part: string) {
        this.seen.push(`second ${part}`);
      }
    }
    const channel = new Lines();
    expect(channel.state).toBe("second");
    feed(channel, "a;b\n");
    expect(channel.seen).toEqual(["second a"]);
  });

  it("is entered afresh by every channel of the class", () => {
    class Toggle extends Protocol {
      @onTerminator("\n")
      a(): unknown {
        return this.b;
      }
      @onTerminator("\n")
      b(): unknown {
        return this.a;
      }
    }
    const one = new Toggle();
    feed(one, "x\n");
    expect(one.state).toBe("b");
    expect(new Toggle().state).toBe("a");
  });
});

/** A protocol whose handler names its next state in each of the ways allowed. */
class Switcher extends Protocol {
  readonly seen: string[] = [];
  how: "method" | "name" | "stay" | "self" = "stay";

  @onTerminator("\n", { encoding: "latin1" })
  line(line: string): unknown {
    this.seen.push(`line ${line}`);
    if (line === "method") return this.word;
    if (line === "name") return "word";
    return undefined;
  }

  @onTerminator(" ", { encoding: "latin1" })
  word(word: string): unknown {
    this.seen.push(`word ${word}`);
    if (word === "back") return this.line;
    if (word === "same") return this.word;
    return undefined;
  }
}

describe("the next state", () => {
  it("is the state whose method the handler returns (`this.other`)", () => {
    const channel = new Switcher();
    feed(channel, "method\nx y back z\n");
    expect(channel.seen).toEqual(["line method", "word x", "word y", "word back", "line z"]);
  });

  it("is the state the handler names by its method's name", () => {
    const channel = new Switcher();
    feed(channel, "name\nx back z\n");
    expect(channel.seen).toEqual(["line name", "word x", "word back", "line z"]);
  });

  it("is the current state when the handler returns nothing", () => {
    const channel = new Switcher();
    feed(channel, "a\nb\nc d \n");
    expect(channel.seen).toEqual(["line a", "line b", "line c d "]);
    expect(channel.state).toBe("line");
  });

  it("is the current state when the handler returns its own method", () => {
    const channel = new Switcher();
    feed(channel, "method\nsame same x back y\n");
    expect(channel.seen).toEqual(["line method", "word same", "word same", "word x", "word back", "line y"]);
  });

  it("applies to the bytes after the frame, even when they came in the same read", () => {
    const channel = new Switcher();
    feed(channel, "method\nfirst second back after\n");
    expect(channel.seen).toEqual(["line method", "word first", "word second", "word back", "line after"]);
  });
});

describe("@onBytes", () => {
  it("with a number makes a frame of exactly that many bytes, whatever they contain", () => {
    class Fixed extends Protocol {
      seen: string[] = [];
      @onBytes(4, { encoding: "latin1" })
      four(data: string) {
        this.seen.push(data);
      }
    }
    const channel = new Fixed();
    feed(channel, "ab\r\n", "\n\n", "\n\nxy", "z");
    expect(channel.seen).toEqual(["ab\r\n", "\n\n\n\n"]);
    expect(channel.getTerminator()).toBe(1);
    feed(channel, "w");
    expect(channel.seen).toEqual(["ab\r\n", "\n\n\n\n", "xyzw"]);
  });

  it("staying in the state arms the count again for the next frame", () => {
    class Fixed extends Protocol {
      seen: string[] = [];
      @onBytes(3, { encoding: "latin1" })
      three(data: string) {
        this.seen.push(data);
      }
    }
    const channel = new Fixed();
    feed(channel, "abcdefgh");
    expect(channel.seen).toEqual(["abc", "def"]);
    expect(channel.getTerminator()).toBe(1);
  });

  it("with a function evaluates it on the instance each time the state is entered", () => {
    class Sized extends Protocol {
      seen: string[] = [];
      sizes: number[] = [];
      next = 0;
      @onTerminator("\n", { encoding: "latin1" })
      size(line: string): unknown {
        this.next = Number(line);
        return this.body;
      }
      @onBytes((self: Sized) => {
        self.sizes.push(self.next);
        return self.next;
      }, { encoding: "latin1" })
      body(data: string): unknown {
        this.seen.push(data);
        return this.size;
      }
    }
    const channel = new Sized();
    expect(channel.sizes).toEqual([]);
    feed(channel, "3\nabc5\nde\nfg2\nhi");
    expect(channel.seen).toEqual(["abc", "de\nfg", "hi"]);
    expect(channel.sizes).toEqual([3, 5, 2]);
  });

  it("staying in a state with a computed count evaluates the function again", () => {
    class Growing extends Protocol {
      seen: string[] = [];
      size = 1;
      @onBytes((self: Growing) => self.size++, { encoding: "latin1" })
      chunk(data: string) {
        this.seen.push(data);
      }
    }
    const channel = new Growing();
    feed(channel, "abbcccdddd");
    expect(channel.seen).toEqual(["a", "bb", "ccc", "dddd"]);
  });

  it("with a computed count of 0 hands the handler an empty frame at once", () => {
    class LengthPrefixed extends Protocol {
      seen: Array<[string, number]> = [];
      length = 0;
      @onTerminator(":", { encoding: "latin1" })
      prefix(text: string): unknown {
        this.length = Number(text);
        return this.payload;
      }
      @onBytes((self: LengthPrefixed) => self.length)
      payload(data: Buffer): unknown {
        this.seen.push([data.toString("latin1"), data.length]);
        return "prefix";
      }
    }
    const channel = new LengthPrefixed();
    feed(channel, "0:3:abc0:", "0:1:z");
    expect(channel.seen).toEqual([
      ["", 0],
      ["abc", 3],
      ["", 0],
      ["", 0],
      ["z", 1],
    ]);
    expect(channel.state).toBe("prefix");
  });
});

describe("@onBytes with a computed count of 0", () => {
  class Queue extends Protocol {
    seen: string[] = [];
    sizes: number[] = [];
    @onBytes((self: Queue) => self.sizes.shift() ?? 2, { encoding: "latin1" })
    item(data: string) {
      this.seen.push(`[${data}]`);
    }
  }

  it("arms the count again when the handler stays after the empty frame", () => {
    const channel = new Queue();
    channel.sizes = [0, 3];
    feed(channel, "abcdefgh");
    expect(channel.seen).toEqual(["[]", "[abc]", "[de]", "[fg]"]);
    expect(channel.getTerminator()).toBe(1);
  });

  it("errors the channel, rather than swallowing input, when the count is 0 again after staying", () => {
    const channel = new Queue();
    channel.sizes = [0, 0, 0];
    const errors = errorsOf(channel);
    feed(channel, "abc");
    expect(channel.seen).toEqual(["[]"]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(ProtocolStateError);
    expect((errors[0] as ProtocolStateError).code).toBe(ProtocolErrorCode.BAD_TERMINATOR);
    expect(channel.closing).toBe(true);
  });
});

describe("@onTerminator", () => {
  it("with a string ends frames at its UTF-8 bytes", () => {
    class Arrow extends Protocol {
      seen: string[] = [];
      @onTerminator("→", { encoding: "utf8" })
      part(text: string) {
        this.seen.push(text);
      }
    }
    const channel = new Arrow();
    const input = Buffer.from("a→bé→→", "utf8");
    for (const byte of input) channel.handleRead(Buffer.from([byte]));
    expect(channel.seen).toEqual(["a", "bé", ""]);
  });

  it("with bytes ends frames at those bytes", () => {
    class Nul extends Protocol {
      seen: string[] = [];
      @onTerminator(new Uint8Array([0, 0xff]))
      field(data: Buffer) {
        this.seen.push(data.toString("hex"));
      }
    }
    const channel = new Nul();
    feed(channel, Buffer.from([1, 0, 2, 0, 0xff, 3, 0xff, 0, 0, 0xff]));
    expect(channel.seen).toEqual(["010002", "03ff00"]);
  });

  it("with an array ends each frame at whichever terminator comes first, and tells which", () => {
    class AnyEol extends Protocol {
      seen: Array<[string, unknown]> = [];
      @onTerminator(["\r\n", "\n"], { encoding: "latin1" })
      line(text: string) {
        this.seen.push([text, this.getMatchedTerminator()]);
      }
    }
    const channel = new AnyEol();
    feed(channel, "a\r\nb\nc\r", "\nd\n");
    expect(channel.seen).toEqual([
      ["a", "\r\n"],
      ["b", "\n"],
      ["c", "\r\n"],
      ["d", "\n"],
    ]);
  });

  it("with a function evaluates it on the instance each time the state is entered", () => {
    class Multipart extends Protocol {
      seen: string[] = [];
      boundary = "";
      entered = 0;
      @onTerminator("\n", { encoding: "latin1" })
      header(line: string): unknown {
        this.boundary = `--${line}`;
        return this.part;
      }
      @onTerminator((self: Multipart) => {
        self.entered++;
        return self.boundary;
      }, { encoding: "latin1" })
      part(body: string): unknown {
        this.seen.push(body);
        return this.header;
      }
    }
    const channel = new Multipart();
    feed(channel, "XY\nhello\n--XY", "ZZ\nbye --XY --ZZ");
    expect(channel.seen).toEqual(["hello\n", "bye --XY "]);
    expect(channel.entered).toBe(2);
  });
});

describe("what a handler is given", () => {
  it("is a Buffer without { encoding }", () => {
    const frames: unknown[] = [];
    class Raw extends Protocol {
      @onTerminator("\n")
      line(data: Buffer) {
        frames.push(data);
      }
      @onBytes(2)
      pair(data: Buffer) {
        frames.push(data);
      }
    }
    const channel = new Raw();
    feed(channel, "ab", "c\n");
    expect(frames).toHaveLength(1);
    expect(Buffer.isBuffer(frames[0])).toBe(true);
    expect((frames[0] as Buffer).toString("latin1")).toBe("abc");
  });

  it("is a string decoded with the state's { encoding }", () => {
    const frames: unknown[] = [];
    class Text extends Protocol {
      @onTerminator("\n", { encoding: "utf8" })
      utf8(text: string): unknown {
        frames.push(text);
        return this.latin1;
      }
      @onTerminator("\n", { encoding: "latin1" })
      latin1(text: string): unknown {
        frames.push(text);
        return this.hex;
      }
      @onBytes(2, { encoding: "hex" })
      hex(text: string) {
        frames.push(text);
      }
    }
    const channel = new Text();
    const input = Buffer.concat([Buffer.from("héllo\n", "utf8"), Buffer.from("héllo\n", "latin1"), Buffer.from([0xca, 0xfe])]);
    for (const byte of input) channel.handleRead(Buffer.from([byte]));
    expect(frames).toEqual(["héllo", "héllo", "cafe"]);
  });

  it("is the text of each read, even when the caller reuses one buffer for successive reads", () => {
    const frames: string[] = [];
    class Latin1 extends Protocol {
      @onTerminator("\n", { encoding: "latin1" })
      line(text: string) {
        frames.push(text);
      }
    }
    const channel = new Latin1();
    const buffer = Buffer.from("abc\nd\n", "latin1");
    channel.handleRead(buffer);
    buffer.write("xyz\nw\n", "latin1");
    channel.handleRead(buffer);
    expect(frames).toEqual(["abc", "d", "xyz", "w"]);
  });

  it("is the frame without its terminator, empty frames included", () => {
    const frames: string[] = [];
    class Lines extends Protocol {
      @onTerminator("\r\n", { encoding: "latin1" })
      line(text: string) {
        frames.push(text);
      }
    }
    feed(new Lines(), "\r\n\r\nx\r\n");
    expect(frames).toEqual(["", "", "x"]);
  });

  it("is called with the channel as `this`", () => {
    let self: unknown = null;
    class Who extends Protocol {
      @onTerminator("\n")
      line() {
        self = this;
      }
    }
    const channel = new Who();
    feed(channel, "\n");
    expect(self).toBe(channel);
  });
});

describe("the `state` event", () => {
  class Resp extends Protocol {
    need = 0;
    @onTerminator("\r\n", { encoding: "latin1" })
    header(line: string): unknown {
      if (line[0] !== "$") return undefined;
      this.need = Number(line.slice(1)) + 2;
      return this.bulk;
    }
    @onBytes((self: Resp) => self.need)
    bulk(): unknown {
      return "header";
    }
  }

  it("reports each change of state as { from, to }", () => {
    const channel = new Resp();
    const changes: StateChange[] = [];
    channel.on("state", (change) => changes.push(change));
    feed(channel, "+OK\r\n$2\r\nhi\r\n:1\r\n$0\r\n\r\n");
    expect(changes).toEqual([
      { from: "header", to: "bulk" },
      { from: "bulk", to: "header" },
      { from: "header", to: "bulk" },
      { from: "bulk", to: "header" },
    ]);
  });

  it("is not emitted when the machine stays in its state, nor for the initial state", () => {
    const channel = new Resp();
    const changes: StateChange[] = [];
    channel.on("state", (change) => changes.push(change));
    feed(channel, "+OK\r\n:1\r\n-ERR\r\n");
    expect(changes).toEqual([]);
  });

  it("is emitted after the new state is in force", () => {
    const channel = new Resp();
    const seen: Array<[string, unknown]> = [];
    channel.on("state", () => seen.push([channel.state, channel.getTerminator()]));
    feed(channel, "$3\r\n");
    expect(seen).toEqual([["bulk", 5]]);
  });
});

describe("a handler that acts on its channel mid-dispatch", () => {
  it("gets no further frame after closing the channel, even from the same read", async () => {
    class Closer extends Protocol {
      seen: string[] = [];
      @onTerminator("\n", { encoding: "latin1" })
      line(text: string) {
        this.seen.push(text);
        if (text === "close") this.close();
      }
    }
    const channel = new Closer();
    feed(channel, "a\nclose\nb\nc\n");
    feed(channel, "d\n");
    await Promise.resolve();
    expect(channel.seen).toEqual(["a", "close"]);
  });

  it("gets no further frame after closeWhenDone, even from the same read", () => {
    class Quitter extends Protocol {
      seen: string[] = [];
      @onBytes(2, { encoding: "latin1" })
      pair(text: string) {
        this.seen.push(text);
        if (text === "qq") this.closeWhenDone();
      }
    }
    const channel = new Quitter();
    feed(channel, "abqqcdef");
    expect(channel.seen).toEqual(["ab", "qq"]);
  });

  it("has bytes it feeds itself framed after the rest of the current read, in order", () => {
    class Injector extends Protocol {
      seen: string[] = [];
      @onTerminator("\n", { encoding: "latin1" })
      line(text: string): unknown {
        this.seen.push(text);
        if (text === "inject") this.handleRead(Buffer.from("injected\n", "latin1"));
        return text === "count" ? this.count : undefined;
      }
      @onBytes(3, { encoding: "latin1" })
      count(data: string): unknown {
        this.seen.push(`count ${data}`);
        return this.line;
      }
    }
    const channel = new Injector();
    feed(channel, "inject\ncount\nabc", "tail\n");
    expect(channel.seen).toEqual(["inject", "count", "count abc", "injected", "tail"]);
  });
});
