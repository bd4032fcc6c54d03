/**
 * ChatServer over loopback TCP: one channel per connection from a class or
 * a factory, the set of live channels, graceful and forced close,
 * maxConnections, failures that stay inside one channel, and events.
 */

import * as net from "node:net";
import type { Duplex } from "node:stream";
import { AsyncChat, ChatServer, createServer, SimpleProducer, type AsyncChatOptions } from "@asynchat/core";
import { once, rawConnect, readAll, sleep, tick, waitUntil } from "../helpers";

/** A line server: echoes lines; QUIT closes, BOOM throws, BIG <n> sends n pattern bytes. */
class Echo extends AsyncChat {
  static made = 0;
  readonly lines: string[] = [];
  closes = 0;
  #parts: Buffer[] = [];

  constructor(socket: Duplex, options?: AsyncChatOptions) {
    super(socket, options);
    Echo.made++;
    this.setTerminator("\n");
    this.on("close", () => this.closes++);
  }

  override collectIncomingData(data: Buffer): void {
    this.#parts.push(data);
  }

  override foundTerminator(): void {
    const line = Buffer.concat(this.#parts).toString();
    this.#parts = [];
    this.lines.push(line);
    if (line === "QUIT") {
      this.push("bye\n");
      this.closeWhenDone();
    } else if (line === "BOOM") {
      throw new Error("boom in foundTerminator");
    } else if (line.startsWith("BIG ")) {
      this.pushWithProducer(new SimpleProducer(pattern(Number(line.slice(4))), 64 * 1024));
    } else {
      this.push(`${line}\n`);
    }
  }
}

function pattern(total: number): Buffer {
  const out = Buffer.allocUnsafe(total);
  for (let i = 0; i < total; i++) out[i] = i % 251;
  return out;
}

/** Reads lines from a raw client socket. */
class LineReader {
  readonly lines: string[] = [];
  #rest = "";
  ended = false;
  constructor(readonly socket: net.Socket) {
    socket.setEncoding("utf8");
    socket.on("data", (text: string) => {
      const parts = (this.#rest + text).split("\n");
      this.#rest = parts.pop()!;
      this.lines.push(...parts);
    });
    socket.on("end", () => (this.ended = true));
  }
  #taken = 0;
  /** The next `count` lines not taken yet, once they have arrived. */
  async next(count = 1): Promise<string[]> {
    const want = this.#taken + count;
    await waitUntil(() => this.lines.length >= want, `${want} lines arrive`);
    const lines = this.lines.slice(this.#taken, want);
    this.#taken = want;
    return lines;
  }
}

const servers: ChatServer<any>[] = [];
const sockets: net.Socket[] = [];

async function start<C extends AsyncChat<any>>(server: ChatServer<C>): Promise<number> {
  servers.push(server);
  const { port } = await server.listen(0, "127.0.0.1");
  return port;
}

async function client(port: number): Promise<LineReader> {
  return new LineReader(await raw(port));
}

async function raw(port: number): Promise<net.Socket> {
  const socket = await rawConnect(port);
  sockets.push(socket);
  return socket;
}

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((server) => server.close({ graceful: false })));
});

