/**
 * What the hostile-input tests of the example servers share: a watch on the
 * process for uncaught exceptions and unhandled rejections, raw TCP peers
 * (well-behaved, flooding, trickling, never reading), transcripts mutated
 * and split by fast-check, a client that keeps checking it is served while
 * the others misbehave, and measures of memory and of a channel's counters.
 *
 * Only Node's built-in modules, fast-check and the public API of
 * `@asynchat/core` are used here, so this file compiles with the examples.
 */

import * as net from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import * as v8 from "node:v8";
import * as vm from "node:vm";
import type { AsyncChat } from "@asynchat/core";
import fc from "fast-check";

// ------------------------------------------------------------ the process

/**
 * The real process. Jest gives each test file its own copy of `process`, and
 * listeners on that copy never hear of the process's uncaught exceptions or
 * unhandled rejections. Node's built-in modules live in the outer realm: a
 * function compiled there sees the real `process` as its global (outside
 * Jest it is the same object).
 */
const outerFunction = Object.getPrototypeOf(net.createConnection).constructor as FunctionConstructor;
const realProcess = new outerFunction("return process")() as NodeJS.Process;

/** One fault the process saw. */
export interface Fault {
  kind: "uncaughtException" | "unhandledRejection";
  error: unknown;
}

/** Records every uncaught exception and unhandled rejection of the process while it is on. */
export class FaultWatch {
  /** The faults seen so far. */
  readonly seen: Fault[] = [];
  readonly #onException = (error: unknown): void => {
    this.seen.push({ kind: "uncaughtException", error });
  };
  readonly #onRejection = (error: unknown): void => {
    this.seen.push({ kind: "unhandledRejection", error });
  };

  private constructor() {
    realProcess.on("uncaughtException", this.#onException);
    realProcess.on("unhandledRejection", this.#onRejection);
  }

  /** Starts watching the process. */
  static start(): FaultWatch {
    return new FaultWatch();
  }

  /** The faults as text, one a line (empty when there were none). */
  describe(): string {
    return this.seen.map((f) => `${f.kind}: ${f.error instanceof Error ? (f.error.stack ?? f.error.message) : String(f.error)}`).join("\n");
  }

  /** Throws if any fault was seen. */
  check(context: string): void {
    if (this.seen.length > 0) throw new Error(`${context}: the process saw ${this.seen.length} fault(s):\n${this.describe()}`);
  }

  /** Stops watching. */
  stop(): void {
    realProcess.off("uncaughtException", this.#onException);
    realProcess.off("unhandledRejection", this.#onRejection);
  }
}

// ------------------------------------------------------------ memory

let collector: (() => void) | null | undefined;

/**
 * A function that runs a full garbage collection, or null if none can be
 * had. `global.gc` exists only under `--expose-gc`; without it the flag is
 * turned on for a moment, which makes V8 give new contexts a `gc` function.
 */
export function garbageCollector(): (() => void) | null {
  if (collector !== undefined) return collector;
  const exposed = (globalThis as { gc?: unknown }).gc;
  if (typeof exposed === "function") {
    collector = exposed as () => void;
    return collector;
  }
  try {
    v8.setFlagsFromString("--expose-gc");
    const gc: unknown = vm.runInNewContext("gc");
    collector = typeof gc === "function" ? (gc as () => void) : null;
  } catch {
    collector = null;
  } finally {
    v8.setFlagsFromString("--no-expose-gc");
  }
  return collector;
}

/**
 * Bytes of JavaScript heap and of Buffers still referenced, measured after a
 * full garbage collection (so garbage does not count). Throws if no
 * collection can be forced: a reading full of garbage would prove nothing.
 */
export function retainedMemory(): number {
  const gc = garbageCollector();
  if (gc === null) throw new Error("no garbage collection can be forced in this process");
  // The first collection finds dead Buffers; their memory is given back (and leaves `external`) by the next.
  gc();
  gc();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.external;
}

/** One mebibyte. */
export const MiB = 1024 * 1024;

/**
 * How far the resident set size may grow while a server takes a 10 MB line
 * it must not keep. Reading it costs a few MB of short-lived buffers; the
 * same line held whole costs about 27 MB (the reads it came in, one
 * concatenation, its text), which this bound does not let through.
 */
export const RSS_GROWTH_BOUND = 20 * MiB;

/**
 * Memory a server may still hold after taking megabytes of input it must
 * not keep, measured with {@link retainedMemory} before and after: what
 * running the code meanwhile leaves (compiled code, caches), not the input.
 */
export const HELD_BOUND = 2 * MiB;

/** The resident set size now. */
export function rss(): number {
  return process.memoryUsage().rss;
}

/**
 * The highest resident set size seen while it runs: sampled every few
 * milliseconds and whenever {@link sample} is called. A coarse bound, for
 * a bug that buffers megabytes, not for a leak of a few kilobytes.
 */
export class RssPeak {
  /** The resident set size when it started. */
  readonly baseline = rss();
  #peak = this.baseline;
  readonly #timer: NodeJS.Timeout;

  constructor(intervalMs = 5) {
    this.#timer = setInterval(() => this.sample(), intervalMs);
    this.#timer.unref();
  }

  /** Takes a sample now. */
  sample(): void {
    const now = rss();
    if (now > this.#peak) this.#peak = now;
  }

  /** How far above the baseline the resident set size went. */
  get growth(): number {
    return this.#peak - this.baseline;
  }

  /** Stops sampling; returns {@link growth}. */
  stop(): number {
    clearInterval(this.#timer);
    this.sample();
    return this.growth;
  }
}

/** A channel's own measures of what it holds, and what its socket has moved. */
export interface ChannelCounters {
  /** Input received and not yet framed (`AsyncChat.bufferedInput`). */
  bufferedInput: number;
  /** Output queued in the FIFO and the socket (`AsyncChat.queuedOutput`). */
  queuedOutput: number;
  /** Bytes the server has read from the connection. */
  bytesRead: number;
  /** Bytes the server has written to the connection. */
  bytesWritten: number;
}

/** The counters of `channel` now. */
export function countersOf(channel: AsyncChat<any>): ChannelCounters {
  const socket = channel.socket as net.Socket | null;
  return {
    bufferedInput: channel.bufferedInput,
    queuedOutput: channel.queuedOutput,
    bytesRead: socket?.bytesRead ?? 0,
    bytesWritten: socket?.bytesWritten ?? 0,
  };
}

/**
 * The highest value each of a channel's counters reaches while it is
 * watched: sampled after every read of its socket (after the channel has
 * framed it) and every few milliseconds.
 */
export class CounterPeaks {
  /** The highest values seen. */
  readonly peak: ChannelCounters = { bufferedInput: 0, queuedOutput: 0, bytesRead: 0, bytesWritten: 0 };
  readonly #channel: AsyncChat<any>;
  readonly #timer: NodeJS.Timeout;
  readonly #onData = (): void => this.sample();

  constructor(channel: AsyncChat<any>, intervalMs = 5) {
    this.#channel = channel;
    channel.socket?.on("data", this.#onData);
    this.#timer = setInterval(() => this.sample(), intervalMs);
    this.#timer.unref();
    this.sample();
  }

  /** Takes a sample now (nothing once the channel has closed). */
  sample(): void {
    if (this.#channel.closed) return;
    const now = countersOf(this.#channel);
    for (const key of Object.keys(now) as Array<keyof ChannelCounters>) if (now[key] > this.peak[key]) this.peak[key] = now[key];
  }

  /** Stops watching; returns the peaks. */
  stop(): ChannelCounters {
    this.sample();
    clearInterval(this.#timer);
    this.#channel.socket?.off("data", this.#onData);
    return this.peak;
  }
}

/** The channel whose peer is `peer` (matched by port), among a server's channels. */
export function channelOf<C extends AsyncChat<any>>(channels: Iterable<C>, peer: Peer): C {
  const port = peer.socket.localPort;
  for (const channel of channels) if ((channel.socket as net.Socket | null)?.remotePort === port) return channel;
  throw new Error(`no channel of the server has the peer on port ${String(port)}`);
}

// ------------------------------------------------------------ waiting

/** Polls `test` until it holds; throws naming `what` if it does not within `ms`. */
export async function waitUntil(test: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = performance.now() + ms;
  while (!test()) {
    if (performance.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(5);
  }
}

/** Resolves with `promise`'s value, or rejects naming `what` after `ms`. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

// ------------------------------------------------------------ raw peers

/** How a {@link Peer} connects. */
export interface PeerOptions {
  /** Read what the server sends (default). `false`: never read, as a peer that only pipelines. */
  read?: boolean;
}

/**
 * A raw TCP client: writes bytes, keeps everything the server sends, and
 * knows when the server has closed the connection. Errors of the socket
 * (a reset, a write after the server closed) only mark it closed.
 */
export class Peer {
  readonly socket: net.Socket;
  /** Resolves once the connection has closed, for whatever reason. */
  readonly closed: Promise<void>;
  /** The first socket error, if any. */
  error: Error | null = null;
  #chunks: Buffer[] = [];
  #length = 0;
  #joined: Buffer | null = null;
  #isClosed = false;
  #taken = 0;
  #waiters: Array<() => void> = [];

  private constructor(socket: net.Socket, read: boolean) {
    this.socket = socket;
    socket.on("error", (error) => {
      this.error ??= error;
    });
    if (read) {
      socket.on("data", (data: Buffer) => {
        this.#chunks.push(data);
        this.#length += data.length;
        this.#joined = null;
        this.#wake();
      });
    } else {
      socket.pause();
    }
    this.closed = new Promise((resolve) => {
      socket.once("close", () => {
        this.#isClosed = true;
        this.#wake();
        resolve();
      });
    });
  }

  /** Connects to `port` on 127.0.0.1. */
  static connect(port: number, options: PeerOptions = {}): Promise<Peer> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host: "127.0.0.1", noDelay: true });
      const peer = new Peer(socket, options.read ?? true);
      const onError = (error: Error): void => reject(error);
      socket.once("error", onError);
      socket.once("connect", () => {
        socket.off("error", onError);
        resolve(peer);
      });
    });
  }

  /** Everything received so far. */
  get received(): Buffer {
    this.#joined ??= Buffer.concat(this.#chunks, this.#length);
    this.#chunks = [this.#joined];
    return this.#joined;
  }

  /** What has been received and not taken by {@link next}. */
  get unread(): Buffer {
    return this.received.subarray(this.#taken);
  }

  /** Everything received so far, as latin1 text (one character per byte). */
  get text(): string {
    return this.received.toString("latin1");
  }

  /** Bytes received so far. */
  get receivedLength(): number {
    return this.#length;
  }

  /** Whether the connection has closed. */
  get isClosed(): boolean {
    return this.#isClosed;
  }

  /** Writes `data`; resolves true once it is handed to the OS, false if the connection failed or had closed. */
  write(data: string | Uint8Array): Promise<boolean> {
    if (this.#isClosed || this.socket.destroyed || !this.socket.writable) return Promise.resolve(false);
    return new Promise((resolve) => {
      this.socket.write(typeof data === "string" ? Buffer.from(data, "latin1") : data, (error) => resolve(!error));
    });
  }

  /** Waits until the received text passes `test`; throws naming `what` if the connection closes first or `ms` pass. */
  async waitFor(test: (text: string) => boolean, ms: number, what: string): Promise<void> {
    const deadline = performance.now() + ms;
    while (!test(this.text)) await this.#waitForData(deadline, ms, what);
  }

  /**
   * The next complete item of what the server sent, for a client that reads
   * its replies one by one: `length` looks at the bytes not yet taken and
   * returns the length of the complete item they start with, or 0 if it is
   * not complete yet. Throws naming `what` if the connection closes first or
   * `ms` pass. (Once much has been taken, {@link received} keeps only what
   * has not.)
   */
  async next(length: (pending: Buffer) => number, ms: number, what: string): Promise<Buffer> {
    const deadline = performance.now() + ms;
    for (;;) {
      const pending = this.received.subarray(this.#taken);
      const n = length(pending);
      if (n > 0) {
        this.#taken += n;
        if (this.#taken > 64 * 1024) {
          this.#chunks = [Buffer.from(this.received.subarray(this.#taken))];
          this.#length = this.#chunks[0]!.length;
          this.#joined = this.#chunks[0]!;
          this.#taken = 0;
        }
        return pending.subarray(0, n);
      }
      await this.#waitForData(deadline, ms, what);
    }
  }

  async #waitForData(deadline: number, ms: number, what: string): Promise<void> {
    if (this.#isClosed) throw new Error(`${what}: the connection closed first; received ${preview(this.unread)}`);
    const left = deadline - performance.now();
    if (left <= 0) throw new Error(`${what}: not within ${ms} ms; received ${preview(this.unread)}`);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, left);
      this.#waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Waits for the connection to close; resolves false if it is still open after `ms`. */
  async waitClosed(ms: number): Promise<boolean> {
    if (this.#isClosed) return true;
    let timer: NodeJS.Timeout | undefined;
    const closed = await Promise.race([
      this.closed.then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), ms);
      }),
    ]);
    clearTimeout(timer);
    return closed;
  }

  /** Ends this side (the server sees end of input; the peer still reads). */
  end(): void {
    if (!this.socket.destroyed) this.socket.end();
  }

  /** Closes the connection from this side at once. */
  destroy(): void {
    this.socket.destroy();
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}

/** A short printable form of `data` for failure messages. */
export function preview(data: Uint8Array, max = 300): string {
  const buffer = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const text = JSON.stringify(buffer.subarray(0, max).toString("latin1"));
  return buffer.length > max ? `${text}... (${buffer.length} bytes)` : text;
}

/** What {@link flood} did. */
export interface FloodResult {
  /** Bytes the socket took (each write's callback has run). */
  written: number;
  /** Writing stopped because no room came for `stallMs`: the server stopped reading. */
  stalled: boolean;
  /** Writing stopped because the connection failed or closed. */
  closed: boolean;
}

/**
 * Writes `chunk` over and over, one write at a time as the socket takes
 * them, until `limit` bytes are written, the connection fails, or a write
 * is not taken for `stallMs` (the server has stopped reading and the
 * buffers in between are full). The same buffer is written every time, so
 * the writer itself holds no more than one chunk.
 */
export async function flood(peer: Peer, chunk: Buffer, options: { limit: number; stallMs: number }): Promise<FloodResult> {
  let written = 0;
  while (written < options.limit) {
    if (peer.isClosed || peer.socket.destroyed) return { written, stalled: false, closed: true };
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      peer.write(chunk).then((ok) => (ok ? "ok" : "closed")),
      new Promise<"stalled">((resolve) => {
        timer = setTimeout(() => resolve("stalled"), options.stallMs);
      }),
    ]);
    clearTimeout(timer);
    if (outcome === "closed") return { written, stalled: false, closed: true };
    if (outcome === "stalled") return { written, stalled: true, closed: false };
    written += chunk.length;
  }
  return { written, stalled: false, closed: false };
}

/**
 * Writes the bytes of `data` one at a time, `intervalMs` apart (slowloris),
 * until all are sent or the connection closes; returns how many were sent.
 */
export async function trickle(peer: Peer, data: string | Buffer, intervalMs: number): Promise<number> {
  const bytes = typeof data === "string" ? Buffer.from(data, "latin1") : data;
  let sent = 0;
  for (; sent < bytes.length; sent++) {
    if (peer.isClosed) break;
    if (!(await peer.write(bytes.subarray(sent, sent + 1)))) break;
    await sleep(intervalMs);
  }
  return sent;
}

// ------------------------------------------------------------ transcripts

/** One change to a transcript's bytes. Positions are taken modulo the length at the time. */
export type Mutation =
  | { kind: "flip"; at: number; bit: number }
  | { kind: "set"; at: number; byte: number }
  | { kind: "truncate"; at: number }
  | { kind: "duplicate"; at: number; length: number }
  | { kind: "delete"; at: number; length: number }
  | { kind: "insert"; at: number; bytes: number[] };

/** Bytes that matter to line and length based protocols, more likely to be inserted than others. */
const SPECIAL_BYTES = [0x00, 0x0a, 0x0d, 0x20, 0x2e, 0x3a, 0x24, 0x2a, 0x2d, 0x30, 0x39, 0x7f, 0x80, 0xff];

const byteArb = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(...SPECIAL_BYTES));

/** A random mutation: a bit flipped, a byte changed, the rest cut off, a slice repeated or removed, bytes inserted. */
export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant("set" as const), at: fc.nat(), byte: byteArb }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("duplicate" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), bytes: fc.array(byteArb, { minLength: 1, maxLength: 8 }) }),
);

