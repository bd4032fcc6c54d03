/**
 * Unread input over real sockets: a channel that pauses (readable() false)
 * stops reading the socket, so a peer that keeps sending is held back by
 * TCP rather than buffered; input already received past `maxBufferedInput`
 * fails the channel with ERR_INPUT_OVERFLOW.
 */

import type * as net from "node:net";
import type { Duplex } from "node:stream";
import { type AsyncChatOptions, ChatServer, DEFAULT_CHANNEL_OPTIONS, ErrorCode } from "@asynchat/core";
import { CallLog, rawConnect, sleep, waitUntil } from "../helpers";
import { TextReader } from "../peers";

const MiB = 1024 * 1024;

/** A line channel that stops reading after a "PAUSE" line, until `go()`. */
class Pausing extends CallLog {
  paused = false;
  readonly errors: Error[] = [];

  constructor(socket: Duplex, options?: AsyncChatOptions) {
    super("\n", socket, options);
    this.on("error", (error) => this.errors.push(error));
    this.onFound = (frame) => {
      if (frame === "PAUSE") this.paused = true;
    };
  }

  override readable(): boolean {
    return !this.paused;
  }

  go(): void {
    this.paused = false;
    this.updateReading();
  }
}

let server: ChatServer<Pausing>;
let made: Pausing[];
const sockets: net.Socket[] = [];

async function start(options?: AsyncChatOptions): Promise<number> {
  server = new ChatServer((socket) => new Pausing(socket, options));
  made = [];
  server.on("connection", (channel) => made.push(channel));
  return (await server.listen(0, "127.0.0.1")).port;
}

async function raw(port: number): Promise<net.Socket> {
  const socket = await rawConnect(port);
  sockets.push(socket);
  return socket;
}

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await server.close({ graceful: false });
});

describe("a paused channel", () => {
  it("stops reading a peer that keeps sending, holds little, and frames it all once it goes on", async () => {
    expect(DEFAULT_CHANNEL_OPTIONS.maxBufferedInput).toBe(MiB);
    const port = await start();
    const socket = await raw(port);
    const line = `${"x".repeat(99)}\n`;
    const lines = 80_000;
    socket.write(`PAUSE\n${line.repeat(lines)}`);
    await waitUntil(() => made.length === 1 && made[0]!.paused, "the channel pauses");
    const channel = made[0]!;
    const channelSocket = channel.socket as net.Socket;

    // The kernel's buffers fill up, then the socket is no longer read.
    let bytesRead = -1;
    while (channelSocket.bytesRead !== bytesRead) {
      bytesRead = channelSocket.bytesRead;
      await sleep(30);
    }
    expect(bytesRead).toBeLessThan(lines * line.length);
    expect(channelSocket.isPaused()).toBe(true);
    expect(channel.bufferedInput).toBeLessThanOrEqual(64 * 1024);
    expect(channel.frames).toEqual(["PAUSE"]);
    expect(channel.errors).toEqual([]);

    channel.go();
    await waitUntil(() => channel.frames.length === lines + 1, "every line is framed", 20_000);
    expect(channel.frames[lines]).toBe("x".repeat(99));
    expect(channel.errors).toEqual([]);
  });

  it("fails with ERR_INPUT_OVERFLOW when input it already received passes maxBufferedInput, and closes", async () => {
    const port = await start({ maxBufferedInput: 1000 });
    const socket = await raw(port);
    const reader = new TextReader(socket);
    // One write, one read: the pause leaves 2000 bytes of it unread.
    socket.write(`PAUSE\n${"x\n".repeat(1000)}`);
    await reader.untilEnd();
    const channel = made[0]!;
    await waitUntil(() => channel.closed, "the channel closes");
    expect(channel.errors).toHaveLength(1);
    expect(channel.errors[0]).toMatchObject({ code: ErrorCode.INPUT_OVERFLOW, limit: 1000, length: 2000 });
    expect(channel.frames).toEqual(["PAUSE"]);
  });
});
