/**
 * Mistakes at run time: a handler naming something that is not a state (or
 * not one of its declared successors), a computed byte count or terminator
 * that is invalid, a handler that throws. Each errors that channel only.
 */

import type * as net from "node:net";
import { ChatServer } from "@asynchat/core";
import {
  Protocol,
  ProtocolErrorCode,
  ProtocolStateError,
  type StateChange,
  onBytes,
  onError,
  onOverflow,
  onTerminator,
} from "@asynchat/decorators";
import { closeEvent, collect, errorsOf, feed, rawConnect, tick, waitUntil } from "../helpers";

/** Answers a line with whatever the test put in `answer`. */
class Answering extends Protocol {
  static answer: unknown = undefined;
  readonly seen: string[] = [];

  @onTerminator("\n", { encoding: "latin1" })
  line(text: string): unknown {
    this.seen.push(`line ${text}`);
    return text === "go" ? Answering.answer : undefined;
  }

  @onTerminator(";", { encoding: "latin1" })
  other(text: string): unknown {
    this.seen.push(`other ${text}`);
    return this.line;
  }

  notAState(): void {}
}

/** Feeds `input` and returns the channel, its errors, and whether it closed. */
async function runWith(answer: unknown, input = "go\nafter\n") {
  Answering.answer = answer;
  const channel = new Answering();
  const errors = errorsOf(channel);
  const closed = closeEvent(channel);
  feed(channel, input);
  await closed;
  return { channel, errors };
}

