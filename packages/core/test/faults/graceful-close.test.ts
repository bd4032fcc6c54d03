/**
 * Closing gracefully while output is still flowing: the server closing
 * during several large transfers, and a peer that ends its side while its
 * reply is still being produced. Every byte queued before the close (or
 * the peer's end) is delivered, in order, before the connection closes.
 */

import type * as net from "node:net";
import { ErrorCode } from "@asynchat/core";
import { rawConnect, readAll, waitUntil } from "../helpers";
import { pattern, useFaultFixture } from "./service";

const MiB = 1024 * 1024;

const fixture = useFaultFixture();
const { service, raw } = fixture;

describe("a graceful server close during active transfers", () => {
  it("delivers every byte queued to each client, byte for byte, then resolves", async () => {
    const { server, port, made } = await service();
    const total = 6 * MiB;
    const clients: net.Socket[] = [];
    for (let i = 0; i < 4; i++) {
      const socket = await raw(port);
      // Not reading yet: the transfers are held up in the middle when close() is called.
      socket.pause();
      socket.write(`BIG ${total}\nafter the stream ${i}\n`);
      clients.push(socket);
    }
    await waitUntil(() => made.length === 4 && made.every((channel) => channel.frames.length === 2), "every request is framed");
    await waitUntil(() => made.every((channel) => channel.streams[0]!.pulled > 0), "every transfer has begun");
    for (const [i, channel] of made.entries()) channel.push(`queued just before close ${i}\n`);

    let pulledWhenClosed: number[] = [];
    const closing = server.close().then(() => {
      pulledWhenClosed = made.map((channel) => channel.streams[0]!.pulled);
    });
    expect(server.listening).toBe(false);
    await expect(rawConnect(port)).rejects.toMatchObject({ code: "ECONNREFUSED" });
    expect(made.every((channel) => channel.streams[0]!.pulled < total)).toBe(true);

    const received = await Promise.all(
      clients.map((socket) => {
        const all = readAll(socket);
        socket.resume();
        return all;
      }),
    );
    await closing;
    for (const [i, bytes] of received.entries()) {
      const expected = Buffer.concat([pattern(total), Buffer.from(`after the stream ${i}\nqueued just before close ${i}\n`)]);
      expect(bytes.length).toBe(expected.length);
      expect(bytes.equals(expected)).toBe(true);
    }
    expect(pulledWhenClosed).toEqual(Array(4).fill(total));
    expect(made.every((channel) => channel.closed && channel.closes === 1 && channel.errors.length === 0)).toBe(true);
    expect(server.channels.size).toBe(0);
    expect(fixture.faults.seen).toEqual([]);
  });
});

describe("a peer that ends its side while its reply is being produced", () => {
  it("still gets the whole reply before the close, and its trailing partial line is reported with ERR_INCOMPLETE_FRAME", async () => {
    const { port, made } = await service();
    const total = 4 * MiB;
    const socket = await raw(port);
    const received = readAll(socket);
    socket.end(`BIG ${total}\nno newline`);
    const bytes = await received;
    expect(bytes.length).toBe(total);
    expect(bytes.equals(pattern(total))).toBe(true);
    const channel = made[0]!;
    await waitUntil(() => channel.closed, "the channel closes");
    expect(channel.frames).toEqual([`BIG ${total}`]);
    expect(channel.errors).toHaveLength(1);
    expect(channel.errors[0]).toMatchObject({ code: ErrorCode.INCOMPLETE_FRAME, length: 10 });
    expect(fixture.faults.seen).toEqual([]);
  });

  it("still gets the whole reply, then the answer to its trailing partial line with deliverPartialFrameAtEnd", async () => {
    const { port, made } = await service({ channelOptions: { deliverPartialFrameAtEnd: true } });
    const total = 4 * MiB;
    const socket = await raw(port);
    const received = readAll(socket);
    socket.end(`BIG ${total}\nno newline`);
    const bytes = await received;
    expect(bytes.length).toBe(total + "no newline\n".length);
    expect(bytes.subarray(0, total).equals(pattern(total))).toBe(true);
    expect(bytes.subarray(total).toString()).toBe("no newline\n");
    const channel = made[0]!;
    await waitUntil(() => channel.closed, "the channel closes");
    expect(channel.frames).toEqual([`BIG ${total}`, "no newline"]);
    expect(channel.errors).toEqual([]);
    expect(fixture.faults.seen).toEqual([]);
  });
});
