/**
 * One client connection as a declarative protocol. RESP2 requests are
 * either inline lines or multibulk arrays of bulk strings:
 *
 * - `request` reads a line (ended by LF, an optional CR before it is
 *   dropped). `*<n>` starts a multibulk command; anything else is an inline
 *   command, run at once.
 * - `bulkHeader` reads `$<length>` and `bulkData` the length plus CR LF, once
 *   per argument: binary-safe, never searched for line ends.
 * - `pipeline` is the fast path: the requests that follow a request line
 *   complete in the same read (multibulk or inline, as many as there are)
 *   are taken as one byte-count frame, scanned in place, and run one after
 *   the other. A pipeline of sixteen commands is two frames, not sixteen
 *   or a hundred.
 *
 * Replies go through the shared reply writer: one buffer per frame, and
 * the channel writes what the frames of one read pushed as one write. Malformed input gets Redis's
 * `-ERR Protocol error: ...` and the connection is closed once it is sent.
 */

import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { DEFAULT_CHANNEL_OPTIONS } from "@asynchat/core";
import { type FrameRejection, Protocol, type ProtocolOptions, onClose, onOverflow, onBytes, onTerminator } from "@asynchat/decorators";
import { Args } from "./args";
import { commands } from "./commands";
import { ProtocolErrors, expectedDollar } from "./errors";
import { splitInline } from "./inline";
import { parseSafeInteger } from "./integers";
import { type ReplySink, replies } from "./reply";
import { PipelineScan } from "./scan";
import type { ServerState, Session } from "./session";

/** The argument table every connection uses in turn (commands run one at a time). */
const args = new Args();
/** The pipeline scan, sharing that table. */
const scan = new PipelineScan(args);

const EMPTY = Buffer.alloc(0);
/** The channel's output high-water mark: the core's default, as these connections set none (read here, not through `options`, which a connection would make for itself). */
const HIGH_WATER_MARK = DEFAULT_CHANNEL_OPTIONS.outputHighWaterMark;

function peerOf({ remoteAddress, remotePort }: { remoteAddress?: string | undefined; remotePort?: number | undefined }): string {
  return remoteAddress === undefined ? "?" : `${remoteAddress}:${remotePort ?? 0}`;
}

function localOf(socket: Duplex): string {
  const { localAddress, localPort } = socket as Partial<Socket>;
  return localAddress === undefined ? "?" : `${localAddress}:${localPort ?? 0}`;
}

/** A RESP client connection: frames requests, runs commands, replies. */
export class RespConnection extends Protocol implements Session, ReplySink {
  /** The longest line (inline command, `*` or `$` header) unless the server sets another. */
  static override defaultMaxLength = 64 * 1024;

  /** {@inheritDoc Session.id} */
  readonly id: number;
  /** {@inheritDoc Session.name} */
  name: string | null = null;
  /** {@inheritDoc Session.server} */
  readonly server: ServerState;
  /** `host:port` strings made on first use (CLIENT LIST, KILL): asking the kernel for them costs a connection several microseconds. */
  #peer: string | null = null;
  #local: string | null = null;
  /** {@inheritDoc Session.authenticated} */
  authenticated: boolean;
  /** {@inheritDoc Session.connectedAt} */
  readonly connectedAt = Date.now();

  /** Arguments still expected by the multibulk command being read frame by frame, and those read. */
  #expected = 0;
  #gathered: Buffer[] | null = null;
  /** Bytes of the arguments gathered for the command being read frame by frame. */
  #gatheredBytes = 0;
  /** Bytes of the next bulk string plus its CR LF (read by `bulkData`'s count). */
  private bulkLength = 0;
  /** Bytes of the scanned pipeline (read by `pipeline`'s count), and its first command's argument count. */
  private pipelineLength = 0;
  #pipelineFirstCount = 0;
  /** The read and offset where the frame being handled ended, while it is handled. */
  #frameChunk: Buffer | null = null;
  #frameEnd = 0;

  /**
   * @param socket the accepted connection
   * @param server the shared state; the client is counted in it now
   */
  constructor(socket: Duplex, server: ServerState) {
    super(socket, RespConnection.#channelOptions(server));
    this.server = server;
    this.id = server.nextClientId();
    this.authenticated = server.settings.requirePass === null;
    server.sessions.add(this);
    server.connectionsReceived++;
    if (server.sessions.size > server.peakClients) server.peakClients = server.sessions.size;
  }

  /** The channel options of a server's connections: one object per server, so the core validates them once. */
  static #optionsByServer = new WeakMap<ServerState, ProtocolOptions>();

  static #channelOptions(server: ServerState): ProtocolOptions {
    let options = RespConnection.#optionsByServer.get(server);
    if (options === undefined) {
      const settings = server.settings;
      options = Object.freeze({
        // A line and its CR (the LF ends the frame).
        maxLength: settings.maxInlineLength + 1,
        idleTimeout: settings.idleTimeout,
        frameTimeout: settings.frameTimeout,
      });
      RespConnection.#optionsByServer.set(server, options);
    }
    return options;
  }