describe("a handler naming its next state wrongly", () => {
  it.each([
    ["an unknown name", "nowhere"],
    ["a number", 42],
    ["true", true],
    ["an object", { state: "other" }],
    ["a method that is not a state", Answering.prototype.notAState],
    ["a function from elsewhere", () => "other"],
  ])("errors its channel with ERR_PROTOCOL_NEXT_STATE when it returns %s", async (_what, answer) => {
    const { channel, errors } = await runWith(answer);
    expect(errors).toHaveLength(1);
    const error = errors[0] as ProtocolStateError;
    expect(error).toBeInstanceOf(ProtocolStateError);
    expect(error.name).toBe("ProtocolStateError");
    expect(error.code).toBe(ProtocolErrorCode.BAD_NEXT_STATE);
    expect(error.code).toBe("ERR_PROTOCOL_NEXT_STATE");
    expect(error.value).toBe(answer);
    expect(error.message).toMatch(/^Answering\.line returned /);
    expect(channel.seen).toEqual(["line go"]);
    expect(channel.closed).toBe(true);
  });

  it("errors its channel when it names a state outside its declared successors", async () => {
    class Declared extends Protocol {
      readonly seen: string[] = [];
      @onTerminator("\n", { encoding: "latin1", next: ["b"] })
      a(text: string): unknown {
        this.seen.push(`a ${text}`);
        return text;
      }
      @onTerminator("\n", { encoding: "latin1" })
      b(text: string): unknown {
        this.seen.push(`b ${text}`);
        return this.a;
      }
      @onTerminator("\n")
      c(): unknown {
        return undefined;
      }
    }
    const channel = new Declared();
    const errors = errorsOf(channel);
    feed(channel, "b\nback\na\nc\nnever\n");
    expect(channel.seen).toEqual(["a b", "b back", "a a", "a c"]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(ProtocolStateError);
    expect((errors[0] as ProtocolStateError).code).toBe(ProtocolErrorCode.BAD_NEXT_STATE);
    expect(errors[0]!.message).toMatch(/Declared\.a returned "c", which is not among its declared next states \(b\)/);
    expect(channel.closing).toBe(true);
  });
});

describe("a computed byte count that is invalid", () => {
  class Sized extends Protocol {
    static size: unknown = 3;
    readonly seen: string[] = [];
    @onTerminator("\n", { encoding: "latin1" })
    header(): unknown {
      return this.body;
    }
    @onBytes(() => Sized.size as number, { encoding: "latin1" })
    body(data: string): unknown {
      this.seen.push(data);
      return this.header;
    }
  }

  it.each([
    ["negative", -1],
    ["fractional", 2.5],
    ["NaN", Number.NaN],
    ["a string", "3"],
    ["undefined", undefined],
    ["beyond a safe integer", 2 ** 60],
  ])("errors the channel with ERR_PROTOCOL_TERMINATOR when it is %s", async (_what, size) => {
    Sized.size = size;
    const channel = new Sized();
    const errors = errorsOf(channel);
    const changes: StateChange[] = [];
    channel.on("state", (change) => changes.push(change));
    const closed = closeEvent(channel);
    feed(channel, "header\nabc\n");
    await closed;
    expect(errors).toHaveLength(1);
    const error = errors[0] as ProtocolStateError;
    expect(error).toBeInstanceOf(ProtocolStateError);
    expect(error.code).toBe(ProtocolErrorCode.BAD_TERMINATOR);
    expect(error.code).toBe("ERR_PROTOCOL_TERMINATOR");
    expect(error.value).toBe(size);
    expect(error.message).toMatch(/^Sized\.body: the byte count/);
    expect(channel.seen).toEqual([]);
    expect(changes).toEqual([]);
  });

  it("errors the channel at its first bytes when the initial state's count is invalid", async () => {
    class BadStart extends Protocol {
      @onBytes(() => -5)
      body() {}
    }
    const channel = new BadStart();
    const errors = errorsOf(channel);
    feed(channel, "abc");
    await tick();
    expect(errors.map((e) => (e as ProtocolStateError).code)).toEqual([ProtocolErrorCode.BAD_TERMINATOR]);
    expect(channel.closed).toBe(true);
  });

  it("errors the channel with the function's own exception when it throws", async () => {
    class Throwing extends Protocol {
      @onTerminator("\n")
      header(): unknown {
        return this.body;
      }
      @onBytes((): number => {
        throw new RangeError("no size known");
      })
      body() {}
    }
    const channel = new Throwing();
    const errors = errorsOf(channel);
    feed(channel, "x\nabc");
    await tick();
    expect(errors.map((e) => e.message)).toEqual(["no size known"]);
    expect(channel.closed).toBe(true);
  });
});

describe("a computed terminator that is invalid", () => {
  it.each([
    ["an empty string", ""],
    ["a number", 4],
    ["null", null],
    ["an empty array", []],
    ["an object", {}],
  ])("errors the channel with ERR_PROTOCOL_TERMINATOR when it is %s", async (_what, terminator) => {
    class Computed extends Protocol {
      readonly seen: string[] = [];
      @onTerminator("\n", { encoding: "latin1" })
      header(text: string): unknown {
        this.seen.push(text);
        return this.body;
      }
      @onTerminator(() => terminator as never)
      body() {}
    }
    const channel = new Computed();
    const errors = errorsOf(channel);
    const closed = closeEvent(channel);
    feed(channel, "header\nbody\n");
    await closed;
    expect(channel.seen).toEqual(["header"]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(ProtocolStateError);
    expect((errors[0] as ProtocolStateError).code).toBe(ProtocolErrorCode.BAD_TERMINATOR);
    expect(errors[0]!.message).toMatch(/^Computed\.body: /);
  });
});

describe("an @onOverflow method naming its next state wrongly", () => {
  it("errors its channel with ERR_PROTOCOL_NEXT_STATE once the dropped frame has ended", async () => {
    class BadRecovery extends Protocol {
      readonly seen: string[] = [];
      @onTerminator("\n", { encoding: "latin1", maxLength: 2 })
      line(text: string) {
        this.seen.push(text);
      }
      @onOverflow
      tooLong(): unknown {
        return "nowhere";
      }
    }
    const channel = new BadRecovery();
    const errors = errorsOf(channel);
    const closed = closeEvent(channel);
    feed(channel, "ok\ntoo long", " still\nnever\n");
    await closed;
    expect(channel.seen).toEqual(["ok"]);
    expect(errors.map((e) => (e as ProtocolStateError).code)).toEqual(["ERR_FRAME_TOO_LONG", ProtocolErrorCode.BAD_NEXT_STATE]);
  });
});

describe("a handler that throws", () => {
  it("errors its channel with the exception, runs @onError, and closes", async () => {
    class Throwing extends Protocol {
      readonly seen: string[] = [];
      @onTerminator("\n", { encoding: "latin1" })
      line(text: string) {
        this.seen.push(text);
        if (text === "bad") throw new SyntaxError(`cannot parse ${text}`);
      }
      @onError
      failed(error: Error) {
        this.seen.push(`onError ${error.message}`);
      }
    }
    const channel = new Throwing();
    const errors = errorsOf(channel);
    const closed = closeEvent(channel);
    feed(channel, "ok\nbad\nnever\n");
    await closed;
    expect(channel.seen).toEqual(["ok", "bad", "onError cannot parse bad"]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(SyntaxError);
  });

  it("leaves other channels of the class alone", () => {
    class Throwing extends Protocol {
      readonly seen: string[] = [];
      @onTerminator("\n", { encoding: "latin1" })
      line(text: string) {
        if (text === "bad") throw new Error("bad line");
        this.seen.push(text);
      }
    }
    const one = new Throwing();
    const two = new Throwing();
    errorsOf(one);
    feed(one, "bad\n");
    feed(two, "fine\n");
    feed(one, "lost\n");
    feed(two, "still fine\n");
    expect(one.closing).toBe(true);
    expect(one.seen).toEqual([]);
    expect(two.seen).toEqual(["fine", "still fine"]);
  });
});

describe("a faulty connection on a server", () => {
  /** A small line server: `echo x` answers x, `next nowhere` names a state that does not exist, `throw` throws. */
  class LineServer extends Protocol {
    @onTerminator("\r\n", { encoding: "latin1" })
    command(line: string): unknown {
      const [verb, ...rest] = line.split(" ");
      if (verb === "echo") this.push(`+${rest.join(" ")}\r\n`);
      else if (verb === "next") return rest[0];
      else if (verb === "throw") throw new Error("handler blew up");
      else if (verb === "count") return this.counted;
      else this.push("-unknown\r\n");
      return undefined;
    }

    @onBytes(3, { encoding: "latin1" })
    counted(data: string): unknown {
      this.push(`=${data}\r\n`);
      return this.command;
    }
  }

  let server: ChatServer<LineServer>;
  let port: number;
  const sockets: net.Socket[] = [];

  beforeEach(async () => {
    server = new ChatServer(LineServer);
    ({ port } = await server.listen(0, "127.0.0.1"));
  });

  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await server.close({ graceful: false });
  });

  async function client() {
    const socket = await rawConnect(port);
    sockets.push(socket);
    return { socket, received: collect(socket) };
  }

  it.each([
    ["names a state that does not exist", "next nowhere\r\n", ProtocolErrorCode.BAD_NEXT_STATE],
    ["throws", "throw\r\n", undefined],
  ])("is closed when its handler %s, while another connection of the same class keeps working", async (_what, poison, code) => {
    const channelErrors: Error[] = [];
    server.on("channelError", (error) => channelErrors.push(error));
    const good = await client();
    const bad = await client();
    await waitUntil(() => server.channels.size === 2, "both connections are accepted");

    good.socket.write("echo one\r\n");
    await waitUntil(() => good.received.text() === "+one\r\n", "the first reply");

    bad.socket.write(`echo hi\r\n${poison}echo lost\r\n`);
    await waitUntil(bad.received.ended, "the faulty connection is closed");
    expect(bad.received.text()).toBe("+hi\r\n");
    expect(channelErrors).toHaveLength(1);
    if (code !== undefined) expect((channelErrors[0] as ProtocolStateError).code).toBe(code);
    else expect(channelErrors[0]!.message).toBe("handler blew up");

    good.socket.write("count\r\nxyzecho two\r\n");
    await waitUntil(() => good.received.text().includes("+two"), "the other connection answers");
    expect(good.received.text()).toBe("+one\r\n=xyz\r\n+two\r\n");
    await waitUntil(() => server.channels.size === 1, "the faulty channel is forgotten");
    expect(good.received.ended()).toBe(false);
  });
});
