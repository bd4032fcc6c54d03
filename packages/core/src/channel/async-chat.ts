/**
 * AsyncChat: asynchat's `async_chat` on a Node `stream.Duplex`.
 *
 * Input: the socket's data goes to `handleRead`, which feeds the pure
 * {@link Framer}; the framer calls back with frame data and frame ends,
 * which by default become `collectIncomingData` and `foundTerminator`.
 * Output: `push`/`pushWithProducer` append to a FIFO that is moved to the
 * socket in batches, honouring its backpressure.
 */

import type { Duplex } from "node:stream";
import type { TLSSocket } from "node:tls";
import EventEmitter from "eventemitter3";
import {
  BareLineEndingError,
  BudgetExceededError,
  ChannelClosedError,
  ChannelTimeoutError,
  ErrorCode,
  FrameTooLongError,
  IncompleteFrameError,
  InputOverflowError,
  NotImplementedError,
  ProducerError,
  asError,
  invalidArgType,
} from "../errors";
import { bufferView } from "../framing/buffer-view";
import { CrlfCheck, type LineEndingPolicy } from "../framing/line-endings";
import { type FrameSink, Framer } from "../framing/framer";
import { CLOSE_MARKER, OutputFifo, type OutputMarker, STARTTLS_MARKER } from "../producers/output-fifo";
import { type Producer, type ProducerChunk, type ProducerSource, toProducer } from "../producers/producer";
import { type NormalTerminator, type Terminator, normalizeTerminator } from "../terminator";
import { type BudgetUse, type FrameBudget, type RunningBudget, startRunningBudget } from "./frame-budget";
import { closeChannel, errorChannel, openChannel } from "./diagnostics";
import { deliverReport, isExpectedFailure, serverRoute } from "./failure-report";
import { FramePolicy } from "./frame-policy";
import { kDiscardedFrameEnd, kEmit, kFail, kInvokeHandleClose, kLingerExpired, kRejectFrame, kStartHandshake, kSyncReading, kTimedOut } from "./internal";
import { Outbound } from "./outbound";
import { checkLimit } from "./limits";
import { type AsyncChatOptions, CHANNEL_LIMITS, lineEndingPolicy, resolveChannelOptions } from "./options";
import { type RemotePeer, remotePeerOf } from "../net/remote-peer";
import { ChannelTimers } from "./timers";
import { PlaintextAfterStartTlsError, type StartTlsOptions, TlsUpgradeError, upgradeToTls } from "./tls-upgrade";

/** A TLS upgrade under way: queued until the plaintext before it is written, then handshaking. */
interface PendingUpgrade {
  options: StartTlsOptions;
  phase: "queued" | "handshake";
  /** Input that arrived with or before the STARTTLS command. */
  early: Buffer[];
  /** Input that arrived after it. */
  late: Buffer[];
  resolve(socket: TLSSocket): void;
  reject(error: Error): void;
}

/** The events of a channel, for eventemitter3's typed `on`/`emit`. */
export interface AsyncChatEvents {
  /** The connection is established (at once for an accepted socket) and `handleConnect` has run. */
  connect: [];
  /** The channel is closed: emitted exactly once, after the socket has closed. */
  close: [];
  /** A failure of this channel: an exception from user code, a socket error, an over-long frame, a timeout. */
  error: [error: Error];
  /** Output that was held back (socket full or past the high-water mark) has all been handed to the socket. */
  drain: [];
}


const EMPTY = Buffer.alloc(0);

const OPEN = 0;
const CLOSING = 1;
const CLOSED = 2;

/** Empty pieces end a producer. */
function isEmptyChunk(chunk: ProducerChunk): boolean {
  return chunk.length === 0;
}

function toBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}


/**
 * A command/response channel: input framed by a terminator, output through a
 * FIFO of producers. Subclass it and override {@link collectIncomingData} and
 * {@link foundTerminator}, as with Python's `asynchat.async_chat`.
 *
 * ```ts
 * class Echo extends AsyncChat {
 *   constructor(socket: Duplex) { super(socket); this.setTerminator("\r\n"); }
 *   override collectIncomingData(data: Buffer) { this.appendData(data); }
 *   override foundTerminator() { this.push(this.getData()); this.push("\r\n"); }
 * }
 * ```
 *
 * Failures go to an overridable method first and an event second: an
 * exception from user code or the socket goes to {@link handleError} (default:
 * close), an over-long frame to {@link handleFrameTooLong} (default: the
 * same); then `error` is emitted. The server and other channels carry on.
 */
export class AsyncChat<Events extends AsyncChatEvents = AsyncChatEvents> extends EventEmitter<Events> {
  #socket: Duplex | null = null;
  /** The options in force: the constructor's, updated by the setters. */
  readonly #options: Required<AsyncChatOptions>;
  readonly #framer: Framer;

  #terminator: Terminator = null;
  #terminatorKind: NormalTerminator["kind"] = "all";
  /** The chunk views are made of, its ArrayBuffer and offset (see `view`). */
  #viewChunk: Buffer | null = null;
  #viewBuffer: ArrayBufferLike | null = null;
  #viewOffset = 0;
  /** Pieces kept by appendData: the first, all of them once there are several, their total length. */
  #kept: Buffer | null = null;
  #keptMore: Buffer[] | null = null;
  #keptLength = 0;
  /** While a piece of a byte-count frame is being collected: the count before it, else -1. */
  #countBeforePiece = -1;
  #lastString: string | null = null;
  #lastStringNormal: NormalTerminator | null = null;
  /** The terminator in force when the last frame ended, and which of it matched. */
  #matchedFrom: Terminator = null;
  #matchedIndex = -1;

  readonly #outbound: Outbound;

  #state = OPEN;
  /** No more input reaches user code (closing or closed). */
  #inputStopped = false;
  /** The framer is running; pushes wait for the end of the input batch. */
  #pumpScheduled = false;
  #socketPaused = false;
  #connected = false;
  #peerEnded = false;
  #inputEndHandled = false;
  #closeHandled = false;
  #closeEmitted = false;

  #upgrade: PendingUpgrade | null = null;
  /** The listeners this channel put on its socket, to take them off again on a TLS upgrade. */
  #listeners: Array<[string, (...args: any[]) => void]> = [];

