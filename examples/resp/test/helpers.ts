/**
 * What the RESP tests share: a server on an ephemeral port, a raw socket
 * client that collects replies, RESP encoding of commands, and redis-cli.
 */

import { execFile } from "node:child_process";
import * as net from "node:net";
import { type RespServer, type RespServerOptions, startRespServer } from "../server";

/** A server on 127.0.0.1, on a port the system picks. */
export function testServer(options: RespServerOptions = {}): Promise<RespServer> {
  return startRespServer({ port: 0, host: "127.0.0.1", ...options });
}

/** The port a test server listens on. */
export function portOf(server: RespServer): number {
  return server.address!.port;
}

/** A command as a RESP multibulk array of bulk strings. */
export function command(...args: Array<string | Uint8Array>): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = typeof arg === "string" ? Buffer.from(arg, "latin1") : Buffer.from(arg);
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from("\r\n"));
  }
  return Buffer.concat(parts);
}

/** How long a raw client waits for bytes that should come before it calls the test failed. */
const PATIENCE = 10_000;

/** A raw TCP client: writes bytes, collects everything the server sends, notices the close. */
export class RawClient {
  readonly #socket: net.Socket;
  #received = Buffer.alloc(0);
  #closed = false;
  #waiters: Array<() => void> = [];

  private constructor(socket: net.Socket) {
    this.#socket = socket;
    socket.on("data", (data: Buffer) => {
      this.#received = Buffer.concat([this.#received, data]);
      this.#wake();
    });
    socket.on("close", () => {
      this.#closed = true;
      this.#wake();
    });
    socket.on("error", () => undefined);
  }

  /** Connects to the server on `port`. */
  static connect(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, "127.0.0.1", () => {
        socket.off("error", reject);
        resolve(new RawClient(socket));
      });
      socket.setNoDelay(true);
      socket.once("error", reject);
    });
  }

  /** Everything received so far. */
  get received(): Buffer {
    return this.#received;
  }

  /** Whether the server closed the connection. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Writes bytes (a string as latin1) in one write. */
  send(data: string | Uint8Array): void {
    this.#socket.write(typeof data === "string" ? Buffer.from(data, "latin1") : data);
  }

  /** Resolves once `ready()` holds (checked on every arrival and on close); rejects after a long wait. */
  #until(ready: () => boolean, what: string): Promise<void> {
    if (ready()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`waited in vain for ${what}; received ${JSON.stringify(this.#received.toString("latin1"))}${this.#closed ? " and the close" : ""}`));
      }, PATIENCE);
      const check = (): void => {
        if (ready()) {
          clearTimeout(timer);
          resolve();
        } else if (this.#closed) {
          clearTimeout(timer);
          reject(new Error(`closed before ${what}; received ${JSON.stringify(this.#received.toString("latin1"))}`));
        } else this.#waiters.push(check);
      };
      this.#waiters.push(check);
    });
  }

  /** Waits for `length` bytes in all, and returns them as latin1 (what came first). */
  async read(length: number): Promise<string> {
    await this.#until(() => this.#received.length >= length, `${length} bytes`);
    return this.#received.subarray(0, length).toString("latin1");
  }

  /** Waits until what was received equals `expected` in length, then returns it all as latin1. */
  async reply(expected: string): Promise<string> {
    await this.read(Buffer.byteLength(expected, "latin1"));
    return this.#received.toString("latin1");
  }

  /** Waits for the server to close the connection; returns everything received, as latin1. */
  async closedReply(): Promise<string> {
    if (!this.#closed) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the server kept the connection open; received ${JSON.stringify(this.#received.toString("latin1"))}`)), PATIENCE);
        const check = (): void => {
          if (this.#closed) {
            clearTimeout(timer);
            resolve();
          } else this.#waiters.push(check);
        };
        this.#waiters.push(check);
      });
    }
    return this.#received.toString("latin1");
  }

  /** Clears what was received so far. */
  clear(): void {
    this.#received = Buffer.alloc(0);
  }

  /** Closes our side. */
  close(): void {
    this.#socket.destroy();
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter();
  }
}

/** Sends `input` on a fresh connection and returns what comes back, once it is as long as `expected`. */
export async function exchange(port: number, input: string | Uint8Array, expected: string): Promise<string> {
  const client = await RawClient.connect(port);
  try {
    client.send(input);
    return await client.reply(expected);
  } finally {
    client.close();
  }
}

/** The result of running redis-cli. */
export interface CliResult {
  stdout: string;
  stderr: string;
}

/** Runs `redis-cli -h 127.0.0.1 -p <port> ...args`, with `input` on its standard input. */
export function redisCli(port: number, args: readonly string[], input?: string | Buffer): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = execFile("redis-cli", ["-h", "127.0.0.1", "-p", String(port), ...args], { encoding: "latin1", timeout: 20_000 }, (error, stdout, stderr) => {
      if (error) reject(Object.assign(error, { stdout, stderr }));
      else resolve({ stdout, stderr });
    });
    child.stdin!.end(input ?? "");
  });
}
