/**
 * Connection events as decorated methods: @onConnect, @onClose, @onError
 * and @onOverflow, bare and called, over in-memory and TCP connections.
 */

import { FrameTooLongError } from "@asynchat/core";
import { createSocketPair } from "@asynchat/core/testing";
import { Protocol, onClose, onConnect, onError, onOverflow, onTerminator } from "@asynchat/decorators";
import { closeEvent, collect, errorsOf, feed, loopbackPair, tick, waitUntil } from "../helpers";

/** Every lifecycle decorator, bare. */
class Bare extends Protocol {
  readonly log: string[] = [];

  @onConnect
  greet() {
    this.log.push("connect");
    this.push("220 ready\r\n");
  }

  @onTerminator("\r\n", { encoding: "latin1", maxLength: 10 })
  line(text: string) {
    this.log.push(`line ${text}`);
    if (text === "fail") throw new Error("handler failed");
    if (text === "quit") {
      this.push("221 bye\r\n");
      this.closeWhenDone();
    }
  }

  @onOverflow
  tooLong(error: Error, state: string) {
    this.log.push(`overflow ${(error as FrameTooLongError).length} in ${state}`);
    this.push("500 too long\r\n");
  }

  @onError
  failed(error: Error) {
    this.log.push(`error ${error.message}`);
  }

  @onClose
  gone() {
    this.log.push("close");
  }
}

/** The same, every decorator called: `@onConnect()`. */
class Called extends Protocol {
  readonly log: string[] = [];

  @onConnect()
  greet() {
    this.log.push("connect");
    this.push("220 ready\r\n");
  }

  @onTerminator("\r\n", { encoding: "latin1", maxLength: 10 })
  line(text: string) {
    this.log.push(`line ${text}`);
    if (text === "fail") throw new Error("handler failed");
    if (text === "quit") {
      this.push("221 bye\r\n");
      this.closeWhenDone();
    }
  }

  @onOverflow()
  tooLong(error: Error, state: string) {
    this.log.push(`overflow ${(error as FrameTooLongError).length} in ${state}`);
    this.push("500 too long\r\n");
  }

  @onError()
  failed(error: Error) {
    this.log.push(`error ${error.message}`);
  }

  @onClose()
  gone() {
    this.log.push("close");
  }
}

describe.each([
  ["bare", Bare],
  ["called", Called],
])("lifecycle decorators, %s", (_form, Kind) => {
  it("run @onConnect once connected, before any frame, and its greeting reaches the peer", async () => {
    const { server, client, close } = await loopbackPair();
    try {
      const received = collect(client);
      client.write("hello\r\n");
      const channel = new Kind(server);
      await waitUntil(() => channel.log.length >= 2, "the line is handled");
      expect(channel.log).toEqual(["connect", "line hello"]);
      await waitUntil(() => received.text().includes("220 ready"), "the greeting arrives");
      expect(received.text()).toBe("220 ready\r\n");
    } finally {
      await close();
    }
  });

  it("run @onClose once when the channel closes", async () => {
    const [server, client] = createSocketPair();
    const channel = new Kind(server);
    const closed = closeEvent(channel);
    const received = collect(client);
    client.write("quit\r\nignored\r\n");
    await closed;
    channel.close();
    await tick();
    expect(channel.log).toEqual(["connect", "line quit", "close"]);
    await waitUntil(received.ended, "the peer sees the end");
    expect(received.text()).toBe("220 ready\r\n221 bye\r\n");
  });

  it("run @onClose when the peer goes away", async () => {
    const { server, client, close } = await loopbackPair();
    try {
      const channel = new Kind(server);
      const closed = closeEvent(channel);
      await waitUntil(() => channel.log.includes("connect"), "the channel is connected");
      client.end();
      await closed;
      expect(channel.log).toEqual(["connect", "close"]);
    } finally {
      await close();
    }
  });

  it("run @onError with a handler's exception, then close the channel", async () => {
    const [server, client] = createSocketPair();
    const channel = new Kind(server);
    const closed = closeEvent(channel);
    const errors = errorsOf(channel);
    client.write("fail\r\nnever\r\n");
    await closed;
    expect(channel.log).toEqual(["connect", "line fail", "error handler failed", "close"]);
    expect(errors.map((e) => e.message)).toEqual(["handler failed"]);
  });

  it("run @onError with a socket error", async () => {
    const [server] = createSocketPair();
    const channel = new Kind(server);
    const closed = closeEvent(channel);
    const errors = errorsOf(channel);
    await tick();
    server.destroy(new Error("connection reset"));
    await closed;
    expect(channel.log).toEqual(["connect", "error connection reset", "close"]);
    expect(errors.map((e) => e.message)).toEqual(["connection reset"]);
  });

  it("run @onOverflow with the error and the state, which may reply and go on", async () => {
    const [server, client] = createSocketPair();
    const channel = new Kind(server);
    const received = collect(client);
    client.write("much too long\r\nok\r\n");
    await waitUntil(() => channel.log.length >= 3, "both frames are dealt with");
    expect(channel.log).toEqual(["connect", "overflow 13 in line", "line ok"]);
    await waitUntil(() => received.text().includes("500"), "the reply arrives");
    expect(received.text()).toBe("220 ready\r\n500 too long\r\n");
    expect(channel.closing).toBe(false);
    channel.close();
  });
});

