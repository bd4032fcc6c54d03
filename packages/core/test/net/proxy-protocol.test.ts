/**
 * A ChatServer with `proxyProtocol` over real loopback sockets: the header
 * is read before anything else (before TLS too), never reaches the
 * channel, and gives the channel its client's address; bad, late and
 * untrusted connections are dropped without a reply while others carry on.
 */

import type * as net from "node:net";
import { Duplex } from "node:stream";
import * as tls from "node:tls";
import { ChatServer, type ChatServerOptions, ErrorCode, type ProxyHeaderError } from "@asynchat/core";
import { proxyHeaderV1, proxyHeaderV2 } from "@asynchat/core/testing";
import { CallLog, rawConnect, readAll, sleep, waitUntil } from "../helpers";
import { cert, key } from "../peers";

const client = { sourceAddress: "203.0.113.7", sourcePort: 51234, destinationAddress: "192.0.2.1", destinationPort: 7000 };

/** Echoes each line prefixed with the client address the channel reports. */
function addressEcho(socket: Duplex): CallLog {
  const channel = new CallLog("\n", socket);
  channel.onFound = (frame, self) => self.push(`${self.remoteAddress}:${self.remotePort} ${frame}\n`);
  return channel;
}

const servers: ChatServer<CallLog>[] = [];
const sockets: net.Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((server) => server.close({ graceful: false })));
});

async function proxied(options: ChatServerOptions = {}): Promise<{ server: ChatServer<CallLog>; port: number; made: CallLog[]; dropped: ProxyHeaderError[] }> {
  const server = new ChatServer(addressEcho, { proxyProtocol: true, ...options });
  servers.push(server);
  const made: CallLog[] = [];
  const dropped: ProxyHeaderError[] = [];
  server.on("connection", (channel) => made.push(channel));
  server.on("proxyError", (error) => dropped.push(error));
  const { port } = await server.listen(0, "127.0.0.1");
  return { server, port, made, dropped };
}

async function open(port: number): Promise<net.Socket> {
  const socket = await rawConnect(port);
  sockets.push(socket);
  return socket;
}

/** Writes `pieces` one at a time, letting each arrive before the next. */
async function trickle(socket: net.Socket, pieces: Buffer[]): Promise<void> {
  for (const piece of pieces) {
    socket.write(piece);
    await sleep(3);
  }
}

/** Reads from `socket` until `text` has arrived. */
async function readUntil(socket: Duplex, text: string): Promise<string> {
  let seen = "";
  await new Promise<void>((resolve, reject) => {
    const onData = (data: Buffer): void => {
      seen += data.toString("latin1");
      if (seen.includes(text)) {
        socket.off("data", onData);
        resolve();
      }
    };
    socket.on("data", onData);
    socket.once("close", () => reject(new Error(`closed before ${JSON.stringify(text)}; got ${JSON.stringify(seen)}`)));
  });
  return seen;
}