/** `bytes` with `mutations` applied in turn. */
export function mutate(bytes: Buffer, mutations: readonly Mutation[]): Buffer {
  let out = Buffer.from(bytes);
  for (const m of mutations) {
    const n = out.length;
    switch (m.kind) {
      case "flip":
        if (n > 0) out[m.at % n] ^= 1 << m.bit;
        break;
      case "set":
        if (n > 0) out[m.at % n] = m.byte;
        break;
      case "truncate":
        out = out.subarray(0, n === 0 ? 0 : m.at % n);
        break;
      case "duplicate": {
        if (n === 0) break;
        const at = m.at % n;
        const slice = out.subarray(at, at + m.length);
        out = Buffer.concat([out.subarray(0, at + slice.length), slice, out.subarray(at + slice.length)]);
        break;
      }
      case "delete": {
        if (n === 0) break;
        const at = m.at % n;
        out = Buffer.concat([out.subarray(0, at), out.subarray(at + m.length)]);
        break;
      }
      case "insert": {
        const at = m.at % (n + 1);
        out = Buffer.concat([out.subarray(0, at), Buffer.from(m.bytes), out.subarray(at)]);
        break;
      }
    }
  }
  return out;
}

/**
 * What a hostile client sends: some bytes, the places they are split
 * between writes, and whether it then ends its side of the connection (if
 * not, it falls silent and the server's timeouts must deal with it).
 */