describe("ChatServer", () => {
  it("makes one channel per connection from a channel class", async () => {
    const server = createServer(Echo);
    const made: Echo[] = [];
    server.on("connection", (channel) => made.push(channel));
    const port = await start(server);
    const a = await client(port);
    const b = await client(port);
    a.socket.write("from a\n");
    b.socket.write("from b\n");
    expect(await a.next()).toEqual(["from a"]);
    expect(await b.next()).toEqual(["from b"]);
    expect(made).toHaveLength(2);
    expect(made[0]).toBeInstanceOf(Echo);
    expect(made[0]).not.toBe(made[1]);
    expect(server.channels.size).toBe(2);
    expect([...server.channels].map((channel) => channel.lines).sort()).toEqual([["from a"], ["from b"]]);
  });

  it("makes one channel per connection from a factory function", async () => {
    const made: Echo[] = [];
    const server = new ChatServer((socket) => {
      const channel = new Echo(socket, { maxLength: 8 });
      made.push(channel);
      return channel;
    });
    const port = await start(server);
    const a = await client(port);
    const b = await client(port);
    a.socket.write("short\n");
    b.socket.write("far too long for it\n");
    expect(await a.next()).toEqual(["short"]);
    await waitUntil(() => b.ended, "the channel with the over-long line closes");
    expect(made).toHaveLength(2);
    expect(made[0]!.options.maxLength).toBe(8);
    expect(made[1]!.closed).toBe(true);
    expect(server.channels.size).toBe(1);
  });

  it("passes channelOptions to channels made from a class", async () => {
    const server = createServer(Echo, { channelOptions: { maxLength: 3 } });
    const port = await start(server);
    await client(port);
    await waitUntil(() => server.channels.size === 1, "the channel is made");
    expect([...server.channels][0]!.maxLength).toBe(3);
  });

  it("tracks live channels and forgets each one once it closes", async () => {
    const server = createServer(Echo);
    const port = await start(server);
    const a = await client(port);
    const b = await client(port);
    await waitUntil(() => server.channels.size === 2, "both channels are made");
    a.socket.write("QUIT\n");
    expect(await a.next()).toEqual(["bye"]);
    await waitUntil(() => server.channels.size === 1, "the closed channel is forgotten");
    b.socket.end();
    await waitUntil(() => server.channels.size === 0, "the other channel is forgotten");
  });

  it("reports its address and whether it is listening", async () => {
    const server = createServer(Echo);
    expect(server.address).toBeNull();
    expect(server.listening).toBe(false);
    const listening = once<[net.AddressInfo]>(server, "listening");
    const port = await start(server);
    expect(server.address?.port).toBe(port);
    expect(server.listening).toBe(true);
    expect((await listening)[0].port).toBe(port);
  });

  it("rejects listen() on a port that is taken", async () => {
    const first = createServer(Echo);
    const port = await start(first);
    const second = createServer(Echo);
    await expect(second.listen(port, "127.0.0.1")).rejects.toMatchObject({ code: "EADDRINUSE" });
  });
});

describe("graceful close", () => {
  it("stops accepting, lets each channel deliver everything queued, and resolves when all are closed", async () => {
    const server = createServer(Echo);
    const port = await start(server);
    const busy = await raw(port);
    const idle = await client(port);
    await waitUntil(() => server.channels.size === 2, "both channels are made");
    const total = 4 * 1024 * 1024;
    const bytes = readAll(busy);
    busy.pause();
    busy.write(`BIG ${total}\n`);
    await waitUntil(() => [...server.channels].some((channel) => channel.lines.length === 1), "the request is framed");

    let closed = false;
    const serverClosed = once(server, "close");
    const closing = server.close().then(() => (closed = true));
    await sleep(30);
    expect(closed).toBe(false);
    expect(server.listening).toBe(false);
    await expect(rawConnect(port)).rejects.toMatchObject({ code: "ECONNREFUSED" });
    expect(idle.ended).toBe(true);

    busy.resume();
    const received = await bytes;
    await closing;
    await serverClosed;
    expect(received.length).toBe(total);
    expect(received.equals(pattern(total))).toBe(true);
    expect(server.channels.size).toBe(0);
  });

  it("resolves at once with no channels", async () => {
    const server = createServer(Echo);
    await start(server);
    await server.close();
    expect(server.listening).toBe(false);
  });

  it("returns the same promise when called twice", async () => {
    const server = createServer(Echo);
    await start(server);
    const first = server.close();
    expect(server.close()).toBe(first);
    await first;
  });

  it("destroys channels still open after the timeout", async () => {
    const server = createServer(Echo);
    const port = await start(server);
    const stuck = await raw(port);
    stuck.pause();
    stuck.write(`BIG ${32 * 1024 * 1024}\n`);
    await waitUntil(() => [...server.channels].some((channel) => channel.lines.length === 1), "the request is framed");
    await server.close({ timeout: 50 });
    expect(server.channels.size).toBe(0);
  });
});

