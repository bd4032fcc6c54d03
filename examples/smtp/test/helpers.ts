/**
 * Test helpers: a throw-away Maildir, a server on a free port, a raw SMTP
 * client that reads replies, and reading what was delivered.
 */

import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import type { Duplex } from "node:stream";
import type { SmtpServerOptions } from "../config";
import { type SmtpServer, startSmtpServer } from "../server";

const FIXTURES = path.join(__dirname, "..", "..", "..", "packages", "core", "test", "fixtures");

/** The self-signed localhost certificate kept as a test fixture. */
export async function fixtureCertificate(): Promise<{ key: Buffer; cert: Buffer }> {
  const [key, cert] = await Promise.all([readFile(path.join(FIXTURES, "localhost-key.pem")), readFile(path.join(FIXTURES, "localhost-cert.pem"))]);
  return { key, cert };
}

/** A server on 127.0.0.1 and a free port, delivering to a new temporary Maildir; `done()` closes both. */
export interface TestServer {
  server: SmtpServer;
  port: number;
  maildir: string;
  done(): Promise<void>;
}

/** Starts a server with `options` (the Maildir is made up) on a free port. */
export async function startTestServer(options: Partial<SmtpServerOptions> = {}): Promise<TestServer> {
  const maildir = await mkdtemp(path.join(os.tmpdir(), "smtp-test-"));
  const server = await startSmtpServer({ hostname: "mx.test", ...options, maildir });
  return {
    server,
    port: server.address!.port,
    maildir,
    async done() {
      await server.close();
      await rm(maildir, { recursive: true, force: true });
    },
  };
}

/** The files of a Maildir's `new/` (or `tmp/`) folder, oldest name first. */
export async function listMaildir(maildir: string, folder: "new" | "tmp" | "cur" = "new"): Promise<string[]> {
  return (await readdir(path.join(maildir, folder))).sort();
}

/** Every message in `new/`, as bytes, in name order (names start with the delivery time). */
export async function deliveredMessages(maildir: string): Promise<Buffer[]> {
  const names = await listMaildir(maildir);
  return Promise.all(names.map((name) => readFile(path.join(maildir, "new", name))));
}

/** The headers the server puts on top of a delivered message, and the message as it was sent. */
export interface DeliveredParts {
  /** The address in `Return-Path: <...>` (the envelope sender; "" for `<>`). */
  returnPath: string;
  /** The address in `Delivered-To:` (the envelope recipient of this copy). */
  deliveredTo: string;
  /** The Received header with its folded lines, CRLFs included. */
  received: string;
  /** Everything after the Received header. */
  rest: Buffer;
}

/** Splits a delivered message into `Return-Path:`, `Delivered-To:`, the Received header and the rest; throws if they are missing. */
export function splitTrace(message: Buffer): DeliveredParts {
  const text = message.toString("latin1");
  const head = /^Return-Path: <([^>\r\n]*)>\r\nDelivered-To: ([^\r\n]+)\r\n/.exec(text);
  if (head === null) throw new Error(`the message does not start with Return-Path and Delivered-To: ${JSON.stringify(text.slice(0, 80))}`);
  const start = head[0].length;
  if (!text.startsWith("Received: ", start)) throw new Error(`no Received header after Delivered-To: ${JSON.stringify(text.slice(start, start + 60))}`);
  let end = text.indexOf("\r\n", start) + 2;
  while (text[end] === "\t" || text[end] === " ") end = text.indexOf("\r\n", end) + 2;
  return { returnPath: head[1]!, deliveredTo: head[2]!, received: text.slice(start, end), rest: message.subarray(end) };
}

/** Splits a delivered message into its Received header (with its folded lines) and what follows it, past Return-Path and Delivered-To. */
export function splitReceived(message: Buffer): { received: string; rest: Buffer } {
  const { received, rest } = splitTrace(message);
  return { received, rest };
}

/** One SMTP reply: its code and its text lines (without code and separator). */
export interface Reply {
  code: number;
  lines: string[];
  /** The reply as received, CRLFs included. */
  raw: string;
}

/** A raw SMTP client over a socket (plain or TLS): send bytes, read whole replies. */
export class RawClient {
  #buffer = "";
  #waiters: Array<() => void> = [];
  #closed = false;
  /** Resolves when the connection has closed. */
  readonly closed: Promise<void>;