  readonly #timers: ChannelTimers;
  readonly #policy: FramePolicy;
  /** Set by the default handleError: the failure being handled reached it (no override took it over). */
  #errorReachedDefault = false;

  /**
   * Forwards the framer's calls to a channel. One class for every channel
   * (not closures per channel), so that the optimized framing code is shared
   * and does not die with the channel it was first compiled for.
   */
  static readonly #Sink = class ChannelSink implements FrameSink {
    readonly channel: AsyncChat<any>;

    constructor(channel: AsyncChat<any>) {
      this.channel = channel;
    }

    data(chunk: Buffer, start: number, end: number): boolean {
      const channel = this.channel;
      channel.handleFrameData(chunk, start, end);
      return channel.#mayFrame();
    }

    end(chunk: Buffer, start: number, end: number, matched: number): boolean {
      const channel = this.channel;
      channel.#matchedIndex = matched;
      channel.#matchedFrom = channel.#terminator;
      channel.#timers.framesEnded++;
      channel.handleFrameEnd(chunk, start, end);
      return channel.#mayFrame();
    }

    overflow(length: number): boolean {
      const channel = this.channel;
      channel.#overflow(length);
      return channel.#mayFrame();
    }

    skipped(): boolean {
      const channel = this.channel;
      // Nothing reaches user code once input has stopped (the over-long frame's handling closed).
      if (channel.#inputStopped) return false;
      channel.handleDiscardedFrameEnd();
      return channel.#mayFrame();
    }

    proceed(): boolean {
      return this.channel.#mayFrame();
    }
  };


  /**
   * @param socket any `stream.Duplex` (a `net.Socket`, a `tls.TLSSocket`, one end
   *   of `createSocketPair()`); without one the channel still frames what is
   *   fed to {@link handleRead}, and output stays queued.
   * @param options limits and timeouts, see {@link AsyncChatOptions}
   */
  constructor(socket?: Duplex | null, options?: AsyncChatOptions) {
    super();
    // A copy: the setters keep it up to date (the defaults object is shared and frozen).
    this.#options = { ...resolveChannelOptions(options) };
    this.#framer = new Framer(new AsyncChat.#Sink(this));
    this.#framer.maxLength = this.#options.maxLength;
    this.#timers = new ChannelTimers(this, this.#options.idleTimeout, this.#options.frameTimeout, this.#options.closeTimeout);
    this.#outbound = new Outbound(this, this.#timers);
    this.#policy = new FramePolicy(this, this.#options.lineEndings);
    // Subclasses written asynchat-style get asynchat's exact collectIncomingData pieces;
    // those that take ranges themselves (Protocol) get them without the copy that costs.
    this.#framer.coalesceHeld = this.handleFrameData === AsyncChat.prototype.handleFrameData;
    if (socket !== undefined && socket !== null) {
      this.#bind(socket);
      this.#remotePeer();
    }
  }

  /** The socket this channel reads and writes, or null. */
  get socket(): Duplex | null {
    return this.#socket;
  }

  /**
   * The client's IP address: the one its PROXY protocol header named when
   * the server takes them (`proxyProtocol`), else the socket's
   * `remoteAddress`. Kept once known, so it is still there after close;
   * undefined without a connected network socket.
   */
  get remoteAddress(): string | undefined {
    return this.#remotePeer()?.address;
  }

  /** The client's port, as {@link remoteAddress} says where it comes from. */
  get remotePort(): number | undefined {
    return this.#remotePeer()?.port;
  }

  #peer: RemotePeer | undefined;

  #remotePeer(): RemotePeer | undefined {
    if (this.#peer === undefined && this.#socket !== null) this.#peer = remotePeerOf(this.#socket);
    return this.#peer;
  }

  /**
   * The options in force, defaults filled in: what the constructor was given,
   * kept up to date by the setters (`maxLength`, `frameTimeout`,
   * `idleTimeout`, `lineEndings`), so it also shows a server's `idleTimeout`.
   * Read-only: change a limit through its setter.
   */
  get options(): Readonly<Required<AsyncChatOptions>> {
    return this.#options;
  }

  /** Whether the channel is closed (no more input or output). */
  get closed(): boolean {
    return this.#state === CLOSED;
  }

  /** Whether `closeWhenDone()` was called or the channel is closed: no more input reaches user code. */
  get closing(): boolean {
    return this.#state !== OPEN;
  }

  /**
   * Longest frame before its terminator, in bytes (see
   * {@link AsyncChatOptions.maxLength}). May be changed at any time; it
   * applies from the next byte framed.
   */
  get maxLength(): number {
    return this.#framer.maxLength;
  }

  set maxLength(limit: number) {
    this.#framer.maxLength = this.#options.maxLength = checkLimit("maxLength", limit, CHANNEL_LIMITS.maxLength);
  }

  /**
   * Milliseconds from a frame's first byte to its terminator before the
   * channel fails with `ERR_FRAME_TIMEOUT` (0: none); see
   * {@link AsyncChatOptions.frameTimeout}. May be changed at any time, e.g. per
   * protocol state; a change restarts the deadline of a frame under way.
   */
  get frameTimeout(): number {
    return this.#timers.frameTimeout;
  }