describe("forced close", () => {
  it("destroys every channel at once with { graceful: false }", async () => {
    const server = createServer(Echo);
    const port = await start(server);
    const a = await raw(port);
    const received = readAll(a);
    a.pause();
    a.write(`BIG ${32 * 1024 * 1024}\n`);
    await waitUntil(() => [...server.channels].some((channel) => channel.lines.length === 1), "the request is framed");
    const channel = [...server.channels][0]!;
    await server.close({ graceful: false });
    expect(channel.closed).toBe(true);
    expect(channel.closes).toBe(1);
    expect(server.channels.size).toBe(0);
    a.resume();
    expect((await received).length).toBeLessThan(32 * 1024 * 1024);
  });

  it("turns a graceful close under way into a forced one", async () => {
    const server = createServer(Echo);
    const port = await start(server);
    const a = await raw(port);
    a.pause();
    a.write(`BIG ${32 * 1024 * 1024}\n`);
    await waitUntil(() => [...server.channels].some((channel) => channel.lines.length === 1), "the request is framed");
    const graceful = server.close();
    await sleep(10);
    expect(server.channels.size).toBe(1);
    await server.close({ graceful: false });
    await graceful;
    expect(server.channels.size).toBe(0);
  });
});

describe("maxConnections", () => {
  it("refuses connections beyond the limit with the refuse message, and serves the others", async () => {
    const server = createServer(Echo, { maxConnections: 1, refuseMessage: "421 too busy\r\n" });
    const refused: Duplex[] = [];
    server.on("refused", (socket) => refused.push(socket));
    const port = await start(server);
    const first = await client(port);
    await waitUntil(() => server.channels.size === 1, "the first channel is made");
    const second = await rawConnect(port);
    sockets.push(second);
    const told = (await readAll(second)).toString();
    expect(told).toBe("421 too busy\r\n");
    expect(refused).toHaveLength(1);
    expect(server.channels.size).toBe(1);
    first.socket.write("still here\n");
    expect(await first.next()).toEqual(["still here"]);
  });

  it("accepts again once a channel has closed", async () => {
    const server = createServer(Echo, { maxConnections: 1 });
    const port = await start(server);
    const first = await client(port);
    first.socket.write("QUIT\n");
    await first.next();
    await waitUntil(() => server.channels.size === 0, "the first channel closes");
    const second = await client(port);
    second.socket.write("hello\n");
    expect(await second.next()).toEqual(["hello"]);
  });

  it("closes a refused connection without a message when none is set", async () => {
    const server = createServer(Echo, { maxConnections: 1 });
    const port = await start(server);
    await client(port);
    await waitUntil(() => server.channels.size === 1, "the first channel is made");
    const second = await rawConnect(port);
    sockets.push(second);
    expect((await readAll(second)).length).toBe(0);
  });

  it("rejects a maxConnections below 1", () => {
    expect(() => createServer(Echo, { maxConnections: 0 })).toThrow(RangeError);
  });
});

describe("failures stay inside one channel", () => {
  it("sends an exception from foundTerminator to that channel's error event and closes only it", async () => {
    const server = createServer(Echo);
    const channelErrors: Array<[Error, Echo]> = [];
    server.on("channelError", (error, channel) => channelErrors.push([error, channel]));
    const port = await start(server);
    const good = await client(port);
    const bad = await client(port);
    await waitUntil(() => server.channels.size === 2, "both channels are made");
    const badChannel = [...server.channels][1]!;
    const errors: Error[] = [];
    badChannel.on("error", (error) => errors.push(error));
    const badEnded = readAll(bad.socket);

    bad.socket.write("fine\nBOOM\nnever\n");
    // The reply to the frame before the failure still goes out.
    expect((await badEnded).toString()).toBe("fine\n");
    expect(errors.map((error) => error.message)).toEqual(["boom in foundTerminator"]);
    expect(channelErrors.map(([error, channel]) => [error.message, channel])).toEqual([["boom in foundTerminator", badChannel]]);
    expect(badChannel.lines).toEqual(["fine", "BOOM"]);
    await waitUntil(() => badChannel.closed, "the failing channel closes");

    good.socket.write("carry on\n");
    expect(await good.next()).toEqual(["carry on"]);
    expect(server.listening).toBe(true);
    const third = await client(port);
    third.socket.write("new\n");
    expect(await third.next()).toEqual(["new"]);
  });

  it("reports a factory that throws as a server error and keeps listening", async () => {
    let calls = 0;
    const server = new ChatServer((socket) => {
      if (++calls === 1) throw new Error("cannot make a channel");
      return new Echo(socket);
    });
    const errors: Error[] = [];
    server.on("error", (error) => errors.push(error));
    const port = await start(server);
    const first = await rawConnect(port);
    sockets.push(first);
    await readAll(first);
    expect(errors.map((error) => error.message)).toEqual(["cannot make a channel"]);
    const second = await client(port);
    second.socket.write("works\n");
    expect(await second.next()).toEqual(["works"]);
  });
});