describe("a server with the PROXY protocol", () => {
  it("gives the channel the v1 header's client and never shows it the header", async () => {
    const { port, made } = await proxied();
    const socket = await open(port);
    socket.write(Buffer.concat([proxyHeaderV1(client), Buffer.from("hello\n")]));
    expect(await readUntil(socket, "\n")).toBe("203.0.113.7:51234 hello\n");
    expect(made[0]!.calls).toEqual([{ data: "hello" }, { found: "hello", matched: "\n" }]);
    expect([made[0]!.remoteAddress, made[0]!.remotePort]).toEqual(["203.0.113.7", 51234]);
  });

  it("reads a v2 header split across many reads, and data that came in the header's last read", async () => {
    const { port, made } = await proxied();
    const socket = await open(port);
    const bytes = Buffer.concat([proxyHeaderV2({ ...client, sourceAddress: "2001:db8::7", destinationAddress: "2001:db8::1" }, { tlvs: [{ type: 0x02, value: Buffer.from("example.test") }] }), Buffer.from("one\ntw")]);
    const pieces = [bytes.subarray(0, 5), bytes.subarray(5, 13), bytes.subarray(13, 17), bytes.subarray(17, 40), bytes.subarray(40)];
    await trickle(socket, pieces);
    socket.write("o\n");
    const seen = await readUntil(socket, "two\n");
    expect(seen).toBe("2001:db8::7:51234 one\n2001:db8::7:51234 two\n");
    expect(made[0]!.frames).toEqual(["one", "two"]);
  });

  it("keeps the connection's own address for a v2 LOCAL header (a balancer's health check) and a v1 UNKNOWN", async () => {
    const { port } = await proxied();
    const local = await open(port);
    local.write(Buffer.concat([proxyHeaderV2(undefined, { command: "LOCAL" }), Buffer.from("ping\n")]));
    expect(await readUntil(local, "\n")).toBe(`127.0.0.1:${local.localPort} ping\n`);
    const unknown = await open(port);
    unknown.write(Buffer.concat([proxyHeaderV1(), Buffer.from("ping\n")]));
    expect(await readUntil(unknown, "\n")).toBe(`127.0.0.1:${unknown.localPort} ping\n`);
  });

  it.each([
    ["a missing header", Buffer.from("hello\n"), ErrorCode.PROXY_HEADER_INVALID],
    ["a malformed v1 header", Buffer.from("PROXY TCP4 1.2.3.4 nope 1 2\r\nhello\n"), ErrorCode.PROXY_HEADER_INVALID],
    ["an over-long v1 header", Buffer.from(`PROXY UNKNOWN ${"x".repeat(200)}\r\n`), ErrorCode.PROXY_HEADER_TOO_LONG],
    ["a v2 header announcing 60,000 bytes", Buffer.concat([proxyHeaderV2(client).subarray(0, 14), Buffer.from([0xea, 0x60])]), ErrorCode.PROXY_HEADER_TOO_LONG],
  ])("closes a connection with %s without a reply or a channel", async (_name, bytes, code) => {
    const { port, made, dropped } = await proxied();
    const socket = await open(port);
    const received = readAll(socket);
    socket.write(bytes);
    expect((await received).length).toBe(0);
    expect(made).toHaveLength(0);
    expect(dropped.map((e) => e.code)).toEqual([code]);
  });

  it("closes a connection whose header is not complete before headerTimeout", async () => {
    const { port, made, dropped } = await proxied({ proxyProtocol: { headerTimeout: 150 } });
    const socket = await open(port);
    const received = readAll(socket);
    const started = Date.now();
    socket.write(proxyHeaderV1(client).subarray(0, 20));
    expect((await received).length).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    expect(made).toHaveLength(0);
    expect(dropped.map((e) => e.code)).toEqual([ErrorCode.PROXY_HEADER_TIMEOUT]);
    // The error carries what arrived of the header.
    expect(dropped[0]!.value).toEqual(proxyHeaderV1(client).subarray(0, 20));
  });

  it("refuses a connection from a source it does not trust, before reading anything", async () => {
    const { port, made, dropped } = await proxied({ proxyProtocol: { trustedSources: ["10.0.0.0/8", "2001:db8::/32"] } });
    const socket = await open(port);
    const received = readAll(socket);
    socket.write(Buffer.concat([proxyHeaderV1(client), Buffer.from("hello\n")]));
    expect((await received).length).toBe(0);
    expect(made).toHaveLength(0);
    expect(dropped).toHaveLength(1);
    expect(dropped[0]!).toMatchObject({ code: ErrorCode.PROXY_SOURCE_UNTRUSTED, value: "127.0.0.1" });
  });

  it("serves good connections while bad ones are dropped", async () => {
    const { port, dropped } = await proxied();
    const good = await open(port);
    good.write(proxyHeaderV1(client));
    const bad = await open(port);
    bad.write("garbage\n");
    good.write("still here\n");
    expect(await readUntil(good, "\n")).toBe("203.0.113.7:51234 still here\n");
    await waitUntil(() => dropped.length === 1, "the bad connection is dropped");
  });

  it("drops connections still sending their header when the server closes", async () => {
    const { server, port } = await proxied();
    const socket = await open(port);
    const received = readAll(socket);
    socket.write("PROXY TCP4 ");
    await sleep(20);
    const started = Date.now();
    await server.close();
    await received;
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("keeps the client's address on the channel after it closes", async () => {
    const { port, made } = await proxied();
    const socket = await open(port);
    socket.write(Buffer.concat([proxyHeaderV1(client), Buffer.from("x\n")]));
    await readUntil(socket, "\n");
    socket.destroy();
    await waitUntil(() => made[0]!.closed, "the channel closes");
    expect(made[0]!.remoteAddress).toBe("203.0.113.7");
  });

  it("rejects trusted sources that are not addresses or ranges, naming the entry", () => {
    expect(() => new ChatServer(addressEcho, { proxyProtocol: { trustedSources: ["10.0.0.0/8", "10.0.0.0/33"] } })).toThrow(
      expect.objectContaining({ code: "ERR_INVALID_ARG_VALUE", message: expect.stringContaining("trustedSources[1]") }),
    );
    expect(() => new ChatServer(addressEcho, { proxyProtocol: { trustedSources: ["localhost"] } })).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_VALUE" }));
    expect(() => new ChatServer(addressEcho, { proxyProtocol: { headerTimeout: 0 } })).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_VALUE" }));
  });

  it("reports the socket's own address when the PROXY protocol is off", async () => {
    const server = new ChatServer(addressEcho);
    servers.push(server);
    const { port } = await server.listen(0, "127.0.0.1");
    const socket = await open(port);
    socket.write("hi\n");
    expect(await readUntil(socket, "\n")).toBe(`127.0.0.1:${socket.localPort} hi\n`);
  });
});

describe("a TLS server with the PROXY protocol", () => {
  /** Connects, sends `header` in plaintext, then does TLS over the same socket. */
  async function tlsThroughHeader(port: number, header: Buffer, coalesce: boolean): Promise<tls.TLSSocket> {
    const raw = await open(port);
    let carrier: Duplex = raw;
    if (coalesce) {
      // The header and the ClientHello leave in one segment, as a busy balancer may send them.
      let first = true;
      carrier = new Duplex({
        read() {
          raw.resume();
        },
        write(chunk: Buffer, _encoding, callback) {
          raw.write(first ? Buffer.concat([header, chunk]) : chunk, callback);
          first = false;
        },
      });
      raw.on("data", (data) => carrier.push(data));
      raw.on("end", () => carrier.push(null));
    } else {
      raw.write(header);
      await sleep(10);
    }
    const secure = tls.connect({ socket: carrier, ca: cert, servername: "localhost" });
    await new Promise<void>((resolve, reject) => {
      secure.once("secureConnect", resolve);
      secure.once("error", reject);
    });
    return secure;
  }

  it.each([
    ["in its own read", false],
    ["in the same read as the ClientHello", true],
  ])("reads the header before the handshake (%s) and gives the channel the client's address", async (_name, coalesce) => {
    const { port, made } = await proxied({ tls: { key, cert } });
    const secure = await tlsThroughHeader(port, proxyHeaderV2(client), coalesce);
    secure.write("over tls\n");
    expect(await readUntil(secure, "\n")).toBe("203.0.113.7:51234 over tls\n");
    expect(made[0]!.frames).toEqual(["over tls"]);
    secure.destroy();
  });

  it("drops a TLS client that sends no header", async () => {
    const { port, made, dropped } = await proxied({ tls: { key, cert } });
    const raw = await open(port);
    const secure = tls.connect({ socket: raw, ca: cert, servername: "localhost" });
    const failed = await new Promise<Error>((resolve) => secure.once("error", resolve));
    expect(failed.message).toMatch(/disconnected|ECONNRESET|socket hang up/i);
    expect(made).toHaveLength(0);
    expect(dropped.map((e) => e.code)).toEqual([ErrorCode.PROXY_HEADER_INVALID]);
  });
});