describe("lifecycle methods", () => {
  it("all run, in the order declared, when several are attached to one event", async () => {
    class Two extends Protocol {
      readonly log: string[] = [];
      @onConnect
      first() {
        this.log.push("first");
      }
      @onTerminator("\n")
      line() {}
      @onConnect
      second() {
        this.log.push("second");
      }
    }
    const [server] = createSocketPair();
    const channel = new Two(server);
    await tick();
    expect(channel.log).toEqual(["first", "second"]);
    channel.close();
  });

  it("are inherited, and an override without decorating again is what runs", async () => {
    class Parent extends Protocol {
      readonly log: string[] = [];
      @onConnect
      hello() {
        this.log.push("parent hello");
      }
      @onClose
      bye() {
        this.log.push("parent bye");
      }
      @onTerminator("\n")
      line() {}
    }
    class Child extends Parent {
      override hello() {
        this.log.push("child hello");
      }
    }
    const [server] = createSocketPair();
    const channel = new Child(server);
    const closed = closeEvent(channel);
    await tick();
    channel.close();
    await closed;
    expect(channel.log).toEqual(["child hello", "parent bye"]);
  });

  it("run @onClose for a channel without a socket too", async () => {
    class Socketless extends Protocol {
      readonly log: string[] = [];
      @onTerminator("\n", { encoding: "latin1" })
      line(text: string) {
        this.log.push(text);
      }
      @onClose
      gone() {
        this.log.push("close");
      }
    }
    const channel = new Socketless();
    feed(channel, "a\n");
    channel.close();
    await tick();
    expect(channel.log).toEqual(["a", "close"]);
  });

  it("without @onError, still close the channel on a handler's exception and emit `error`", async () => {
    class Plain extends Protocol {
      @onTerminator("\n")
      line() {
        throw new TypeError("oops");
      }
    }
    const channel = new Plain();
    const errors = errorsOf(channel);
    feed(channel, "x\n");
    await tick();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(TypeError);
    expect(channel.closed).toBe(true);
  });

  it("with @onOverflow not answering, leave the channel open and drop the frame", () => {
    class Quiet extends Protocol {
      readonly seen: string[] = [];
      @onTerminator("\n", { encoding: "latin1", maxLength: 1 })
      line(text: string) {
        this.seen.push(text);
      }
      @onOverflow
      ignore() {}
    }
    const channel = new Quiet();
    errorsOf(channel);
    feed(channel, "abc\nd\n");
    expect(channel.seen).toEqual(["d"]);
    expect(channel.closing).toBe(false);
  });
});