describe("channel events on a server", () => {
  it("emits close exactly once per channel, however it closes", async () => {
    const server = createServer(Echo);
    const made: Echo[] = [];
    server.on("connection", (channel) => {
      channel.on("error", () => undefined);
      made.push(channel);
    });
    const port = await start(server);
    const quitter = await client(port);
    const leaver = await client(port);
    const failer = await client(port);
    const stayer = await client(port);
    await waitUntil(() => made.length === 4, "four channels are made");
    quitter.socket.write("QUIT\n");
    leaver.socket.end("bye\n");
    failer.socket.write("BOOM\n");
    await waitUntil(() => made.filter((channel) => channel.closed).length === 3, "three channels close");
    void stayer;
    await server.close();
    await tick();
    expect(made.map((channel) => channel.closes)).toEqual([1, 1, 1, 1]);
  });

  it("calls handleConnect and emits connect before any data is framed", async () => {
    const order: string[] = [];
    class Greeter extends Echo {
      override handleConnect(): void {
        order.push("handleConnect");
        this.push("220 ready\n");
      }
      override foundTerminator(): void {
        order.push("frame");
        super.foundTerminator();
      }
    }
    const server = createServer(Greeter);
    server.on("connection", (channel) => channel.on("connect", () => order.push("connect")));
    const port = await start(server);
    const socket = new net.Socket();
    sockets.push(socket);
    const reader = new LineReader(socket);
    // Send before the greeting can have been read.
    socket.connect(port, "127.0.0.1", () => socket.write("hi\n"));
    expect(await reader.next(2)).toEqual(["220 ready", "hi"]);
    expect(order).toEqual(["handleConnect", "connect", "frame"]);
  });
});

describe("end of input from the peer", () => {
  it("delivers what is queued before closing when the peer half-closes", async () => {
    /** Answers each line through an async producer that takes a few ms. */
    class Slow extends AsyncChat {
      #parts: Buffer[] = [];
      constructor(socket: Duplex) {
        super(socket);
        this.setTerminator("\n");
      }
      override collectIncomingData(data: Buffer): void {
        this.#parts.push(data);
      }
      override foundTerminator(): void {
        const reply = `slow ${Buffer.concat(this.#parts).toString()}\n`;
        this.#parts = [];
        let sent = false;
        this.pushWithProducer({
          more: async () => {
            await sleep(5);
            if (sent) return "";
            sent = true;
            return reply;
          },
        });
      }
    }
    const server = createServer(Slow);
    const port = await start(server);
    const socket = await rawConnect(port);
    sockets.push(socket);
    const received = readAll(socket);
    socket.end("a\nb\nc\n");
    expect((await received).toString()).toBe("slow a\nslow b\nslow c\n");
  });

  it("hands over an unfinished frame at the end with deliverPartialFrameAtEnd", async () => {
    const server = createServer(Echo, { channelOptions: { deliverPartialFrameAtEnd: true } });
    const made: Echo[] = [];
    const matched: Array<string | Uint8Array | null> = [];
    server.on("connection", (channel) => {
      made.push(channel);
      const found = channel.foundTerminator.bind(channel);
      channel.foundTerminator = () => {
        matched.push(channel.getMatchedTerminator());
        found();
      };
    });
    const port = await start(server);
    const socket = await rawConnect(port);
    sockets.push(socket);
    const received = readAll(socket);
    socket.end("one\npartial");
    expect((await received).toString()).toBe("one\npartial\n");
    expect(made[0]!.lines).toEqual(["one", "partial"]);
    expect(matched).toEqual(["\n", null]);
  });

  it("emits ERR_INCOMPLETE_FRAME for an unfinished frame at the end by default", async () => {
    const server = createServer(Echo);
    const errors: Error[] = [];
    const made: Echo[] = [];
    server.on("connection", (channel) => {
      made.push(channel);
      channel.on("error", (error) => errors.push(error));
    });
    const port = await start(server);
    const socket = await rawConnect(port);
    sockets.push(socket);
    const received = readAll(socket);
    socket.end("one\npartial");
    expect((await received).toString()).toBe("one\n");
    expect(made[0]!.lines).toEqual(["one"]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: "ERR_INCOMPLETE_FRAME", length: 7 });
  });
});