export interface Transcript {
  bytes: Buffer;
  /** Offsets where the bytes are cut into separate writes. */
  cuts: number[];
  /** End our side after the last write. */
  end: boolean;
}

/** The writes of a transcript, in order. */
export function writesOf(transcript: Transcript): Buffer[] {
  const { bytes } = transcript;
  const cuts = [...new Set(transcript.cuts.map((c) => (bytes.length === 0 ? 0 : c % bytes.length)))].filter((c) => c > 0).sort((a, b) => a - b);
  const writes: Buffer[] = [];
  let from = 0;
  for (const cut of cuts) {
    writes.push(bytes.subarray(from, cut));
    from = cut;
  }
  if (from < bytes.length) writes.push(bytes.subarray(from));
  return writes;
}

function transcriptOf(bytes: Buffer, cuts: number[], end: boolean): Transcript {
  const transcript: Transcript = { bytes, cuts, end };
  // fast-check prints a counterexample with this: the bytes as readable text, not a list of numbers.
  Object.defineProperty(transcript, fc.toStringMethod, {
    value: () => `{ bytes: Buffer.from(${JSON.stringify(bytes.toString("latin1"))}, "latin1"), cuts: ${JSON.stringify(cuts)}, end: ${end} }`,
  });
  return transcript;
}

