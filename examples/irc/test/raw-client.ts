/**
 * A line-oriented test client on a raw socket: send lines, wait for the
 * line that answers them. Every line received is checked against the IRC
 * message grammar (`grammar.ts`); a test server's `stop` fails the test if
 * any line of any of its clients broke it.
 */

import * as net from "node:net";
import { IrcServer } from "../server";
import type { IrcServerOptions } from "../settings";
import { checkServerLine } from "./grammar";

/** A numeric reply line, e.g. `numeric("433")` matches `:irc.local 433 ...`. */
export function numeric(code: string): RegExp {
  return new RegExp(`^:\\S+ ${code} `);
}

/** A raw connection to the server that records every line it receives. */
export class RawClient {
  /** Every line received, without its CR LF. */
  readonly lines: string[] = [];
  /** Lines received that break the message grammar, each with why. */
  readonly violations: string[] = [];
  /** The nickname the server knows this client by (from 001 and its own NICK changes), or undefined before 001. */
  nick: string | undefined;
  readonly socket: net.Socket;
  #cursor = 0;
  #partial = "";
  #waiters: Array<() => void> = [];
  #closed = false;
  #syncs = 0;
  #answerPings = false;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setEncoding("utf8");
    socket.on("data", (data: string) => {
      const parts = (this.#partial + data).split("\r\n");
      this.#partial = parts.pop()!;
      this.lines.push(...parts);
      for (const line of parts) this.#check(line);
      if (this.#answerPings) for (const line of parts) if (line.startsWith("PING ")) this.send(`PONG ${line.slice(5)}`);
      this.#wake();
    });
    socket.on("error", () => undefined);
    socket.on("close", () => {
      this.#closed = true;
      this.#wake();
    });
  }

  /** Connects to a server. */
  static connect(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, "127.0.0.1", () => resolve(new RawClient(socket)));
      socket.once("error", reject);
    });
  }

  /** Registers as `nick` (after PASS when given); resolves once the MOTD (or 422) has arrived. */
  async register(nick: string, password?: string): Promise<void> {
    if (password !== undefined) this.send(`PASS ${password}`);
    this.send(`NICK ${nick}`, `USER ${nick} 0 * :${nick} Tester`);
    await this.expect(/^:\S+ (376|422) /);
  }

  /** From now on, answers every PING from the server with a PONG, as a live client does. */
  answerPings(): void {
    this.#answerPings = true;
  }

  /** Whether the server has closed the connection. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Sends each line with CR LF. */
  send(...lines: string[]): void {
    this.socket.write(lines.map((line) => `${line}\r\n`).join(""));
  }

  /** Sends bytes as they are. */
  sendRaw(data: string | Buffer): void {
    this.socket.write(data);
  }

  /**
   * Resolves with the first line after the previously matched one that
   * matches; the lines before it are passed over. Rejects if the connection
   * closes or nothing matches in time.
   */
  async expect(pattern: RegExp, timeout = 10_000): Promise<string> {
    const deadline = Date.now() + timeout;
    for (;;) {
      for (let i = this.#cursor; i < this.lines.length; i++) {
        if (pattern.test(this.lines[i]!)) {
          this.#cursor = i + 1;
          return this.lines[i]!;
        }
      }
      if (this.#closed) throw new Error(`connection closed before a line matched ${pattern}; got:\n${this.#unread()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no line matched ${pattern} in ${timeout} ms; got:\n${this.#unread()}`);
      await this.#next(left);
    }
  }

  /**
   * Sends a PING and returns every line that arrived before its PONG (the
   * server answers in order, so this is everything our earlier lines caused).
   */
  async sync(): Promise<string[]> {
    const token = `sync-${++this.#syncs}`;
    const start = this.#cursor;
    this.send(`PING ${token}`);
    await this.expect(new RegExp(`^:\\S+ PONG \\S+ :?${token}$`));
    return this.lines.slice(start, this.#cursor - 1);
  }

  /** Resolves once the server has closed the connection. */
  async waitForClose(timeout = 5000): Promise<void> {
    const deadline = Date.now() + timeout;
    while (!this.#closed) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`the connection is still open after ${timeout} ms`);
      await this.#next(left);
    }
  }

  /** Closes our side. */
  close(): void {
    this.socket.destroy();
  }

  #check(line: string): void {
    const problem = checkServerLine(line, this.nick);
    if (problem !== null) this.violations.push(`${problem}: ${JSON.stringify(line)}`);
    const welcome = /^:\S+ 001 (\S+) /.exec(line);
    if (welcome !== null) this.nick = welcome[1];
    const rename = /^:([^!\s]+)!\S+ NICK :?(\S+)$/.exec(line);
    if (rename !== null && rename[1] === this.nick) this.nick = rename[2];
  }

  #unread(): string {
    return this.lines.slice(this.#cursor).join("\n");
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  #next(timeout: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeout);
      this.#waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

/** Starts a server on a free port for a test file; `stop` closes it and every client made with `client`. */
export async function testServer(options: IrcServerOptions = {}): Promise<{
  server: IrcServer;
  port: number;
  connect(): Promise<RawClient>;
  client(nick: string, password?: string): Promise<RawClient>;
  stop(): Promise<void>;
}> {
  const server = new IrcServer(options);
  const { port } = await server.listen(0, "127.0.0.1");
  const clients: RawClient[] = [];
  return {
    server,
    port,
    async connect() {
      const client = await RawClient.connect(port);
      clients.push(client);
      return client;
    },
    async client(nick, password) {
      const client = await RawClient.connect(port);
      clients.push(client);
      await client.register(nick, password);
      return client;
    },
    async stop() {
      for (const client of clients) client.close();
      await server.close();
      const violations = clients.flatMap((client) => client.violations);
      if (violations.length > 0) throw new Error(`lines that break the IRC message grammar:\n${violations.join("\n")}`);
    },
  };
}