  /** {@inheritDoc Session.peer} */
  get peer(): string {
    // The PROXY header's client when the server takes them.
    return (this.#peer ??= peerOf(this));
  }

  /** {@inheritDoc Session.local} */
  get local(): string {
    return (this.#local ??= this.socket === null ? "?" : localOf(this.socket));
  }

  // ------------------------------------------------------------ states

  /** A request line: the `*<count>` of a multibulk command, or an inline command. */
  @onTerminator("\n", { initial: true, next: ["bulkHeader", "pipeline"] })
  request(line: Buffer): "bulkHeader" | "pipeline" | undefined {
    let end = line.length;
    if (end > 0 && line[end - 1] === 13) end--;
    if (end > this.server.settings.maxInlineLength) {
      // The frame limit counts the CR too; the line itself may be no longer than the setting.
      this.#protocolError(ProtocolErrors.TOO_BIG_INLINE);
      return undefined;
    }
    if (end > 0 && line[0] === 42) return this.#multibulk(line, end);
    this.#inline(line, end);
    const next = this.closing ? undefined : this.#scanAhead(0);
    // With a pipeline next, its replies join this one's in the same buffer.
    if (next === undefined) replies.flush();
    return next;
  }

  /** `$<length>` before each argument of a multibulk command. */
  @onTerminator("\r\n", { next: ["bulkData"] })
  bulkHeader(line: Buffer): "bulkData" | undefined {
    if (line.length === 0 || line[0] !== 36) {
      this.#protocolError(expectedDollar(line.length === 0 ? 13 : line[0]!));
      return undefined;
    }
    const length = parseSafeInteger(line, 1, line.length);
    if (!(length >= 0 && length <= this.server.settings.maxBulkLength)) {
      this.#protocolError(ProtocolErrors.INVALID_BULK_LENGTH);
      return undefined;
    }
    this.#gatheredBytes += length;
    if (this.#gatheredBytes > this.server.settings.maxQueryLength) {
      // Like Redis past client-query-buffer-limit: disconnected, the data left unread.
      this.#gathered = null;
      this.close();
      return undefined;
    }
    this.bulkLength = length + 2;
    return "bulkData";
  }

  /** One argument and its CR LF; the command runs once its last argument is in. */
  @onBytes((self: RespConnection) => self.bulkLength, { maxLength: Infinity, next: ["bulkHeader", "request"] })
  bulkData(data: Buffer): "bulkHeader" | "request" | undefined {
    const length = data.length - 2;
    if (data[length] !== 13 || data[length + 1] !== 10) {
      this.#protocolError(ProtocolErrors.MISSING_CRLF);
      return undefined;
    }
    const gathered = this.#gathered!;
    gathered.push(length === 0 ? EMPTY : data.subarray(0, length));
    if (gathered.length < this.#expected) return "bulkHeader";
    this.#gathered = null;
    scan.invalidate();
    args.reserve(gathered.length);
    args.source = null;
    for (let i = 0; i < gathered.length; i++) {
      args.buffers[i] = gathered[i]!;
      args.starts[i] = 0;
      args.ends[i] = gathered[i]!.length;
    }
    this.#execute(0, gathered.length);
    return "request";
  }

  /**
   * Whole commands found in one read by the scan: run them all. If their
   * replies pass the channel's output high-water mark (a client pipelining
   * big GETs without reading), the rest wait until the client has taken
   * them: the handler then returns a promise, and no further input is framed
   * meanwhile.
   */
  @onBytes((self: RespConnection) => self.pipelineLength, { maxLength: Infinity, next: ["request"] })
  pipeline(data: Buffer): "request" | undefined | Promise<"request" | undefined> {
    if (!scan.holds(this, data) && !this.#rescan(data)) return undefined;
    const done = this.#runScanned(0);
    return done === scan.commands || this.closing ? "request" : this.#resumeWhenDrained(data, done);
  }

  /** A line longer than the limit: Redis's error for it, then close. */
  @onOverflow
  lineTooLong(_error: FrameRejection, state: string): void {
    this.#protocolError(state === "bulkHeader" ? ProtocolErrors.TOO_BIG_BULK_COUNT : ProtocolErrors.TOO_BIG_INLINE);
  }

  /** The client is gone: forget it and any replies still gathered for it. */
  @onClose
  disconnected(): void {
    this.server.sessions.delete(this);
    replies.forget(this);
    this.#gathered = null;
  }

  // ------------------------------------------------------------ Session

  /** Sends the replies so far, then closes (QUIT). */
  quit(): void {
    this.closeWhenDone();
  }

  /** Closes at once, replies gathered for it dropped (CLIENT KILL). */
  kill(): void {
    replies.forget(this);
    this.close();
  }

  // ------------------------------------------------------------ channel hooks

  /** Remembers where the frame ended in its read, for the pipeline scan. */
  protected override handleFrameEnd(chunk: Buffer, start: number, end: number): void {
    this.#frameChunk = chunk;
    this.#frameEnd = end;
    try {
      super.handleFrameEnd(chunk, start, end);
    } finally {
      this.#frameChunk = null;
    }
  }

  /** Replies gathered for this client leave before the close marker. */
  override closeWhenDone(): void {
    replies.flushFor(this);
    super.closeWhenDone();
  }

  // ------------------------------------------------------------ internals

  #multibulk(line: Buffer, end: number): "bulkHeader" | "pipeline" | undefined {
    const count = parseSafeInteger(line, 1, end);
    if (!(count <= this.server.settings.maxMultibulkLength)) {
      this.#protocolError(ProtocolErrors.INVALID_MULTIBULK_LENGTH);
      return undefined;
    }
    // `*0` and negative counts are ignored, as Redis does.
    if (count <= 0) return this.#scanAhead(0);
    const next = this.#scanAhead(count);
    if (next !== undefined) return next;
    this.#expected = count;
    this.#gathered = [];
    this.#gatheredBytes = 0;
    return "bulkHeader";
  }

  /**
   * Looks at the rest of the read after the line just framed for complete
   * requests (the first one a multibulk command of `firstCount` arguments
   * whose `*` line that was, if `firstCount > 0`): if there are any, they
   * are the next frame.
   */
  #scanAhead(firstCount: number): "pipeline" | undefined {
    const chunk = this.#frameChunk;
    const from = this.#frameEnd + 1;
    // The framer hands over the read the line ended in: what follows the LF there is the input still to frame.
    if (chunk === null || chunk[from - 1] !== 10 || from >= chunk.length) return undefined;
    const to = scan.scan(this, chunk, from, chunk.length, firstCount, this.server.settings);
    if (to === from) return undefined;
    this.pipelineLength = to - from;
    this.#pipelineFirstCount = firstCount;
    return "pipeline";
  }

  /** Runs an inline command; its reply is left in the writer (the caller flushes). */
  #inline(line: Buffer, end: number): void {
    scan.invalidate();
    const count = splitInline(line, end, args);
    if (count > 0) {
      replies.begin(this);
      commands.execute(this, args.select(0, count));
      args.release(count);
    } else {
      args.release(0);
      if (count < 0) this.#protocolError(ProtocolErrors.UNBALANCED_QUOTES);
    }
  }

  /**
   * Runs the scanned commands from the `from`-th on, until all have run or
   * their replies pass the output high-water mark; returns how many have run.
   */
  #runScanned(from: number): number {
    replies.begin(this);
    const firstSlots = scan.firstSlots;
    const counts = scan.counts;
    const total = scan.commands;
    // Stop once the replies handed over would take the queued output past the mark (checked per command: one compare).
    const stopAt = replies.handedOver + Math.max(0, HIGH_WATER_MARK - this.queuedOutput);
    let i = from;
    while (i < total && !this.closing) {
      commands.execute(this, args.select(firstSlots[i]!, counts[i]!));
      i++;
      if (replies.handedOver > stopAt) break;
    }
    const used = i === 0 ? 0 : firstSlots[i - 1]! + counts[i - 1]!;
    scan.invalidate();
    args.release(used);
    // One buffer for all the replies; the channel writes it when the read has been framed.
    replies.flush();
    return i;
  }

