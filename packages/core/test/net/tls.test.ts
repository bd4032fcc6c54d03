/**
 * TLS from the first byte: a ChatServer with `tls`, `connect` with `tls`,
 * and the handshake timeout that drops a client that never handshakes.
 */

import type * as net from "node:net";
import type { Duplex } from "node:stream";
import * as tls from "node:tls";
import { ChatServer, type ChatServerOptions, connect } from "@asynchat/core";
import { CallLog, rawConnect, readAll, sleep, waitUntil } from "../helpers";
import { TextReader, cert, key } from "../peers";

/** A line channel that echoes each line. */
function echo(socket: Duplex): CallLog {
  const channel = new CallLog("\n", socket);
  channel.onFound = (frame, self) => self.push(`${frame}\n`);
  return channel;
}

/** A line channel that answers each line through an async producer that takes a few ms. */
function slowEcho(socket: Duplex): CallLog {
  const channel = new CallLog("\n", socket);
  channel.onFound = (frame, self) => {
    let sent = false;
    self.pushWithProducer({
      more: async () => {
        await sleep(5);
        if (sent) return "";
        sent = true;
        return `slow ${frame}\n`;
      },
    });
  };
  return channel;
}

/** A client channel that records the lines it receives. */
function recorder(socket: Duplex): CallLog {
  return new CallLog("\n", socket);
}

const servers: ChatServer<CallLog>[] = [];
const closers: Array<{ destroy(): void }> = [];

afterEach(async () => {
  for (const closer of closers.splice(0)) closer.destroy();
  await Promise.all(servers.splice(0).map((server) => server.close({ graceful: false })));
});

async function tlsServer(options: ChatServerOptions = {}, channel = echo): Promise<{ server: ChatServer<CallLog>; port: number; made: CallLog[] }> {
  const server = new ChatServer(channel, { tls: { key, cert }, ...options });
  servers.push(server);
  const made: CallLog[] = [];
  server.on("connection", (channel) => made.push(channel));
  const { port } = await server.listen(0, "127.0.0.1");
  return { server, port, made };
}

async function trustedClient(port: number): Promise<CallLog> {
  const client = await connect(recorder, { port, tls: { ca: cert } });
  closers.push(client);
  return client;
}

async function raw(port: number): Promise<net.Socket> {
  const socket = await rawConnect(port);
  closers.push(socket);
  return socket;
}

describe("a TLS listener and a TLS connect", () => {
  it("talk over TLS from the first byte, the client checking the server's certificate", async () => {
    const { port, made } = await tlsServer();
    const client = await trustedClient(port);
    client.push("hello\nworld\n");
    await waitUntil(() => client.frames.length === 2, "both echoes arrive");
    expect(client.frames).toEqual(["hello", "world"]);

    const clientSocket = client.socket as tls.TLSSocket;
    expect(clientSocket).toBeInstanceOf(tls.TLSSocket);
    expect(clientSocket.authorized).toBe(true);
    expect(made).toHaveLength(1);
    expect(made[0]!.socket).toBeInstanceOf(tls.TLSSocket);
    expect((made[0]!.socket as tls.TLSSocket).encrypted).toBe(true);
    expect(made[0]!.frames).toEqual(["hello", "world"]);
  });

  it("rejects a connect that does not trust the server's certificate, and the server goes on serving", async () => {
    const { port, made } = await tlsServer();
    await expect(connect(recorder, { port, tls: true })).rejects.toMatchObject({ code: "DEPTH_ZERO_SELF_SIGNED_CERT" });
    const client = await trustedClient(port);
    client.push("still here\n");
    await waitUntil(() => client.frames.length === 1, "the echo arrives");
    expect(client.frames).toEqual(["still here"]);
    expect(made.map((channel) => channel.frames)).toContainEqual(["still here"]);
  });

  it("does not keep close() waiting for a client that gave up during its handshake", async () => {
    const { server, port } = await tlsServer({ tlsHandshakeTimeout: 60_000 });
    await expect(connect(recorder, { port, tls: true })).rejects.toMatchObject({ code: "DEPTH_ZERO_SELF_SIGNED_CERT" });
    servers.splice(servers.indexOf(server), 1);
    const outcome = await Promise.race([server.close().then(() => "closed"), sleep(5000).then(() => "still waiting")]);
    expect(outcome).toBe("closed");
  });

  it("still delivers what is queued to a TLS client that has ended its side", async () => {
    const { port } = await tlsServer({}, slowEcho);
    const secure = tls.connect({ port, host: "127.0.0.1", ca: cert });
    closers.push(secure);
    const received = readAll(secure);
    await new Promise((resolve) => secure.once("secureConnect", resolve));
    secure.end("a\nb\nc\n");
    expect((await received).toString()).toBe("slow a\nslow b\nslow c\n");
  });

  it("rejects a TLS connect after its timeout when the server never answers the handshake", async () => {
    // A plaintext server that takes whatever comes and never answers.
    const plain = new ChatServer((socket) => new CallLog(null, socket));
    servers.push(plain);
    const { port } = await plain.listen(0, "127.0.0.1");
    await expect(connect(recorder, { port, tls: { ca: cert }, timeout: 50 })).rejects.toThrow(/timed out after 50 ms/);
    await waitUntil(() => plain.channels.size === 0, "the server sees the connection go");
  });

  it("drops a client that speaks plaintext to a TLS listener, without making a channel for it", async () => {
    const { port, made } = await tlsServer();
    const socket = await raw(port);
    const reader = new TextReader(socket);
    socket.write("HELLO\r\n");
    await reader.untilEnd();
    expect(made).toHaveLength(0);
    const client = await trustedClient(port);
    client.push("after\n");
    await waitUntil(() => client.frames.length === 1, "the echo arrives");
  });
});

describe("tlsHandshakeTimeout", () => {
  it("drops a client that connects and never handshakes, and serves the others", async () => {
    const { server, port, made } = await tlsServer({ tlsHandshakeTimeout: 40 });
    const silent = await raw(port);
    const reader = new TextReader(silent);
    const client = await trustedClient(port);
    await reader.untilEnd(2000);
    expect(reader.text).toBe("");
    client.push("served\n");
    await waitUntil(() => client.frames.length === 1, "the echo arrives");
    expect(made).toHaveLength(1);
    expect(server.channels.size).toBe(1);
  });

  it("drops a client that stops in the middle of its ClientHello", async () => {
    const { port, made } = await tlsServer({ tlsHandshakeTimeout: 40 });
    const stalled = await raw(port);
    const reader = new TextReader(stalled);
    // The first bytes of a TLS handshake record, announcing more that never comes.
    stalled.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01]));
    await reader.untilEnd(2000);
    expect(made).toHaveLength(0);
  });
});
