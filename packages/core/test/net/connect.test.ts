/**
 * connect(): a client channel over loopback TCP, from a class or a factory,
 * talking to a ChatServer.
 */

import * as net from "node:net";
import type { Duplex } from "node:stream";
import { AsyncChat, connect, createServer, type AsyncChatOptions, type ChatServer } from "@asynchat/core";
import { once, waitUntil } from "../helpers";

/** Collects lines; pushes a greeting from handleConnect when asked to. */
class LineClient extends AsyncChat {
  readonly lines: string[] = [];
  connected = false;
  #parts: Buffer[] = [];
  constructor(socket: Duplex, options?: AsyncChatOptions) {
    super(socket, options);
    this.setTerminator("\r\n");
  }
  override handleConnect(): void {
    this.connected = true;
    this.push("HELLO\r\n");
  }
  override collectIncomingData(data: Buffer): void {
    this.#parts.push(data);
  }
  override foundTerminator(): void {
    this.lines.push(Buffer.concat(this.#parts).toString());
    this.#parts = [];
  }
}

/** Answers every line with "+<line>". */
class Answerer extends LineClient {
  override handleConnect(): void {}
  override foundTerminator(): void {
    super.foundTerminator();
    this.push(`+${this.lines[this.lines.length - 1]}\r\n`);
  }
}

let server: ChatServer<Answerer>;
let port: number;

beforeEach(async () => {
  server = createServer(Answerer);
  ({ port } = await server.listen(0, "127.0.0.1"));
});

afterEach(async () => {
  await server.close({ graceful: false });
});

describe("connect", () => {
  it("resolves with a connected channel made from a class", async () => {
    const client = await connect(LineClient, { port });
    expect(client).toBeInstanceOf(LineClient);
    await waitUntil(() => client.lines.length === 1, "the answer to the greeting arrives");
    expect(client.connected).toBe(true);
    expect(client.lines).toEqual(["+HELLO"]);
    client.push("PING\r\n");
    await waitUntil(() => client.lines.length === 2, "the answer arrives");
    expect(client.lines[1]).toBe("+PING");
    client.destroy();
  });

  it("resolves with the channel a factory function makes", async () => {
    let made = 0;
    const client = await connect(
      (socket) => {
        made++;
        return new LineClient(socket, { maxLength: 100 });
      },
      { port, host: "127.0.0.1" },
    );
    expect(made).toBe(1);
    expect(client.maxLength).toBe(100);
    await waitUntil(() => client.lines.length === 1, "the answer arrives");
    client.destroy();
  });

  it("passes channelOptions to a channel made from a class", async () => {
    const client = await connect(LineClient, { port, channelOptions: { maxLength: 7 } });
    expect(client.maxLength).toBe(7);
    client.destroy();
  });

  it("emits connect on a channel made on a socket that is still connecting", async () => {
    const socket = net.connect({ port, host: "127.0.0.1" });
    const client = new LineClient(socket);
    expect(client.connected).toBe(false);
    await once(client, "connect");
    expect(client.connected).toBe(true);
    await waitUntil(() => client.lines.length === 1, "the answer arrives");
    client.destroy();
  });

  it("rejects when nothing listens on the port", async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const free = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    await expect(connect(LineClient, { port: free })).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });

  it("rejects when the factory does not return a channel", async () => {
    await expect(connect((() => ({})) as never, { port })).rejects.toBeInstanceOf(TypeError);
  });

  it("throws at once for a missing port or a channel that is not a function", () => {
    expect(() => connect(LineClient, {} as never)).toThrow(TypeError);
    expect(() => connect({} as never, { port })).toThrow(TypeError);
  });

  it("closes the client channel once when the server closes the connection", async () => {
    const client = await connect(LineClient, { port });
    let closes = 0;
    client.on("close", () => closes++);
    await waitUntil(() => client.lines.length === 1, "the answer to the greeting arrives");
    const closed = once(client, "close");
    await server.close();
    await closed;
    expect(closes).toBe(1);
    expect(client.closed).toBe(true);
  });
});
