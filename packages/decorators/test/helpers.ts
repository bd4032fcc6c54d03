/**
 * Helpers shared by the decorators tests: feeding a socketless channel,
 * waiting for sockets and events, a loopback connection, and a way to
 * measure how much memory a run keeps.
 */

import * as net from "node:net";
import type { Duplex } from "node:stream";
import type { AsyncChat } from "@asynchat/core";
import { fullGc } from "../../../test-support/gc";

/** Bytes from a latin1 string: every char one byte. */
export function bytes(text: string): Buffer {
  return Buffer.from(text, "latin1");
}

/** Feeds each chunk (latin1 strings or bytes) to `handleRead` in turn. */
export function feed(channel: AsyncChat<any>, ...chunks: Array<string | Uint8Array>): void {
  for (const chunk of chunks) channel.handleRead(typeof chunk === "string" ? bytes(chunk) : chunk);
}

/** Resolves after pending microtasks and one turn of the event loop. */
export function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `condition` every few ms until it holds; rejects after `timeout` ms naming `what`. */
export async function waitUntil(condition: () => boolean, what: string, timeout = 5000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(2);
  }
}

/** Every `error` event of `channel`, in order. */
export function errorsOf(channel: AsyncChat<any>): Error[] {
  const errors: Error[] = [];
  (channel as AsyncChat).on("error", (error) => errors.push(error));
  return errors;
}

/** Resolves when `channel` emits `close` (after its socket has closed). */
export function closeEvent(channel: AsyncChat<any>): Promise<void> {
  return new Promise((resolve) => (channel as AsyncChat).once("close", () => resolve()));
}

/** Collects what a socket receives, as latin1 text, until `text()` is read. */
export function collect(socket: Duplex): { text: () => string; ended: () => boolean } {
  const parts: Buffer[] = [];
  let ended = false;
  socket.on("data", (data: Buffer) => parts.push(data));
  socket.on("end", () => (ended = true));
  socket.on("close", () => (ended = true));
  return { text: () => Buffer.concat(parts).toString("latin1"), ended: () => ended };
}

/** Opens a raw TCP connection to 127.0.0.1:`port`, resolved once connected. */
export function rawConnect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: "127.0.0.1", allowHalfOpen: true }, () => {
      socket.off("error", reject);
      resolve(socket);
    });
    socket.once("error", reject);
  });
}

/** A loopback TCP connection: `server` is the accepted end, `client` the connecting one. */
export async function loopbackPair(): Promise<{ server: net.Socket; client: net.Socket; close: () => Promise<void> }> {
  const listener = net.createServer({ allowHalfOpen: true });
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
  const { port } = listener.address() as net.AddressInfo;
  const accepted = new Promise<net.Socket>((resolve) => listener.once("connection", resolve));
  const client = await rawConnect(port);
  const server = await accepted;
  const close = async (): Promise<void> => {
    client.destroy();
    server.destroy();
    await new Promise<void>((resolve) => listener.close(() => resolve()));
  };
  return { server, client, close };
}

/** Memory the process keeps after a full collection: the JS heap plus Buffer memory. */
export function retainedMemory(): number {
  fullGc();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

/** One mebibyte. */
export const MiB = 1024 * 1024;
