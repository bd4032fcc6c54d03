/**
 * A real redis-server for the differential tests (the shared one of
 * test-support, on a free loopback port). And a connection that sends one
 * command at a time and returns the reply's exact bytes, to put the two
 * servers' replies side by side.
 */

import * as net from "node:net";
import { RedisServer } from "../../../test-support/redis-server";
import { command } from "./helpers";

export { RedisServer, freePort } from "../../../test-support/redis-server";

/** Starts `redis-server` on a free loopback port, with `extra` arguments (`--requirepass x`). */
export function startRedisServer(extra: readonly string[] = []): Promise<RedisServer> {
  return RedisServer.start({ args: extra });
}

/** Offset after the complete RESP2 reply starting at `at`, or -1 if it is not all there. */
export function replyEnd(bytes: Buffer, at: number): number {
  if (at >= bytes.length) return -1;
  const line = bytes.indexOf("\r\n", at);
  if (line < 0) return -1;
  const type = bytes[at];
  if (type === 43 || type === 45 || type === 58) return line + 2;
  const length = Number(bytes.toString("latin1", at + 1, line));
  if (type === 36) {
    if (length < 0) return line + 2;
    const end = line + 2 + length + 2;
    return end <= bytes.length ? end : -1;
  }
  if (type === 42) {
    let next = line + 2;
    for (let i = 0; i < length; i++) {
      next = replyEnd(bytes, next);
      if (next < 0) return -1;
    }
    return next;
  }
  throw new Error(`not a RESP2 reply: ${JSON.stringify(bytes.toString("latin1", at, at + 40))}`);
}

/** A connection that sends one command and resolves with its reply's bytes (latin1). */
export class ReplyReader {
  readonly #socket: net.Socket;
  #received = Buffer.alloc(0);
  #waiting: (() => void) | null = null;

  private constructor(socket: net.Socket) {
    this.#socket = socket;
    socket.on("data", (data: Buffer) => {
      this.#received = Buffer.concat([this.#received, data]);
      this.#waiting?.();
    });
    socket.on("error", () => undefined);
  }

  /** Connects to 127.0.0.1:`port`. */
  static connect(port: number): Promise<ReplyReader> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, "127.0.0.1", () => resolve(new ReplyReader(socket)));
      socket.once("error", reject);
    });
  }

  /** Sends a command (multibulk) and resolves with its complete reply, as latin1. */
  async send(...args: Array<string | Uint8Array>): Promise<string> {
    this.#socket.write(command(...args));
    for (;;) {
      const end = replyEnd(this.#received, 0);
      if (end >= 0) {
        const reply = this.#received.toString("latin1", 0, end);
        this.#received = this.#received.subarray(end);
        return reply;
      }
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no reply to ${args.join(" ")}`)), 10_000);
        this.#waiting = () => {
          clearTimeout(timer);
          this.#waiting = null;
          resolve();
        };
      });
    }
  }

  /** Closes the connection. */
  close(): void {
    this.#socket.destroy();
  }
}

/** A RESP2 reply as a value: strings for simple and bulk strings, numbers, arrays, null; errors as `{ error }`. */
export type Reply = string | number | null | { error: string } | Reply[];

/** Parses one complete RESP2 reply (latin1 text, as {@link ReplyReader.send} returns). */
export function parseReply(text: string): Reply {
  let at = 0;
  const line = (): string => {
    const end = text.indexOf("\r\n", at);
    const value = text.slice(at + 1, end);
    at = end + 2;
    return value;
  };
  const next = (): Reply => {
    const type = text[at];
    const head = line();
    if (type === "+") return head;
    if (type === "-") return { error: head };
    if (type === ":") return Number(head);
    const length = Number(head);
    if (length < 0) return null;
    if (type === "$") {
      const value = text.slice(at, at + length);
      at += length + 2;
      return value;
    }
    return Array.from({ length }, next);
  };
  return next();
}
