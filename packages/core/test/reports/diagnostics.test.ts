/**
 * What channels publish on node:diagnostics_channel: open and close of every
 * connected channel, every failure handled or not, and Protocol state
 * changes; tested by subscribing, over real loopback sockets.
 */

import diagnosticsChannel from "node:diagnostics_channel";
import * as net from "node:net";
import type { Duplex } from "node:stream";
import { AsyncChat, ChatServer, DiagnosticsChannelName, ErrorCode } from "@asynchat/core";
import { Protocol, onBytes, onTerminator } from "@asynchat/decorators";
import { waitUntil } from "../helpers";

type Message = { channel: unknown; error?: Error; from?: string; to?: string };

/** Subscribes to every name; returns what arrived, per name, and how to unsubscribe. */
function subscribeAll(): { seen: Record<string, Message[]>; stop(): void } {
  const seen: Record<string, Message[]> = {};
  const subscriptions: Array<[string, (message: unknown) => void]> = [];
  for (const name of Object.values(DiagnosticsChannelName)) {
    seen[name] = [];
    const listener = (message: unknown): void => void seen[name]!.push(message as Message);
    diagnosticsChannel.subscribe(name, listener);
    subscriptions.push([name, listener]);
  }
  return {
    seen,
    stop: () => {
      for (const [name, listener] of subscriptions) diagnosticsChannel.unsubscribe(name, listener);
    },
  };
}

class Echo extends AsyncChat {
  constructor(socket: Duplex) {
    super(socket, { maxLength: 16 });
    this.setTerminator("\n");
    this.on("error", () => undefined);
  }
  override collectIncomingData(data: Buffer): void {
    this.appendData(data);
  }
  override foundTerminator(): void {
    const line = this.getData().toString();
    if (line === "THROW") throw new Error("thrown on purpose");
    this.push(`${line}\n`);
  }
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => resolve(socket));
    socket.once("error", reject);
  });
}

describe("diagnostics_channel", () => {
  let server: ChatServer<Echo>;
  let port: number;
  let watch: ReturnType<typeof subscribeAll>;

  beforeEach(async () => {
    watch = subscribeAll();
    server = new ChatServer(Echo);
    ({ port } = await server.listen(0));
  });

  afterEach(async () => {
    watch.stop();
    await server.close({ graceful: false });
  });

  it("publishes open and close once per connection, with the channel", async () => {
    const sockets = await Promise.all([connect(port), connect(port), connect(port)]);
    await waitUntil(() => watch.seen[DiagnosticsChannelName.CHANNEL_OPEN]!.length === 3, "three opens");
    const channels = [...server.channels];
    expect(new Set(watch.seen[DiagnosticsChannelName.CHANNEL_OPEN]!.map((m) => m.channel))).toEqual(new Set(channels));
    expect(watch.seen[DiagnosticsChannelName.CHANNEL_CLOSE]).toEqual([]);
    for (const socket of sockets) socket.end();
    await waitUntil(() => server.channels.size === 0, "every channel closes");
    expect(new Set(watch.seen[DiagnosticsChannelName.CHANNEL_CLOSE]!.map((m) => m.channel))).toEqual(new Set(channels));
    expect(watch.seen[DiagnosticsChannelName.CHANNEL_CLOSE]).toHaveLength(3);
  });

  it("publishes every failure, handled or not: a throw, an over-long frame", async () => {
    const thrower = await connect(port);
    thrower.write("THROW\n");
    const long = await connect(port);
    long.write(`${"x".repeat(40)}\n`);
    await waitUntil(() => watch.seen[DiagnosticsChannelName.CHANNEL_ERROR]!.length === 2, "two errors");
    const errors = watch.seen[DiagnosticsChannelName.CHANNEL_ERROR]!.map((m) => (m.error as Error & { code?: string }).code ?? m.error!.message);
    expect(errors.sort()).toEqual([ErrorCode.FRAME_TOO_LONG, "thrown on purpose"].sort());
    for (const m of watch.seen[DiagnosticsChannelName.CHANNEL_ERROR]!) expect(m.channel).toBeInstanceOf(Echo);
    thrower.destroy();
    long.destroy();
  });

  it("publishes nothing once unsubscribed", async () => {
    watch.stop();
    const socket = await connect(port);
    socket.write("hi\n");
    await new Promise((resolve) => socket.once("data", resolve));
    socket.end();
    await waitUntil(() => server.channels.size === 0, "the channel closes");
    for (const name of Object.values(DiagnosticsChannelName)) expect(watch.seen[name]).toEqual([]);
  });
});

describe("asynchat:protocol:state", () => {
  class Resp extends Protocol {
    need = 0;

    @onTerminator("\r\n", { encoding: "latin1" })
    header(line: string): unknown {
      this.need = Number(line.slice(1)) + 2;
      return this.body;
    }

    @onBytes((self: Resp) => self.need)
    body(): unknown {
      return this.header;
    }
  }

  it("publishes each change of state with the channel and both state names, not a stay", () => {
    const watch = subscribeAll();
    try {
      const resp = new Resp();
      resp.handleRead(Buffer.from("$2\r\nab\r\n$1\r\nc\r\n"));
      expect(watch.seen[DiagnosticsChannelName.PROTOCOL_STATE]).toEqual([
        { channel: resp, from: "header", to: "body" },
        { channel: resp, from: "body", to: "header" },
        { channel: resp, from: "header", to: "body" },
        { channel: resp, from: "body", to: "header" },
      ]);
    } finally {
      watch.stop();
    }
  });
});
