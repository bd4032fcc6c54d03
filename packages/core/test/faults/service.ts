/**
 * A small line service for the fault tests: it echoes lines, streams large
 * replies through async producers, and has commands that make its own code
 * fail in each way a channel must survive. Each channel records its frames,
 * errors and closes.
 */

import type * as net from "node:net";
import type { Duplex } from "node:stream";
import type * as tls from "node:tls";
import { AsyncChat, ChatServer, type AsyncChatOptions, type ChatServerOptions, type Producer } from "@asynchat/core";
import { rawConnect } from "../helpers";
import { type ProcessFaults, watchProcessFaults } from "../process-faults";
import { TextReader, cert, key } from "../peers";

/** Byte `i` of every streamed reply. */
export function patternByte(i: number): number {
  return i % 251;
}

/** `total` bytes of the pattern. */
export function pattern(total: number): Buffer {
  const out = Buffer.allocUnsafe(total);
  for (let i = 0; i < total; i++) out[i] = patternByte(i);
  return out;
}

/** An async producer of `total` pattern bytes in 64 KiB pieces, each after a turn of the event loop. */
export class PatternStream implements Producer {
  pulled = 0;
  discarded = false;
  constructor(readonly total: number) {}

  async more(): Promise<Buffer> {
    await new Promise((resolve) => setImmediate(resolve));
    const size = Math.min(64 * 1024, this.total - this.pulled);
    const out = Buffer.allocUnsafe(size);
    for (let i = 0; i < size; i++) out[i] = patternByte(this.pulled + i);
    this.pulled += size;
    return out;
  }

  discard(): void {
    this.discarded = true;
  }
}

/**
 * Commands, one per line: `BIG n` streams n pattern bytes; `THROW` throws
 * from foundTerminator; `PRODUCER-THROWS` and `PRODUCER-REJECTS` queue a
 * reply whose producer fails after its first piece; `PUSH-AFTER-CLOSE`
 * closes the channel, then pushes again at once and a little later;
 * `STARTTLS` answers "220 ready" and upgrades as server. Anything else is
 * echoed.
 */
export class Service extends AsyncChat {
  readonly frames: string[] = [];
  readonly errors: Error[] = [];
  readonly streams: PatternStream[] = [];
  /** Exceptions that escaped push() after close (there must be none). */
  readonly pushThrew: unknown[] = [];
  /** The STARTTLS upgrade, once asked for. */
  upgrade: Promise<tls.TLSSocket> | null = null;
  closes = 0;
  #parts: Buffer[] = [];

  constructor(socket: Duplex, options?: AsyncChatOptions) {
    super(socket, options);
    this.setTerminator("\n");
    this.on("error", (error) => this.errors.push(error));
    this.on("close", () => this.closes++);
  }

  /** The bytes of the line under way, as collected so far. */
  get partial(): string {
    return Buffer.concat(this.#parts).toString("latin1");
  }

  override collectIncomingData(data: Buffer): void {
    this.#parts.push(data);
  }

  override foundTerminator(): void {
    const line = Buffer.concat(this.#parts).toString("latin1");
    this.#parts = [];
    this.frames.push(line);
    if (line.startsWith("BIG ")) {
      const stream = new PatternStream(Number(line.slice(4)));
      this.streams.push(stream);
      this.pushWithProducer(stream);
    } else if (line === "STARTTLS") {
      this.push("220 ready\n");
      this.upgrade = this.startTls({ isServer: true, key, cert });
    } else if (line === "THROW") {
      throw new Error("a handler failed");
    } else if (line === "PRODUCER-THROWS" || line === "PRODUCER-REJECTS") {
      const rejects = line === "PRODUCER-REJECTS";
      let calls = 0;
      this.push("before\n");
      this.pushWithProducer({
        more: (): string | Promise<string> => {
          if (calls++ === 0) return "first piece\n";
          if (rejects) return Promise.reject(new Error("the producer's source failed"));
          throw new Error("the producer's source failed");
        },
      });
      this.push("never sent\n");
    } else if (line === "PUSH-AFTER-CLOSE") {
      this.push("bye\n");
      this.close();
      this.#pushLate("late\n");
      setTimeout(() => this.#pushLate("later still\n"), 5);
    } else {
      this.push(`${line}\n`);
    }
  }

  #pushLate(data: string): void {
    try {
      this.push(data);
      this.pushWithProducer(new PatternStream(10));
    } catch (error) {
      this.pushThrew.push(error);
    }
  }
}

/** A running service: its server, port and every channel it made. */
export interface RunningService {
  server: ChatServer<Service>;
  port: number;
  made: Service[];
}

/** Starts the service on a free loopback port. */
export async function startService(options: ChatServerOptions = {}): Promise<RunningService> {
  const server = new ChatServer(Service, options);
  const made: Service[] = [];
  server.on("connection", (channel) => made.push(channel));
  const { port } = await server.listen(0, "127.0.0.1");
  return { server, port, made };
}

/** A well-behaved client: sends a line and waits for its echo. */
export class EchoClient {
  readonly reader: TextReader;
  #asked = 0;

  private constructor(readonly socket: net.Socket) {
    this.reader = new TextReader(socket);
  }

  static async connect(port: number): Promise<EchoClient> {
    return new EchoClient(await rawConnect(port));
  }

  /** Sends a unique line and resolves once its echo has come back. */
  async check(): Promise<void> {
    const line = `still served ${++this.#asked}\n`;
    this.socket.write(line);
    await this.reader.until(line);
  }
}

/** What the fault tests share: services and raw sockets closed after each test, and a watch on process-level faults. */
export interface FaultFixture {
  /** Starts a service, closed at once after the test. */
  service(options?: ChatServerOptions): Promise<RunningService>;
  /** A raw client socket, destroyed after the test. */
  raw(port: number): Promise<net.Socket>;
  /** Closes a server started otherwise after the test. */
  adopt(running: RunningService): void;
  /** Destroys a socket after the test. */
  track(socket: net.Socket): void;
  /** The process faults seen during the current test. */
  readonly faults: ProcessFaults;
}

/** Registers the hooks of a {@link FaultFixture} in the current test file and returns it. */
export function useFaultFixture(): FaultFixture {
  let faults: ProcessFaults | null = null;
  const services: RunningService[] = [];
  const sockets: net.Socket[] = [];
  beforeEach(() => {
    faults = watchProcessFaults();
  });
  afterEach(async () => {
    faults?.stop();
    for (const socket of sockets.splice(0)) socket.destroy();
    await Promise.all(services.splice(0).map(({ server }) => server.close({ graceful: false })));
  });
  return {
    async service(options) {
      const running = await startService(options);
      services.push(running);
      return running;
    },
    async raw(port) {
      const socket = await rawConnect(port);
      sockets.push(socket);
      return socket;
    },
    adopt(running) {
      services.push(running);
    },
    track(socket) {
      sockets.push(socket);
    },
    get faults() {
      if (faults === null) throw new Error("the fault fixture is used outside a test");
      return faults;
    },
  };
}
