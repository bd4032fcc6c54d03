/**
 * Small helpers shared by the core tests: a channel that logs every call the
 * framer makes, and a few promise helpers for sockets and events.
 */

import type { Duplex } from "node:stream";
import * as net from "node:net";
import { AsyncChat, type AsyncChatOptions, type Terminator } from "@asynchat/core";

/** One call into user code, in order. */
export type Call = { data: string } | { found: string | null; matched: string | Uint8Array | null };

/** A channel that only sends: its input is ignored. */
export class Sender extends AsyncChat {
  override collectIncomingData(): void {}
  override foundTerminator(): void {}
}

/**
 * Logs every `collectIncomingData` piece and every `foundTerminator`, as
 * latin1 strings so that any byte round-trips. `onFound` runs inside
 * `foundTerminator` after the frame is logged.
 */
export class CallLog extends AsyncChat {
  readonly calls: Call[] = [];
  readonly frames: string[] = [];
  /** Every buffer handed to collectIncomingData, as it was handed. */
  readonly pieces: Buffer[] = [];
  #parts: string[] = [];
  onFound: ((frame: string, channel: CallLog) => void) | null = null;
  onData: ((data: Buffer, channel: CallLog) => void) | null = null;

  constructor(terminator: Terminator = "\r\n", socket: Duplex | null = null, options?: AsyncChatOptions) {
    super(socket, options);
    this.setTerminator(terminator);
  }

  /** The bytes of the frame under way, as collected so far. */
  get pending(): string {
    return this.#parts.join("");
  }

  override collectIncomingData(data: Buffer): void {
    this.pieces.push(data);
    const text = data.toString("latin1");
    this.calls.push({ data: text });
    this.#parts.push(text);
    this.onData?.(data, this);
  }

  override foundTerminator(): void {
    const frame = this.#parts.join("");
    this.#parts = [];
    this.frames.push(frame);
    this.calls.push({ found: frame, matched: this.getMatchedTerminator() });
    this.onFound?.(frame, this);
  }

  /** Forgets the frame under way (for tests that drop buffers). */
  forgetPending(): void {
    this.#parts = [];
  }
}

/** Bytes from a latin1 string: every char one byte. */
export function bytes(text: string): Buffer {
  return Buffer.from(text, "latin1");
}

/** Feeds each chunk (latin1 strings or bytes) to `handleRead` in turn. */
export function feed(channel: AsyncChat, ...chunks: Array<string | Uint8Array>): void {
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

/** Resolves with the arguments of the next `event` of `emitter`. */
export function once<T extends unknown[] = unknown[]>(
  emitter: { once(event: string, listener: (...args: any[]) => void): unknown },
  event: string,
): Promise<T> {
  return new Promise((resolve) => emitter.once(event, (...args: unknown[]) => resolve(args as T)));
}

/** Polls `condition` every few ms until it holds; rejects after `timeout` ms with `what`. */
export async function waitUntil(condition: () => boolean, what: string, timeout = 5000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(2);
  }
}

/** Collects everything a readable side delivers until it ends (or closes). */
export function readAll(socket: Duplex): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    socket.on("data", (data: Buffer | string) => parts.push(Buffer.isBuffer(data) ? data : Buffer.from(data)));
    socket.once("end", () => resolve(Buffer.concat(parts)));
    socket.once("close", () => resolve(Buffer.concat(parts)));
    socket.once("error", reject);
  });
}

/** Opens a raw TCP connection to 127.0.0.1:`port`, resolved once connected. */
export function rawConnect(port: number, options: { allowHalfOpen?: boolean } = {}): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: "127.0.0.1", allowHalfOpen: options.allowHalfOpen ?? true }, () => {
      socket.off("error", reject);
      resolve(socket);
    });
    socket.once("error", reject);
  });
}

/**
 * A loopback pair of real TCP sockets: `server` is the accepted end,
 * `client` the connecting one. Both allow half-open.
 */
export async function loopbackPair(): Promise<{ server: net.Socket; client: net.Socket; close: () => Promise<void> }> {
  const listener = net.createServer({ allowHalfOpen: true });
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
  const { port } = listener.address() as net.AddressInfo;
  const accepted = once<[net.Socket]>(listener, "connection");
  const client = await rawConnect(port);
  const [server] = await accepted;
  const close = async (): Promise<void> => {
    client.destroy();
    server.destroy();
    await new Promise<void>((resolve) => listener.close(() => resolve()));
  };
  return { server, client, close };
}