  readonly #onData = (data: Buffer): void => {
    this.#buffer += data.toString("latin1");
    this.#wake();
  };

  constructor(readonly socket: Duplex) {
    socket.on("data", this.#onData);
    socket.on("error", () => undefined);
    this.closed = new Promise((resolve) => {
      socket.once("close", () => {
        this.#closed = true;
        this.#wake();
        resolve();
      });
    });
  }

  /** Stops reading the socket (to hand it to TLS) and returns it; nothing may be left unread. */
  detach(): Duplex {
    if (this.#buffer.length > 0) throw new Error(`unread bytes before detaching: ${JSON.stringify(this.#buffer)}`);
    this.socket.off("data", this.#onData);
    return this.socket;
  }

  /** Connects to `port` on 127.0.0.1. */
  static async connect(port: number): Promise<RawClient> {
    const socket = net.connect(port, "127.0.0.1");
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    return new RawClient(socket);
  }

  /** Connects and reads the greeting. */
  static async greeted(port: number): Promise<RawClient> {
    const client = await RawClient.connect(port);
    const greeting = await client.reply();
    if (greeting.code !== 220) throw new Error(`expected a 220 greeting, got ${greeting.raw}`);
    return client;
  }

  /** Writes `data` in one write. */
  send(data: string | Buffer): void {
    this.socket.write(typeof data === "string" ? Buffer.from(data, "latin1") : data);
  }

  /** Writes `data` and waits until it has been handed to the OS (backpressure). */
  async write(data: string | Buffer): Promise<void> {
    await new Promise<void>((resolve, reject) => this.socket.write(typeof data === "string" ? Buffer.from(data, "latin1") : data, (error) => (error ? reject(error) : resolve())));
  }

  /** The next complete reply; rejects if the connection closes first. */
  async reply(): Promise<Reply> {
    for (;;) {
      const reply = this.#takeReply();
      if (reply !== null) return reply;
      if (this.#closed) throw new Error(`the connection closed before a complete reply; unparsed: ${JSON.stringify(this.#buffer)}`);
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /** The next `n` replies. */
  async replies(n: number): Promise<Reply[]> {
    const result: Reply[] = [];
    for (let i = 0; i < n; i++) result.push(await this.reply());
    return result;
  }

  /** Sends a command and returns its reply. */
  async command(line: string): Promise<Reply> {
    this.send(`${line}\r\n`);
    return this.reply();
  }

  /** Waits for the connection to close and returns everything received and not yet read as replies. */
  async rest(): Promise<string> {
    await this.closed;
    const rest = this.#buffer;
    this.#buffer = "";
    return rest;
  }

  /** Closes the connection from this side. */
  destroy(): void {
    this.socket.destroy();
  }

  #takeReply(): Reply | null {
    const lines: string[] = [];
    let at = 0;
    for (;;) {
      const end = this.#buffer.indexOf("\r\n", at);
      if (end < 0) return null;
      const line = this.#buffer.slice(at, end);
      at = end + 2;
      lines.push(line.slice(4));
      if (line.length === 3 || line[3] === " ") {
        const raw = this.#buffer.slice(0, at);
        this.#buffer = this.#buffer.slice(at);
        return { code: Number(line.slice(0, 3)), lines, raw };
      }
    }
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}

/** The codes of `replies`. */
export function codes(replies: Reply[]): number[] {
  return replies.map((r) => r.code);
}

/** A message of about `size` bytes: headers, then lines of printable text, some starting with dots. CRLF line ends. */
export function makeMessage(size: number, options: { eightBit?: boolean } = {}): Buffer {
  const head = [
    "From: Sender <sender@example.test>",
    "To: Receiver <receiver@example.test>",
    "Subject: a test message",
    "Message-ID: <test-message@example.test>",
    "MIME-Version: 1.0",
    `Content-Type: text/plain; charset=${options.eightBit ? "utf-8" : "us-ascii"}`,
    `Content-Transfer-Encoding: ${options.eightBit ? "8bit" : "7bit"}`,
    "",
  ].join("\r\n");
  const lines = [head];
  let length = head.length + 2;
  for (let i = 0; length < size; i++) {
    let line: string;
    if (i % 17 === 0) line = ".a line starting with a dot";
    else if (i % 23 === 0) line = "..two dots";
    else if (i % 29 === 0) line = ".";
    else if (i % 31 === 0) line = "";
    else line = `line ${i} ${"abcdefghijklmnopqrstuvwxyz0123456789".repeat(2)}`;
    if (options.eightBit && i % 5 === 0) line += " grüße, ½ €, 日本語";
    lines.push(line);
    length += Buffer.byteLength(line) + 2;
  }
  return Buffer.from(`${lines.join("\r\n")}\r\n`, "utf8");
}

/** Dot-stuffs a CRLF message for DATA and appends the terminating ".". */
export function dotStuff(message: Buffer): Buffer {
  const text = message.toString("latin1");
  const stuffed = (text.startsWith(".") ? "." : "") + text.replace(/\r\n\./g, "\r\n..");
  return Buffer.from(`${stuffed}.\r\n`, "latin1");
}