/** Cut points and the ending of a transcript. */
const framingArb = fc.record({
  cuts: fc.array(fc.nat(), { maxLength: 12 }),
  // Ended three times in four: a silent client costs the test a server timeout.
  end: fc.constantFrom(true, true, true, false),
});

/**
 * Valid sessions from `session`, with up to `maxMutations` bytes flipped,
 * changed, cut off, repeated, removed or inserted, split anywhere.
 */
export function mutatedTranscriptArb(session: fc.Arbitrary<Buffer>, maxMutations = 4): fc.Arbitrary<Transcript> {
  return fc
    .tuple(session, fc.array(mutationArb, { minLength: 1, maxLength: maxMutations }), framingArb)
    .map(([bytes, mutations, { cuts, end }]) => transcriptOf(mutate(bytes, mutations), cuts, end));
}

/**
 * Noise that looks a little like the protocol: random bytes, line endings
 * and `words` of the protocol, strung together, split anywhere.
 */
export function randomTranscriptArb(words: readonly string[], maxParts = 24): fc.Arbitrary<Transcript> {
  const part = fc.oneof(
    { weight: 3, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 24 }).map((a) => Buffer.from(a)) },
    { weight: 3, arbitrary: fc.constantFrom(...words).map((w) => Buffer.from(w, "latin1")) },
    { weight: 2, arbitrary: fc.constantFrom("\r\n", "\n", "\r", " ", ":", "\r\n\r\n").map((w) => Buffer.from(w, "latin1")) },
    { weight: 1, arbitrary: fc.integer({ min: -5, max: 2 ** 33 }).map((n) => Buffer.from(String(n), "latin1")) },
  );
  return fc.tuple(fc.array(part, { maxLength: maxParts }), framingArb).map(([parts, { cuts, end }]) => transcriptOf(Buffer.concat(parts), cuts, end));
}

