/**
 * Limits on connections over real sockets: the idle timeout drops a silent
 * client (after a last reply), and `maxConnections` refuses the excess of a
 * burst cleanly, with `refuseMessage` and an orderly end, while the
 * accepted clients are served.
 */

import type * as net from "node:net";
import type { Duplex } from "node:stream";
import { type AsyncChatOptions, ChatServer, DEFAULT_SERVER_IDLE_TIMEOUT, ErrorCode } from "@asynchat/core";
import { CallLog, rawConnect, sleep, waitUntil } from "../helpers";
import { TextReader } from "../peers";

/** Echoes lines; says goodbye before a failure closes it. */
class Polite extends CallLog {
  readonly errors: Error[] = [];

  constructor(socket: Duplex, options?: AsyncChatOptions) {
    super("\n", socket, options);
    this.on("error", (error) => this.errors.push(error));
    this.onFound = (frame) => this.push(`${frame}\n`);
  }

  override handleError(error: Error): void {
    this.push(`421 ${(error as { code?: string }).code ?? error.message}\n`);
    super.handleError(error);
  }
}

const servers: ChatServer<Polite>[] = [];
const sockets: net.Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((server) => server.close({ graceful: false })));
});

async function start(make: (socket: Duplex) => Polite, options = {}): Promise<{ server: ChatServer<Polite>; port: number; made: Polite[] }> {
  const server = new ChatServer(make, options);
  servers.push(server);
  const made: Polite[] = [];
  server.on("connection", (channel) => made.push(channel));
  const { port } = await server.listen(0, "127.0.0.1");
  return { server, port, made };
}

async function client(port: number): Promise<TextReader> {
  const socket = await rawConnect(port);
  sockets.push(socket);
  return new TextReader(socket);
}

describe("idleTimeout", () => {
  it("drops a client that sends nothing, after the channel's last reply", async () => {
    const { port, made } = await start((socket) => new Polite(socket, { idleTimeout: 40 }));
    const silent = await client(port);
    await silent.untilEnd(2000);
    expect(silent.text).toBe("421 ERR_IDLE_TIMEOUT\n");
    expect(silent.error).toBeNull();
    await waitUntil(() => made[0]!.closed, "the channel closes");
    expect(made[0]!.errors).toHaveLength(1);
    expect(made[0]!.errors[0]).toMatchObject({ code: ErrorCode.IDLE_TIMEOUT, timeout: 40 });
  });

  it("is 10 minutes by default for accepted channels that set none, and off for channels made outside a server", async () => {
    const { port, made } = await start((socket) => new Polite(socket));
    const quiet = await client(port);
    await waitUntil(() => made.length === 1, "the channel is made");
    // `options` shows what is in force, the server's idle timeout included.
    expect(made[0]!.options.idleTimeout).toBe(DEFAULT_SERVER_IDLE_TIMEOUT);
    expect(made[0]!.idleTimeout).toBe(DEFAULT_SERVER_IDLE_TIMEOUT);
    expect(DEFAULT_SERVER_IDLE_TIMEOUT).toBe(600_000);
    quiet.socket.write("still there\n");
    await quiet.until("still there\n");
    expect(quiet.ended).toBe(false);
    expect(new Polite(undefined as unknown as Duplex).idleTimeout).toBe(0);
  });

  it("comes from the server's idleTimeout option, unless the channel chose its own", async () => {
    const { port, made } = await start((socket) => new Polite(socket, made.length === 0 ? {} : { idleTimeout: 5000 }), { idleTimeout: 40 });
    const first = await client(port);
    await first.untilEnd(2000);
    expect(first.text).toBe("421 ERR_IDLE_TIMEOUT\n");
    expect(made[0]!.errors[0]).toMatchObject({ code: ErrorCode.IDLE_TIMEOUT, timeout: 40 });
    const second = await client(port);
    await waitUntil(() => made.length === 2, "the second channel is made");
    expect(made[1]!.idleTimeout).toBe(5000);
    await sleep(120);
    second.socket.write("still there\n");
    await second.until("still there\n");
    expect(second.ended).toBe(false);
  });

  it("is off with the server's idleTimeout: 0", async () => {
    const { port, made } = await start((socket) => new Polite(socket), { idleTimeout: 0 });
    const quiet = await client(port);
    await waitUntil(() => made.length === 1, "the channel is made");
    expect(made[0]!.idleTimeout).toBe(0);
    await sleep(60);
    quiet.socket.write("still there\n");
    await quiet.until("still there\n");
    expect(quiet.ended).toBe(false);
  });

  it("can be changed on a live channel: the wait starts afresh with the new value", async () => {
    const { port, made } = await start((socket) => new Polite(socket), { idleTimeout: 0 });
    const quiet = await client(port);
    await waitUntil(() => made.length === 1, "the channel is made");
    made[0]!.idleTimeout = 40;
    await quiet.untilEnd(2000);
    expect(quiet.text).toBe("421 ERR_IDLE_TIMEOUT\n");
    expect(() => {
      made[0]!.idleTimeout = -1;
    }).toThrow(RangeError);
  });

  it("rejects a bad server option", () => {
    expect(() => new ChatServer(Polite, { idleTimeout: -5 })).toThrow(/idleTimeout/);
  });
});

describe("maxConnections", () => {
  it("refuses the excess of a burst with refuseMessage and an orderly end, even when they sent a request, and serves the rest", async () => {
    const { server, port, made } = await start((socket) => new Polite(socket), {
      maxConnections: 2,
      refuseMessage: "421 Too many connections\r\n",
    });
    let refused = 0;
    server.on("refused", () => refused++);
    const clients = await Promise.all(Array.from({ length: 6 }, () => client(port)));
    for (const [i, reader] of clients.entries()) reader.socket.write(`hello ${i}\n`);

    await waitUntil(() => clients.filter((reader) => reader.ended).length === 4, "four clients are refused");
    const turnedAway = clients.filter((reader) => reader.ended);
    const served = clients.filter((reader) => !reader.ended);
    for (const reader of turnedAway) {
      expect(reader.text).toBe("421 Too many connections\r\n");
      // An orderly end: what they sent was read and dropped, not answered with a reset.
      expect(reader.error).toBeNull();
    }
    for (const reader of served) {
      const i = clients.indexOf(reader);
      await reader.until(`hello ${i}\n`);
    }
    expect(refused).toBe(4);
    expect(made).toHaveLength(2);
    expect(server.channels.size).toBe(2);

    // Once a served client leaves, a new one is accepted.
    served[0]!.socket.end();
    await waitUntil(() => server.channels.size === 1, "its channel closes");
    const late = await client(port);
    late.socket.write("late\n");
    await late.until("late\n");
    expect(made).toHaveLength(3);
  });
});