  set frameTimeout(milliseconds: number) {
    if (checkLimit("frameTimeout", milliseconds, CHANNEL_LIMITS.frameTimeout) === this.#timers.frameTimeout) return;
    this.#timers.setFrameTimeout((this.#options.frameTimeout = milliseconds));
    if (!this.#outbound.pumping) this.#updateFrameTimer();
  }

  /**
   * Milliseconds without traffic either way before the channel fails with
   * `ERR_IDLE_TIMEOUT` (0: none); see {@link AsyncChatOptions.idleTimeout}.
   * May be changed at any time; a change starts the wait afresh.
   */
  get idleTimeout(): number {
    return this.#timers.idleTimeout;
  }

  set idleTimeout(milliseconds: number) {
    if (checkLimit("idleTimeout", milliseconds, CHANNEL_LIMITS.idleTimeout) === this.#timers.idleTimeout) return;
    this.#timers.setIdleTimeout((this.#options.idleTimeout = milliseconds), this.#socket !== null && this.#state !== CLOSED);
  }

  /**
   * `"crlf"` rejects a bare CR or LF inside frames ended by a string or bytes
   * terminator; `"any"` lets them through. See
   * {@link AsyncChatOptions.lineEndings}. May be changed at any time (say,
   * `"crlf"` for SMTP's DATA); a change applies to the bytes framed after it.
   */
  get lineEndings(): LineEndingPolicy {
    return this.#policy.lineEndings;
  }

  set lineEndings(policy: LineEndingPolicy) {
    if (lineEndingPolicy(policy, "lineEndings") === this.lineEndings) return;
    this.#options.lineEndings = policy;
    this.#policy.lineEndings = policy;
  }

  /**
   * Starts a budget over the frames that follow: their content bytes (as
   * they arrive) and their number are counted, and a frame that takes the
   * count past `maxBytes` or `maxFrames` is rejected, reported to
   * {@link handleBudgetExceeded} (default: close) and the `error` event
   * (`ERR_BUDGET_EXCEEDED`), and dropped up to its terminator. For example,
   * all header lines of one request: ≤ 64 KiB and ≤ 100 lines. Replaces a
   * budget already running. (A `Protocol` declares budgets per group of
   * states instead: `static budgets` and `{ budget }`.)
   */
  startBudget(budget: FrameBudget): void {
    this.#policy.startBudget(budget);
  }

  /** Ends the running budget; returns what it used (zeros if none was running). */
  endBudget(): BudgetUse {
    return this.#policy.endBudget();
  }

  /** What the running budget has used so far, or null if none is running. */
  get budgetUsed(): BudgetUse | null {
    return this.#policy.budgetUsed;
  }

  /** Bytes of output queued in the FIFO and in the socket (producers not yet asked are not counted). */
  get queuedOutput(): number {
    return this.#outbound.queuedBytes;
  }

  /** Bytes received and not yet framed (waiting while reading is paused). */
  get bufferedInput(): number {
    return this.#framer.pendingBytes;
  }

  // ---------------------------------------------------------------- input

  /**
   * asynchat's `collect_incoming_data`: called with each piece of the
   * current frame as it arrives, never with an empty buffer. The buffer is a
   * view of the received chunk, valid as long as you keep it (not reused).
   * The default throws {@link NotImplementedError}.
   */
  collectIncomingData(_data: Buffer): void {
    throw new NotImplementedError("collectIncomingData");
  }

  /**
   * asynchat's `found_terminator`: the current frame is complete. A
   * terminator set here applies to the bytes already received after it.
   * The default throws {@link NotImplementedError}.
   */
  foundTerminator(): void {
    throw new NotImplementedError("foundTerminator");
  }

  /**
   * Advanced: the framer reports `chunk[start..end)` as data of the current
   * frame (never empty). The default calls `collectIncomingData` with a view.
   * Subclasses that frame without allocating (like `Protocol`) override it.
   */
  protected handleFrameData(chunk: Buffer, start: number, end: number): void {
    // The policies (line endings, budget) cost one test per piece when none is in force.
    if (this.#policy.active && !this.#policy.acceptPiece(chunk, start, end, this.#endsLines())) return;
    if (this.#terminatorKind === "count") this.#collectCounted(chunk, start, end, this.#framer.remaining + (end - start));
    else this.collectIncomingData(this.view(chunk, start, end));
  }

  /**
   * `chunk[start..end)` as a Buffer sharing its memory, like
   * `chunk.subarray(start, end)` but cheaper for many views of one chunk:
   * the chunk's ArrayBuffer and offset are looked up once per chunk.
   */
  protected view(chunk: Buffer, start: number, end: number): Buffer {
    if (chunk !== this.#viewChunk) {
      this.#viewChunk = chunk;
      this.#viewBuffer = chunk.buffer;
      this.#viewOffset = chunk.byteOffset;
    }
    return bufferView(this.#viewBuffer!, this.#viewOffset + start, end - start);
  }

  /**
   * asynchat's `_collect_incoming_data`: keep a piece of the current frame,
   * for {@link getData} to join. Call it from `collectIncomingData` (or make
   * it your `collectIncomingData`). A frame that arrived in one piece costs no
   * copy and no array.
   */
  protected appendData(data: Buffer): void {
    if (this.#kept === null) this.#kept = data;
    else if (this.#keptMore === null) this.#keptMore = [this.#kept, data];
    else this.#keptMore.push(data);
    this.#keptLength += data.length;
  }

  /**
   * asynchat's `_get_data`: the pieces kept by {@link appendData} since the
   * last call, joined (a single piece is returned as it is), and forgets them.
   */
  protected getData(): Buffer {
    const first = this.#kept;
    if (first === null) return EMPTY;
    const more = this.#keptMore;
    const length = this.#keptLength;
    this.#kept = null;
    this.#keptMore = null;
    this.#keptLength = 0;
    return more === null ? first : Buffer.concat(more, length);
  }

  /** Frames now end at a string or bytes terminator (the frames a line-ending policy checks). */
  #endsLines(): boolean {
    const kind = this.#terminatorKind;
    return kind === "sequence" || kind === "any";
  }

  /** What was kept of a rejected frame for getData goes with it. */
  #dropKept(): void {
    this.#kept = null;
    this.#keptMore = null;
    this.#keptLength = 0;
  }

  /** @internal For the frame policy: see {@link kRejectFrame}. */
  [kRejectFrame](error: BareLineEndingError | BudgetExceededError): void {
    this.#dropKept();
    this.#rejectByKind(error);
  }

  /** @internal For the frame policy: see {@link kDiscardedFrameEnd}. */
  [kDiscardedFrameEnd](): void {
    if (!this.#inputStopped) this.handleDiscardedFrameEnd();
  }

  /**
   * Hands on a piece of a byte-count frame. As in asynchat, `getTerminator()`
   * called from `collectIncomingData` still reports the count before the
   * piece (`before`); it counts the piece once the call returns.
   */
  #collectCounted(chunk: Buffer, start: number, end: number, before: number): void {
    this.#countBeforePiece = before;
    try {
      this.collectIncomingData(this.view(chunk, start, end));
    } finally {
      this.#countBeforePiece = -1;
    }
  }

  /**
   * Advanced: the current frame ends with `chunk[start..end)` (possibly
   * empty). The default calls `collectIncomingData` for a non-empty rest,
   * then `foundTerminator`.
   */
  protected handleFrameEnd(chunk: Buffer, start: number, end: number): void {
    if (this.#policy.active && !this.#policy.acceptEnd(chunk, start, end, this.#endsLines())) return;
    if (end > start) {
      if (this.#terminatorKind === "count" && this.#matchedIndex < 0) this.#collectCounted(chunk, start, end, end - start);
      else this.collectIncomingData(this.view(chunk, start, end));
    }
    // collectIncomingData may have closed the channel: then the frame's end is not delivered either.
    if (!this.#inputStopped) this.foundTerminator();
  }

  /**
   * asynchat's `set_terminator`. Accepts:
   * - a string (matched as UTF-8) or bytes: a frame ends where it occurs;
   *   a terminator split across reads is still found, and a read ending in a
   *   prefix of it holds that prefix back;
   * - an integer `n > 0`: the next `n` bytes are a frame; while they arrive
   *   `getTerminator()` counts down, and it reads 0 once they are in;
   * - `0` or `null`: every byte is collected as it arrives, no frame ends;
   * - an array of strings/bytes: a frame ends at whichever occurs first (the
   *   shortest frame; at one position the longest one), see
   *   {@link getMatchedTerminator}.
   *
   * Set inside `foundTerminator`, it applies to the bytes already received
   * after the frame. Throws `TypeError` for other types and `RangeError` for
   * empty strings/bytes/arrays and negative, fractional or NaN numbers.
   */
  setTerminator(terminator: Terminator): void {
    if (typeof terminator === "number" && terminator > 0 && Number.isSafeInteger(terminator)) {
      // The common switch to a byte count: nothing to normalise.
      this.#terminator = terminator;
      this.#terminatorKind = "count";
      this.#countBeforePiece = -1;
      this.#framer.setCount(terminator);
      this.#afterTerminatorChange();
      return;
    }
    let normal: NormalTerminator;
    if (typeof terminator === "string" && terminator === this.#lastString) normal = this.#lastStringNormal!;
    else {
      normal = normalizeTerminator(terminator);
      if (typeof terminator === "string") {
        // Protocols switch back to the same line terminator again and again: encode it once.
        this.#lastString = terminator;
        this.#lastStringNormal = normal;
      }
    }
    this.setNormalTerminator(terminator, normal);
  }

  /**
   * Advanced: {@link setTerminator} with a terminator already checked by
   * `normalizeTerminator` (`normal` must be its result for `terminator`), so
   * a state machine that re-enters the same states does not check and encode
   * the same terminator again.
   */
  protected setNormalTerminator(terminator: Terminator, normal: NormalTerminator): void {
    // An array is kept as its validated copy, so that getMatchedTerminator() names the
    // element that matched even if the caller changes their array later.
    this.#terminator = normal.kind === "any" ? normal.value : terminator;
    this.#terminatorKind = normal.kind;
    this.#countBeforePiece = -1;
    this.#framer.setTerminator(normal);
    this.#afterTerminatorChange();
  }

  #afterTerminatorChange(): void {
    // Bytes held back for the old terminator are input again: frame them soon.
    if (!this.#outbound.pumping && this.#framer.pendingBytes > 0) this.#schedulePump();
  }

  /**
   * asynchat's `get_terminator`: the terminator as it was set, except for a
   * byte count, which reports the bytes still missing (0 once reached).
   */
  getTerminator(): Terminator {
    if (this.#terminatorKind !== "count") return this.#terminator;
    return this.#countBeforePiece >= 0 ? this.#countBeforePiece : this.#framer.remaining;
  }

  /**
   * The terminator that ended the last frame, as it was given: the string or
   * bytes, or with an array terminator the element that matched. `null` for
   * a frame ended by a byte count or by the end of input.
   */
  getMatchedTerminator(): string | Uint8Array | null {
    if (this.#matchedIndex < 0) return null;
    const from = this.#matchedFrom;
    if (Array.isArray(from)) return (from as ReadonlyArray<string | Uint8Array>)[this.#matchedIndex] ?? null;
    return from as string | Uint8Array;
  }

  /**
   * asynchat's `handle_read`: frame received bytes. The socket's data
   * listener calls it; tests and socketless channels may call it directly.
   * Called from inside a callback, the bytes are framed after the current
   * frame's callbacks return, in order.
   */
  handleRead(data: Uint8Array): void {
    if (this.#inputStopped) return;
    if (!(data instanceof Uint8Array)) throw invalidArgType("data", "a Buffer or Uint8Array", data);
    if (this.#upgrade !== null) {
      // Belongs to the TLS stream (or is an injection attempt): the upgrade decides.
      this.#upgrade.late.push(Buffer.from(data));
      return;
    }
    this.#timers.refreshIdle();
    this.#framer.feed(toBuffer(data));
    if (this.#outbound.pumping) return;
    this.#pump();
    const waiting = this.#framer.pendingBytes;
    if (waiting > this.#options.maxBufferedInput) {
      this.#framer.reset();
      this.#fail(new InputOverflowError(this.#options.maxBufferedInput, waiting));
    }
  }

  /**
   * asynchat's `readable()`: while it returns false the channel reads
   * nothing and delivers no further frame, even from a chunk already
   * received. It is consulted after every frame, when output drains, and
   * when you call {@link updateReading}. Default: true.
   */
  readable(): boolean {
    return true;
  }

  /**
   * Consult `readable()` again now: resume reading (and framing input that
   * waited) if it allows, pause otherwise. Call it when the condition behind
   * your `readable()` changes.
   */
  updateReading(): void {
    if (this.#outbound.pumping) return;
    if (this.#framer.pendingBytes > 0 && this.#mayFrame()) this.#pump();
    else {
      this.#syncSocketReading();
      this.#checkInputEnd();
    }
  }

  // ---------------------------------------------------------------- output

  /**
   * asynchat's `push`: queue data for sending (a string is sent as UTF-8).
   * Pushes made while a received chunk is being framed leave together when
   * it is done; pushes made in one tick leave as one write. Throws
   * `TypeError` for anything but a string or bytes; on a closed or closing
   * channel the data is dropped and an `error` (`ERR_CHANNEL_CLOSED`) emitted.
   */
  push(data: string | Uint8Array): void {
    let item: string | Buffer;
    if (typeof data === "string") item = data;
    else if (data instanceof Uint8Array) item = toBuffer(data);
    else throw invalidArgType("data", "a string or bytes (Buffer, Uint8Array)", data);
    if (this.#state !== OPEN) {
      this.#emitError(new ChannelClosedError("push()"));
      return;
    }
    if (item.length === 0) return;
    this.#outbound.pushData(item);
  }

  /**
   * asynchat's `push_with_producer`: queue a producer (an object with
   * `more()`, which may return a Promise), or an async iterable or Node
   * `Readable`, or a sync iterable. It is pulled only while the socket has
   * room, so a large file never sits whole in memory.
   */
  pushWithProducer(producer: ProducerSource): void {
    const source = toProducer(producer);
    if (this.#state !== OPEN) {
      this.#emitError(new ChannelClosedError("pushWithProducer()"));
      source.discard?.();
      return;
    }
    this.#outbound.pushItem(source);
  }

  /**
   * asynchat's `close_when_done`: close the channel once everything queued
   * before this call has been written. From this call on no more input
   * reaches user code, not even the rest of the chunk being framed.
   */
  closeWhenDone(): void {
    if (this.#state !== OPEN) return;
    this.#state = CLOSING;
    this.#inputStopped = true;
    this.#outbound.pushItem(CLOSE_MARKER);
    this.#outbound.startClosing();
  }

  /** @internal The linger deadline passed (see {@link ChannelTimers.updateLinger}). */
  [kLingerExpired](): void {
    if (this.#state === CLOSING) this.destroy();
  }

  /** No TLS upgrade is under way any more: output moves again. */
  #endUpgrade(): void {
    this.#upgrade = null;
    this.#outbound.handshaking = false;
  }

  /** @internal For the parts: see {@link kFail}. */
  [kFail](error: unknown): void {
    this.#fail(error);
  }

  /** @internal For the parts: see {@link kInvokeHandleClose}. */
  [kInvokeHandleClose](): void {
    this.#invokeHandleClose();
  }

  /** @internal For the parts: see {@link kStartHandshake}. */
  [kStartHandshake](socket: Duplex): void {
    this.#handshake(socket);
  }

  /** @internal For the parts: see {@link kEmit}. */
  [kEmit](event: "drain"): void {
    this.#emit(event);
  }

  /** @internal For the parts: see {@link kSyncReading}. */
  [kSyncReading](): void {
    this.#syncSocketReading();
  }

  /** @internal A deadline of {@link ChannelTimers} passed. */
  [kTimedOut](error: ChannelTimeoutError): void {
    if (this.#state !== CLOSED) this.#fail(error);
  }

  /**
   * asynchat's `discard_buffers`: drop unread input (including the rest of
   * the chunk being framed), the partial frame and queued output. Later
   * input is framed as usual. A pending `closeWhenDone` still closes.
   */
  discardBuffers(): void {
    this.#framer.reset();
    this.#dropKept();
    // The frame under way is gone: so is its line-ending check or its rejection.
    this.#policy.reset();
    this.#outbound.clear();
    if (this.#state === CLOSING) this.#outbound.pushItem(CLOSE_MARKER);
  }

  /**
   * asynchat's `writable()`: whether there is output to move. Output is
   * moved only while it returns true. Default: the FIFO is not empty.
   */
  writable(): boolean {
    return this.#outbound.pending;
  }

  /**
   * asynchat's `handle_write`: called when output can move (after pushes,
   * when the socket drains). Default: {@link initiateSend}.
   */
  handleWrite(): void {
    this.initiateSend();
  }

  /**
   * asynchat's `initiate_send`: write queued output to the socket until it
   * is all written or the socket's buffer is full (then wait for `drain`).
   * Producers are asked for more only while the socket has room.
   */
  initiateSend(): void {
    this.#outbound.initiateSend();
  }

  /**
   * asynchat's `refill_buffer`: take the next piece of output from the head
   * of the FIFO. Pushed data comes out as it is; a producer is asked for its
   * next piece, and dropped once exhausted. Returns `null` when nothing is
   * ready now: the FIFO is empty, `closeWhenDone` was reached, or a producer
   * answered with a Promise (its piece is written when it settles).
   */
  refillBuffer(): string | Buffer | null {
    return this.#outbound.refill();
  }

  // ---------------------------------------------------------------- life-cycle

  /**
   * Called once the connection is established (at once for an accepted
   * socket, on `connect` for one still connecting), before any data is
   * framed and before the `connect` event. Default: nothing.
   */
  handleConnect(): void {}

  /**
   * asynchat's `handle_close`: called once when the channel is to close
   * because the peer ended the connection (after what was queued to it has
   * been written), `closeWhenDone` was reached, or a failure's default
   * handling closes it. Default: {@link close}. Override it for clean-up and
   * call `super.handleClose()`.
   */
  handleClose(): void {
    this.close();
  }

  /**
   * The peer ended its side and every byte it sent has been framed (an
   * unfinished frame has been handed on or reported, see
   * {@link AsyncChatOptions.deliverPartialFrameAtEnd}). Default:
   * `closeWhenDone()`, so what is queued to the peer is still delivered.
   */
  handleEndOfInput(): void {
    this.closeWhenDone();
  }

  /**
   * asynchat's `handle_error`: an exception from user code, a socket error,
   * a producer failure or a timeout of this channel. Default: `handleClose()`.
   * The `error` event is emitted after it returns.
   */
  handleError(_error: Error): void {
    this.#errorReachedDefault = true;
    this.#invokeHandleClose();
  }

  /**
   * A failure from user code or the library (an exception in a callback, a
   * failed producer) reached the default {@link handleError} and nobody
   * listens for it: no `error` listener on the channel, no `channelError`
   * listener on its server. Expected traffic (a peer's reset, a limit, a
   * timeout, a failed handshake) never comes here. Default: hand it to the
   * server's `unhandledErrors` reporter, or print it once on stderr (the
   * channel's class, its peer, the error's name, message and stack). The
   * channel closes all the same.
   */
  protected reportUnhandledError(error: Error): void {
    deliverReport(serverRoute(this)?.reporter ?? "stderr", error, this, this.#socket);
  }

  /**
   * A frame passed `maxLength`; its remaining bytes are being dropped up to
   * its terminator. Default: `handleError(error)`, which closes. Override it
   * to answer and go on (SMTP's "500 Line too long"). The `error` event is
   * emitted after it returns.
   */
  handleFrameTooLong(error: FrameTooLongError): void {
    this.handleError(error);
  }

  /**
   * With `lineEndings: "crlf"`, a frame held a bare CR or LF (`error.offset`
   * says where); pieces of it already handed to `collectIncomingData` are
   * yours to drop (what `appendData` kept is dropped), and the rest of it is
   * dropped up to its terminator. Default: `handleError(error)`, which
   * closes. Override it to answer and go on. The `error` event is emitted
   * after it returns.
   */
  handleBareLineEnding(error: BareLineEndingError): void {
    this.handleError(error);
  }

  /**
   * A frame took the running budget (see {@link startBudget}) past one of
   * its limits; pieces of it already handed to `collectIncomingData` are
   * yours to drop (what `appendData` kept is dropped), and the rest of it is
   * dropped up to its terminator. The budget keeps running. Default:
   * `handleError(error)`, which closes. Override it to answer and go on
   * (HTTP's 431). The `error` event is emitted after it returns.
   */
  handleBudgetExceeded(error: BudgetExceededError): void {
    this.handleError(error);
  }

  /**
   * The frame reported to {@link handleFrameTooLong},
   * {@link handleBareLineEnding} or {@link handleBudgetExceeded} has ended:
   * its terminator arrived, and framing resumes with the next byte.
   * Default: nothing. `Protocol` uses it to move on to the next state.
   */
  handleDiscardedFrameEnd(): void {}

  /**
   * Rejects the current frame as the library does with its own limits:
   * the hook for the error's kind ({@link handleFrameTooLong},
   * {@link handleBareLineEnding} or {@link handleBudgetExceeded}) decides, a
   * throw there fails the channel, then the `error` event. For subclasses
   * that check frames themselves (`Protocol` does, per state); the caller
   * drops the rest of the frame.
   */
  protected rejectFrame(error: FrameTooLongError | BareLineEndingError | BudgetExceededError): void {
    this.#rejectByKind(error);
  }

  #rejectByKind(error: FrameTooLongError | BareLineEndingError | BudgetExceededError): void {
    if (error instanceof FrameTooLongError) this.#rejectFrame(error, this.handleFrameTooLong);
    else if (error instanceof BareLineEndingError) this.#rejectFrame(error, this.handleBareLineEnding);
    else this.#rejectFrame(error, this.handleBudgetExceeded);
  }

  /**
   * Reports a failure of this channel as the library does: `handleError`
   * (default: close), then the `error` event. For subclasses that catch
   * failures of their own, such as a rejected promise.
   */
  protected fail(error: unknown): void {
    this.#fail(error);
  }

  /**
   * Closes the channel now: unread input is dropped and no more input is
   * framed. Data already pushed (strings and bytes at the head of the FIFO,
   * up to the first producer) is still written, so a last reply such as
   * "421 Timeout" pushed from `handleError` or `@onError` leaves; producers
   * not yet drained are dropped. What the socket holds is flushed for up to
   * `closeTimeout` ms, then the socket is destroyed. `close` is emitted once
   * the socket has closed. Idempotent.
   */
  close(): void {
    if (this.#state === CLOSED) return;
    this.#outbound.writeLastWords();
    this.#shutDown();
    const socket = this.#socket;
    if (socket === null) {
      queueMicrotask(() => this.#emitClose());
      return;
    }
    if (socket.destroyed) {
      if ((socket as Duplex & { closed?: boolean }).closed) queueMicrotask(() => this.#emitClose());
      return;
    }
    // Keep reading (and dropping) so unread input cannot turn our close into a reset.
    socket.resume();
    if (socket.writableFinished || !socket.writable) {
      socket.destroy();
      return;
    }
    const timer = setTimeout(() => socket.destroy(), this.#options.closeTimeout);
    timer.unref();
    socket.end(() => {
      clearTimeout(timer);
      socket.destroy();
    });
  }

  /** Closes the channel at once: the socket is destroyed without flushing. Idempotent. */
  destroy(): void {
    if (this.#state === CLOSED) return;
    this.#shutDown();
    const socket = this.#socket;
    if (socket === null || (socket as Duplex & { closed?: boolean }).closed) queueMicrotask(() => this.#emitClose());
    else socket.destroy();
  }

  // ---------------------------------------------------------------- internals

  #emit(event: "connect" | "close" | "drain"): void {
    (this as unknown as EventEmitter<AsyncChatEvents>).emit(event);
  }

  #emitError(error: Error): void {
    if (errorChannel.hasSubscribers) errorChannel.publish({ channel: this, error });
    (this as unknown as EventEmitter<AsyncChatEvents>).emit("error", error);
  }

  #emitClose(): void {
    if (this.#closeEmitted) return;
    this.#closeEmitted = true;
    if (this.#state !== CLOSED) this.#shutDown();
    // Only a channel that announced its opening announces its close, so the two can be counted.
    if (this.#connected && closeChannel.hasSubscribers) closeChannel.publish({ channel: this });
    this.#emit("close");
  }

  #shutDown(): void {
    this.#state = CLOSED;
    this.#inputStopped = true;
    this.#framer.reset();
    this.#outbound.closed = true;
    this.#outbound.clear();
    this.#timers.stop();
    // A TLS upgrade that had not got to its handshake will never start: settle its promise.
    // (Once the handshake runs, its own failure path settles it; a second reject is a no-op.)
    const upgrade = this.#upgrade;
    if (upgrade !== null) {
      this.#endUpgrade();
      upgrade.reject(new TlsUpgradeError("TLS upgrade failed: the channel closed before the handshake finished"));
    }
  }

  #bind(socket: Duplex, connected = false): void {
    if (typeof socket !== "object" || socket === null || typeof socket.write !== "function" || typeof socket.on !== "function") {
      throw invalidArgType("socket", "a stream.Duplex", socket);
    }
    this.#socket = socket;
    this.#socketPaused = false;
    this.#outbound.bind(socket);
    this.#listen(socket, "data", (data: Buffer | string) => {
      if (!this.#connected) this.#onConnected();
      this.handleRead(typeof data === "string" ? Buffer.from(data) : data);
    });
    this.#listen(socket, "end", () => this.#onEnd());
    // The socket's own errors (a reset, a broken pipe) are the peer's doing, never reported as bugs.
    this.#listen(socket, "error", (error: Error) => this.#fail(error, true));
    this.#listen(socket, "close", () => this.#onSocketClose());
    this.#listen(socket, "drain", () => {
      this.#outbound.drained();
      this.#timers.refreshIdle();
      this.handleWrite();
      this.updateReading();
    });
    if (connected) return;
    const connecting = (socket as Duplex & { connecting?: boolean }).connecting === true;
    if (connecting) this.#listen(socket, "connect", () => this.#onConnected());
    else queueMicrotask(() => this.#onConnected());
    this.#timers.startIdle();
  }

  #listen(socket: Duplex, event: string, listener: (...args: any[]) => void): void {
    socket.on(event, listener);
    this.#listeners.push([event, listener]);
  }

  #unbind(socket: Duplex): void {
    for (const [event, listener] of this.#listeners) socket.off(event, listener);
    this.#listeners = [];
  }

  /**
   * Upgrades the connection to TLS in the middle of the conversation
   * (STARTTLS), as server (`isServer: true`, with `key`/`cert` or a
   * `secureContext`) or client. Output queued before the call is written in
   * plaintext first (the "220 Ready to start TLS" reply); output pushed after
   * it goes over TLS. The current terminator and frame carry over. Input
   * that arrived in plaintext after the STARTTLS command is handled as
   * `plaintextLeftover` says (default: reject, which fails the channel).
   * Resolves with the TLS socket once the handshake is done; on a failed or
   * timed-out handshake the channel fails (`error` event, close) and the
   * promise rejects with `ERR_TLS_UPGRADE_FAILED`.
   */
  startTls(options: StartTlsOptions): Promise<TLSSocket> {
    if (typeof options !== "object" || options === null || typeof options.isServer !== "boolean") {
      throw invalidArgType("options.isServer", "a boolean", (options as StartTlsOptions | null)?.isServer);
    }
    const socket = this.#socket;
    if (socket === null || this.#state !== OPEN) return Promise.reject(new ChannelClosedError("startTls()"));
    if (this.#upgrade !== null) return Promise.reject(new TlsUpgradeError("a TLS upgrade is already under way"));
    const upgraded = new Promise<TLSSocket>((resolve, reject) => {
      // Nothing more is framed in plaintext: what is buffered now arrived with the STARTTLS command.
      this.#upgrade = { options, phase: "queued", early: this.#framer.takeUnframed(), late: [], resolve, reject };
      socket.pause();
      this.#socketPaused = true;
      this.#outbound.pushItem(STARTTLS_MARKER);
    });
    // A failure is also reported through handleError and the error event: a caller that does not
    // await the promise must not get an unhandled rejection.
    upgraded.catch(() => undefined);
    return upgraded;
  }

  /** The plaintext before the STARTTLS marker has been handed to the socket: wait for it to leave, then handshake. */
  #handshake(socket: Duplex): void {
    const upgrade = this.#upgrade!;
    upgrade.phase = "handshake";
    this.#outbound.handshaking = true;
    socket.write(Buffer.alloc(0), () => {
      if (this.#upgrade !== upgrade || this.#state === CLOSED) return;
      const policy = upgrade.options.plaintextLeftover ?? "reject";
      const earlyBytes = upgrade.early.reduce((n, b) => n + b.length, 0);
      if (earlyBytes > 0 && policy === "reject") {
        this.#endUpgrade();
        const error = new PlaintextAfterStartTlsError(earlyBytes);
        upgrade.reject(error);
        this.#fail(error);
        return;
      }
      // Whatever the socket read after the STARTTLS command belongs to the TLS stream.
      const replay = policy === "tls" ? [...upgrade.early, ...upgrade.late] : [...upgrade.late];
      for (let chunk = socket.read() as Buffer | null; chunk !== null; chunk = socket.read() as Buffer | null) replay.push(chunk);
      this.#unbind(socket);
      let upgraded: ReturnType<typeof upgradeToTls>;
      try {
        upgraded = upgradeToTls(socket, replay, upgrade.options);
      } catch (error) {
        this.#endUpgrade();
        const failure = new TlsUpgradeError(`TLS upgrade failed: ${(error as Error).message}`, error);
        upgrade.reject(failure);
        this.#bind(socket, true);
        this.#fail(failure);
        return;
      }
      this.#socket = upgraded.socket;
      this.#outbound.socket = upgraded.socket;
      // Until the handshake is done the TLS socket has none of the channel's listeners: a channel
      // closed meanwhile (close(), a timeout) learns here that its socket is gone.
      upgraded.socket.once("close", () => {
        if (this.#state === CLOSED) this.#emitClose();
      });
      upgraded.ready.then(
        (tlsSocket) => {
          this.#endUpgrade();
          if (this.#state === CLOSED) {
            tlsSocket.destroy();
            if ((tlsSocket as Duplex & { closed?: boolean }).closed) this.#emitClose();
            return;
          }
          this.#bind(tlsSocket, true);
          upgrade.resolve(tlsSocket);
          this.handleWrite();
          this.updateReading();
        },
        (error: Error) => {
          this.#endUpgrade();
          upgrade.reject(error);
          if (this.#state === CLOSED) {
            if ((upgraded.socket as Duplex & { closed?: boolean }).closed) this.#emitClose();
            return;
          }
          this.#fail(error);
          this.#shutDown();
          queueMicrotask(() => this.#emitClose());
        },
      );
    });
  }

  #onConnected(): void {
    if (this.#connected || this.#state === CLOSED) return;
    this.#connected = true;
    if (openChannel.hasSubscribers) openChannel.publish({ channel: this });
    try {
      this.handleConnect();
    } catch (error) {
      this.#fail(error);
    }
    this.#emit("connect");
    this.#syncSocketReading();
  }

  #onEnd(): void {
    this.#peerEnded = true;
    this.#checkInputEnd();
  }

  #onSocketClose(): void {
    if (this.#state !== CLOSED) {
      this.#invokeHandleClose();
      if (this.#state !== CLOSED) this.#shutDown();
    }
    this.#emitClose();
  }

  /** The end of input is handled once all input before it has been framed. */
  #checkInputEnd(): void {
    if (!this.#peerEnded || this.#inputEndHandled || this.#outbound.pumping) return;
    if (this.#state === OPEN && this.#framer.pendingBytes > 0) return;
    this.#inputEndHandled = true;
    if (this.#state !== OPEN) return;
    try {
      const deliver = this.#options.deliverPartialFrameAtEnd;
      this.#outbound.pumping = true;
      let partial: number;
      try {
        partial = this.#framer.finish(deliver);
      } finally {
        this.#outbound.pumping = false;
      }
      if (partial > 0 && !deliver) this.#emitError(new IncompleteFrameError(partial));
      if (this.#outbound.flushWanted) this.#outbound.scheduleFlush();
      if (this.#state === OPEN) this.handleEndOfInput();
    } catch (error) {
      this.#fail(error);
    }
  }

  #invokeHandleClose(): void {
    if (this.#closeHandled || this.#state === CLOSED) return;
    this.#closeHandled = true;
    try {
      this.handleClose();
    } catch (error) {
      this.close();
      const failure = asError(error);
      this.#emitError(failure);
      this.#reportIfUnheard(failure);
    }
  }

  /**
   * A failure of this channel: `handleError` (default: close), then the
   * `error` event; then, if it is a bug nobody handled, the report.
   * `fromPeer`: the socket reported it (a reset), which is never a bug.
   */
  #fail(error: unknown, fromPeer = false): void {
    // Not `instanceof Error` alone: a socket error from another realm would lose its code.
    const failure = asError(error);
    this.#flushDeferred();
    this.#errorReachedDefault = false;
    let reachedDefault: boolean;
    try {
      this.handleError(failure);
      reachedDefault = this.#errorReachedDefault;
    } catch {
      // An override that throws has not handled the failure either.
      reachedDefault = true;
      this.close();
    }
    this.#emitError(failure);
    if (reachedDefault && !fromPeer && !isExpectedFailure(failure)) this.#reportIfUnheard(failure);
  }

  /** Reports a failure from user code or the library unless a listener of the channel or its server takes it. */
  #reportIfUnheard(failure: Error): void {
    const route = serverRoute(this);
    const emitter = this as unknown as EventEmitter<AsyncChatEvents>;
    let listeners = emitter.listenerCount("error");
    if (route !== undefined) {
      if (route.heard()) return;
      if (emitter.listeners("error").includes(route.forwarder as (error: Error) => void)) listeners--;
    }
    if (listeners > 0) return;
    try {
      this.reportUnhandledError(failure);
    } catch (thrown) {
      // A report must not take the process down; print what went wrong with it instead.
      deliverReport("stderr", asError(thrown), this, this.#socket);
    }
  }

  #overflow(length: number): void {
    this.#rejectFrame(new FrameTooLongError(this.#framer.maxLength, length), this.handleFrameTooLong);
  }

  /** A frame is rejected: its hook decides (a throw there fails the channel), then the `error` event. */
  #rejectFrame<E extends Error>(error: E, hook: (error: E) => void): void {
    this.#flushDeferred();
    try {
      hook.call(this, error);
    } catch (thrown) {
      this.#fail(thrown);
    }
    this.#emitError(error);
  }

  /**
   * Before a failure's handling (which closes by default) drops queued output:
   * replies to earlier frames of the input batch wait only for the batch's end,
   * and would have been written already had the input come in smaller reads.
   */
  #flushDeferred(): void {
    if (this.#outbound.pumping && this.#outbound.flushWanted && this.#state === OPEN) this.handleWrite();
  }

  /** May another frame be delivered now? */
  #mayFrame(): boolean {
    if (this.#inputStopped || this.#upgrade !== null) return false;
    return !this.#outbound.full(this.#options.outputHighWaterMark) && this.readable();
  }

  /** Frames pending input, then sends what the callbacks pushed as one batch. */
  #pump(): void {
    if (this.#outbound.pumping) return;
    this.#outbound.pumping = true;
    this.#pumpScheduled = false;
    try {
      for (;;) {
        try {
          this.#framer.run();
          break;
        } catch (error) {
          this.#fail(error);
          if (!this.#mayFrame()) break;
        }
      }
    } finally {
      this.#outbound.pumping = false;
      // An idle channel must not keep its last read alive through the view cache.
      this.#viewChunk = null;
      this.#viewBuffer = null;
    }
    if (this.#outbound.flushWanted) this.handleWrite();
    // Framing may have stopped only because this batch's replies passed the output
    // high-water mark; if the socket took them at once, no drain will come to resume it.
    if (this.#framer.pendingBytes > 0 && this.#mayFrame()) this.#schedulePump();
    this.#syncSocketReading();
    this.#updateFrameTimer();
    this.#checkInputEnd();
  }

  #schedulePump(): void {
    if (this.#pumpScheduled) return;
    this.#pumpScheduled = true;
    queueMicrotask(() => {
      if (!this.#pumpScheduled) return;
      this.#pumpScheduled = false;
      if (this.#framer.pendingBytes > 0 && this.#mayFrame()) this.#pump();
    });
  }

  /** Pauses or resumes the socket to match `readable()` and the output high-water mark. */
  #syncSocketReading(): void {
    const socket = this.#socket;
    if (socket === null || this.#state === CLOSED || this.#upgrade !== null) return;
    // While closing, keep reading and dropping: a paused socket with unread input closes with a reset.
    const want = this.#inputStopped || this.#mayFrame();
    if (want && this.#socketPaused) {
      this.#socketPaused = false;
      socket.resume();
    } else if (!want && !this.#socketPaused) {
      this.#socketPaused = true;
      socket.pause();
    }
  }

  /** Starts the frame timer when a frame is under way, stops it when none is. */
  #updateFrameTimer(): void {
    this.#timers.updateFrame(this.#state !== CLOSED && this.#framer.frameInProgress);
  }
}