/** What the server did with a transcript. */
export interface Outcome {
  /** Everything the server sent. */
  received: Buffer;
  /** The server closed the connection (or reset it) within the wait. */
  closed: boolean;
}

/**
 * Connects to `port`, sends the transcript write by write (a short pause
 * between writes, so they tend to arrive as separate reads), ends our side
 * if the transcript says so, and waits up to `closeWithinMs` for the server
 * to close the connection. The connection is destroyed afterwards either way.
 */
export async function play(port: number, transcript: Transcript, closeWithinMs: number): Promise<Outcome> {
  const peer = await Peer.connect(port);
  try {
    for (const piece of writesOf(transcript)) {
      if (!(await peer.write(piece))) break;
      await sleep(1);
    }
    if (transcript.end) peer.end();
    const closed = await peer.waitClosed(closeWithinMs);
    return { received: peer.received, closed };
  } finally {
    peer.destroy();
  }
}

// ------------------------------------------------------------ running properties

/** How many runs and which seed: `FUZZ_RUNS` and `FUZZ_SEED` in the environment override them. */
export interface FuzzSettings {
  seed: number;
  numRuns: number;
}

/** The settings of a property with `defaultRuns` runs. */
export function fuzzSettings(defaultRuns: number): FuzzSettings {
  const seedText = process.env.FUZZ_SEED;
  const runsText = process.env.FUZZ_RUNS;
  const seed = seedText !== undefined && seedText !== "" ? Number(seedText) | 0 : (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;
  const numRuns = runsText !== undefined && runsText !== "" ? Math.max(1, Number(runsText) | 0) : defaultRuns;
  return { seed, numRuns };
}

/**
 * Runs an async property. On failure, throws fast-check's report
 * (counterexample, seed and path) and how to run it again with the same seed.
 */
export async function checkProperty<T>(property: fc.IAsyncProperty<T>, settings: FuzzSettings): Promise<void> {
  const details = await fc.check(property, {
    seed: settings.seed,
    numRuns: settings.numRuns,
    // Shrinking over real sockets is slow: keep a failure's report within the test's time.
    interruptAfterTimeLimit: 40_000,
    markInterruptAsFailure: false,
    // Keeps every failing value, so the report can show the first one as found, before shrinking.
    verbose: fc.VerbosityLevel.Verbose,
  });
  if (details.failed) {
    const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
    const first = details.failures.length > 0 ? fc.stringify(details.failures[0]) : "(not recorded)";
    throw new Error(
      [
        `The property failed after ${details.numRuns} run(s) and ${details.numShrinks} shrink(s).`,
        `Counterexample: ${fc.stringify(details.counterexample)}`,
        `First failing value, before shrinking: ${first}`,
        `Error: ${error}`,
        `Run it again with FUZZ_SEED=${settings.seed} FUZZ_RUNS=${settings.numRuns} (path ${details.counterexamplePath ?? "?"}).`,
      ].join("\n\n"),
    );
  }
}

// ------------------------------------------------------------ a client that must keep being served

/** One round of a well-behaved client: a short exchange whose every reply it checks; throws if one is wrong. */
export type Round = (n: number) => Promise<void>;

/**
 * A well-behaved client, connected while others misbehave: it runs
 * `round` over and over (a short valid exchange, every reply checked), a
 * few milliseconds apart, and records when each round ended and every
 * failure. A round that takes longer than `roundTimeoutMs` is a failure:
 * the client is not being served.
 */
export class Bystander {
  /** When each round that passed ended (`performance.now()`). */
  readonly passed: number[] = [];
  /** Every failure, with its round number. */
  readonly failures: string[] = [];
  readonly #round: Round;
  readonly #pauseMs: number;
  readonly #roundTimeoutMs: number;
  #running: Promise<void> | null = null;
  #stopping = false;

  constructor(round: Round, options: { pauseMs?: number; roundTimeoutMs?: number } = {}) {
    this.#round = round;
    this.#pauseMs = options.pauseMs ?? 10;
    this.#roundTimeoutMs = options.roundTimeoutMs ?? 5000;
  }

  /** Starts the rounds; resolves once the first has passed (throws if it failed). */
  async start(): Promise<void> {
    await this.#runOne(0);
    if (this.failures.length > 0) throw new Error(`the first round failed: ${this.failures.join("; ")}`);
    this.#running = this.#loop();
  }

  /** Rounds that passed between two instants. */
  passedBetween(from: number, to: number): number {
    return this.passed.filter((t) => t >= from && t <= to).length;
  }

  /** Stops after the round under way, then runs one last round; resolves when it is done. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#running;
    await this.#runOne(this.passed.length + this.failures.length);
  }

  async #loop(): Promise<void> {
    for (let n = 1; !this.#stopping && this.failures.length === 0; n++) {
      await this.#runOne(n);
      await sleep(this.#pauseMs);
    }
  }

  async #runOne(n: number): Promise<void> {
    try {
      await within(this.#round(n), this.#roundTimeoutMs, `round ${n} of the well-behaved client`);
      this.passed.push(performance.now());
    } catch (error) {
      this.failures.push(`round ${n}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

/**
 * Waits until `socket` has read nothing new for `quietMs` and resolves with
 * what it has read; rejects if it is still reading after `deadlineMs`. After
 * a never-reading client has stalled, the server may still read a little:
 * the kernel's send buffer grows with the connection (to `tcp_wmem`'s
 * maximum), taking queued output and letting the channel resume until the
 * high-water mark stops it again. What must hold is that it stops.
 */
export async function settledBytesRead(socket: net.Socket, quietMs = 500, deadlineMs = 10_000): Promise<number> {
  const deadline = Date.now() + deadlineMs;
  let last = socket.bytesRead;
  for (;;) {
    await sleep(quietMs);
    const now = socket.bytesRead;
    if (now === last) return now;
    if (Date.now() > deadline) throw new Error(`still reading ${deadlineMs} ms after the stall (${now} bytes read)`);
    last = now;
  }
}
