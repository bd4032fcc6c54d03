/**
 * A peer that resets its connection in the middle of a frame, of a
 * streamed reply, or of a TLS handshake: that channel errors and closes
 * exactly once, nothing escapes to the process, and the server keeps
 * serving another client correctly.
 */

import type * as net from "node:net";
import * as tls from "node:tls";
import * as vm from "node:vm";
import { createSocketPair } from "@asynchat/core/testing";
import { ChatServer, ErrorCode, connect } from "@asynchat/core";
import { CallLog, once, rawConnect, sleep, waitUntil } from "../helpers";
import { TextReader, cert, key } from "../peers";
import { EchoClient, Service, useFaultFixture } from "./service";

const fixture = useFaultFixture();
const { service, raw, adopt, track } = fixture;

async function bystander(port: number): Promise<EchoClient> {
  const client = await EchoClient.connect(port);
  track(client.socket);
  await client.check();
  return client;
}

/** The channel closed once, with one error from the reset, and nothing reached the process. */
async function expectClosedOnceByReset(channel: Service, codes: string[]): Promise<void> {
  await waitUntil(() => channel.closed, "the reset channel closes");
  // Give a second close or a late error the time to show up.
  await sleep(20);
  expect(channel.closes).toBe(1);
  expect(channel.errors).toHaveLength(1);
  expect(codes).toContain((channel.errors[0] as NodeJS.ErrnoException).code);
  expect(fixture.faults.seen).toEqual([]);
}

describe("a peer that resets the connection", () => {
  it("in the middle of a frame closes its channel once, delivers no frame, and the server goes on serving", async () => {
    const { server, port, made } = await service();
    const other = await bystander(port);
    const socket = await raw(port);
    await waitUntil(() => made.length === 2, "both channels are made");
    const channel = made[1]!;
    socket.write("half of a li");
    await waitUntil(() => channel.partial === "half of a li", "the partial line is taken in");
    socket.resetAndDestroy();

    await expectClosedOnceByReset(channel, ["ECONNRESET"]);
    expect(channel.frames).toEqual([]);
    await other.check();
    expect(server.channels.size).toBe(1);
  });

  it("in the middle of a large streamed reply closes its channel once and stops pulling the producer", async () => {
    const { server, port, made } = await service();
    const other = await bystander(port);
    const socket = await raw(port);
    await waitUntil(() => made.length === 2, "both channels are made");
    const channel = made[1]!;
    let received = 0;
    socket.on("data", (data: Buffer) => (received += data.length));
    socket.write(`BIG ${256 * 1024 * 1024}\n`);
    await waitUntil(() => received >= 1024 * 1024, "the reply is well under way");
    socket.resetAndDestroy();

    await expectClosedOnceByReset(channel, ["ECONNRESET", "EPIPE"]);
    const stream = channel.streams[0]!;
    const pulled = stream.pulled;
    expect(pulled).toBeLessThan(stream.total);
    await sleep(20);
    expect(stream.pulled).toBe(pulled);
    expect(stream.discarded).toBe(true);
    await other.check();
    await other.check();
    expect(server.channels.size).toBe(1);
  });

  it("in the middle of a STARTTLS handshake fails the upgrade, closes its channel once, and the server goes on serving", async () => {
    const { server, port, made } = await service();
    const other = await bystander(port);
    const socket = await raw(port);
    await waitUntil(() => made.length === 2, "both channels are made");
    const channel = made[1]!;
    const reader = new TextReader(socket);
    socket.write("STARTTLS\n");
    await reader.until("220 ready\n");
    reader.detach();
    // The start of a ClientHello, then the reset while the server waits for the rest.
    socket.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01]));
    await waitUntil(() => channel.socket instanceof tls.TLSSocket, "the server side of the handshake has begun");
    await sleep(5);
    socket.resetAndDestroy();

    await waitUntil(() => channel.closed, "the channel closes");
    await expect(channel.upgrade).rejects.toMatchObject({ code: ErrorCode.TLS_UPGRADE_FAILED });
    await sleep(20);
    expect(channel.closes).toBe(1);
    expect(channel.errors).toHaveLength(1);
    expect(channel.errors[0]).toMatchObject({ code: ErrorCode.TLS_UPGRADE_FAILED });
    expect(fixture.faults.seen).toEqual([]);
    await other.check();
    expect(server.channels.size).toBe(1);
  });

  it("in the middle of the handshake with a TLS listener makes no channel, and the server goes on serving", async () => {
    const server = new ChatServer(Service, { tls: { key, cert } });
    const made: Service[] = [];
    server.on("connection", (channel) => made.push(channel));
    const { port } = await server.listen(0, "127.0.0.1");
    adopt({ server, port, made });
    const client = await connect((socket) => new CallLog("\n", socket), { port, tls: { ca: cert } });
    track(client.socket as net.Socket);

    const socket = await raw(port);
    socket.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01]));
    await sleep(10);
    socket.resetAndDestroy();
    await sleep(20);

    client.push("after the reset\n");
    await waitUntil(() => client.frames.length === 1, "the echo arrives");
    expect(client.frames).toEqual(["after the reset"]);
    expect(made).toHaveLength(1);
    expect(made[0]!.errors).toEqual([]);
    expect(fixture.faults.seen).toEqual([]);
  });
});

describe("a socket error", () => {
  it("from another realm reaches the error event as it is, with its code", async () => {
    // Node's own socket errors are made outside a vm context (such as Jest's), so they fail
    // `instanceof Error` there; they must not be turned into a new Error without their code.
    const foreign = vm.runInNewContext("Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })") as Error;
    expect(foreign instanceof Error).toBe(false);
    const [near, far] = createSocketPair();
    const channel = new Service(near);
    const closed = once(channel, "close");
    near.destroy(foreign);
    await closed;
    far.destroy();
    expect(channel.errors).toHaveLength(1);
    expect(channel.errors[0]).toBe(foreign);
    expect(channel.closes).toBe(1);
  });
});