  /** Scans a pipeline frame again (the argument table was used by another connection meanwhile). */
  #rescan(data: Buffer): boolean {
    const end = scan.scan(this, data, 0, data.length, this.#pipelineFirstCount, this.server.settings);
    if (end === data.length) return true;
    this.#protocolError(ProtocolErrors.INVALID_MULTIBULK_LENGTH);
    return false;
  }

  /** Runs the rest of a pipeline, `from` on, each time the client has taken the replies queued for it. */
  async #resumeWhenDrained(data: Buffer, from: number): Promise<"request" | undefined> {
    let done = from;
    for (;;) {
      await this.#outputTaken();
      if (this.closing) return undefined;
      if (!this.#rescan(data)) return undefined;
      done = this.#runScanned(done);
      if (done === scan.commands || this.closing) return "request";
    }
  }

  /** Resolves once the queued output is below the high-water mark again, or the channel closes. */
  async #outputTaken(): Promise<void> {
    // Let the channel hand what was pushed to the socket first.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (!this.closing && this.queuedOutput >= HIGH_WATER_MARK) {
      await new Promise<void>((resolve) => {
        const settle = (): void => {
          this.off("drain", settle);
          this.off("close", settle);
          resolve();
        };
        this.on("drain", settle);
        this.on("close", settle);
      });
    }
  }

  #execute(first: number, count: number): void {
    replies.begin(this);
    commands.execute(this, args.select(first, count));
    args.release(first + count);
    replies.flush();
  }

  #protocolError(text: string): void {
    this.#gathered = null;
    replies.begin(this);
    replies.error(text);
    this.closeWhenDone();
  }
}
