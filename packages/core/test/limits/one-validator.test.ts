/**
 * Every limit is checked by one rule wherever it is given: the channel's
 * constructor, its setters, startBudget and ChatServer agree, and `options`
 * shows what is in force.
 */

import * as net from "node:net";
import { ChatServer, ErrorCode } from "@asynchat/core";
import { createSocketPair } from "@asynchat/core/testing";
import { Sender } from "../helpers";

function thrown(action: () => unknown): Error & { code?: string } {
  try {
    action();
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error("nothing was thrown");
}

describe("one rule for every limit", () => {
  const setters = ["maxLength", "frameTimeout", "idleTimeout"] as const;

  it.each(setters)("%s: the setter refuses what the constructor refuses, with the same error", (name) => {
    for (const bad of [1.5, -1, NaN, "10"]) {
      const fromConstructor = thrown(() => new Sender(null, { [name]: bad }));
      const fromSetter = thrown(() => {
        (new Sender() as unknown as Record<string, unknown>)[name] = bad;
      });
      expect(fromSetter.constructor).toBe(fromConstructor.constructor);
      expect(fromSetter.code).toBe(fromConstructor.code);
      expect(fromSetter.message).toContain(name);
      expect(fromSetter.message).toContain(String(bad));
    }
  });

  it("a fraction, a negative number or NaN is a RangeError (ERR_INVALID_ARG_VALUE); another type a TypeError", () => {
    const channel = new Sender();
    expect(thrown(() => (channel.frameTimeout = 1.5))).toBeInstanceOf(RangeError);
    expect(thrown(() => (channel.idleTimeout = 2.5))).toMatchObject({ code: ErrorCode.INVALID_ARG_VALUE });
    expect(thrown(() => (channel.maxLength = 2.5))).toBeInstanceOf(RangeError);
    expect(thrown(() => (channel.maxLength = "1" as unknown as number))).toMatchObject({ code: ErrorCode.INVALID_ARG_TYPE });
    expect(channel.frameTimeout).toBe(0);
    expect(channel.maxLength).toBe(16 * 1024 * 1024);
  });

  it("the setters accept what the constructor accepts: integers >= 0 and Infinity", () => {
    const channel = new Sender();
    channel.frameTimeout = Infinity;
    channel.idleTimeout = 0;
    channel.maxLength = 0;
    expect([channel.frameTimeout, channel.idleTimeout, channel.maxLength]).toEqual([Infinity, 0, 0]);
  });

  it("ChatServer's numeric options follow the same rule", () => {
    expect(thrown(() => new ChatServer(Sender, { maxConnections: 1.5 }))).toBeInstanceOf(RangeError);
    expect(thrown(() => new ChatServer(Sender, { idleTimeout: 0.5 }))).toBeInstanceOf(RangeError);
    expect(thrown(() => new ChatServer(Sender, { closeTimeout: -1 }))).toMatchObject({ code: ErrorCode.INVALID_ARG_VALUE });
    expect(thrown(() => new ChatServer(Sender, { maxConnections: "9" as unknown as number }))).toBeInstanceOf(TypeError);
  });
});

describe("options", () => {
  it("shows the limits in force after the setters", () => {
    const channel = new Sender(null, { frameTimeout: 100 });
    channel.frameTimeout = 2000;
    channel.idleTimeout = 3000;
    channel.maxLength = 512;
    channel.lineEndings = "crlf";
    expect(channel.options).toMatchObject({ frameTimeout: 2000, idleTimeout: 3000, maxLength: 512, lineEndings: "crlf" });
  });

  it("shows the idle timeout a server gave an accepted channel", async () => {
    const server = new ChatServer(Sender, { idleTimeout: 45_000 });
    const { port } = await server.listen(0);
    const socket = net.connect(port, "127.0.0.1");
    try {
      await new Promise<void>((resolve) => server.once("connection", () => resolve()));
      const [channel] = [...server.channels];
      expect(channel!.options.idleTimeout).toBe(45_000);
    } finally {
      socket.destroy();
      await server.close({ graceful: false });
    }
  });

  it("is the channel's own: two channels with default options do not share it", () => {
    const [a] = createSocketPair();
    const first = new Sender(a);
    const second = new Sender();
    first.frameTimeout = 10;
    expect(second.options.frameTimeout).toBe(0);
    first.destroy();
  });
});
