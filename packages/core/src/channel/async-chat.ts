/**
 * AsyncChat: asynchat's `async_chat` on a Node `stream.Duplex`. The façade
 * users subclass: every public method and hook is here, and the work is done
 * by the parts (Lifecycle, Inbound, Outbound, FramePolicy, ChannelTimers,
 * TlsUpgrader, Failures), one instance each per channel.
 */

import type { Duplex } from "node:stream";
import type { TLSSocket } from "node:tls";
import EventEmitter from "eventemitter3";
import type { AsyncChatEvents } from "./events";
import { type BareLineEndingError, type BudgetExceededError, ChannelClosedError, type FrameTooLongError, NotImplementedError, invalidArgType } from "../errors";
import { toBuffer } from "../framing/buffer-view";
import type { LineEndingPolicy } from "../framing/line-endings";
import { type ProducerSource, toProducer } from "../producers/producer";
import type { NormalTerminator, Terminator } from "../terminator";
import type { BudgetUse, FrameBudget } from "./frame-budget";
import type { ServerRoute } from "./failure-report";
import { kServerRoute } from "./internal";
import { anchorChannelClass } from "./class-anchor";
import { Inbound } from "./inbound";
import { CLOSED, type ChannelHooks, Lifecycle, OPEN } from "./lifecycle";
import { checkLimit } from "./limits";
import { type AsyncChatOptions, CHANNEL_LIMITS, lineEndingPolicy, resolveChannelOptions } from "./options";
import type { StartTlsOptions } from "./tls-upgrade";

export type { AsyncChatEvents } from "./events";
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
  /** The constructor's options, resolved (frozen, shared with other channels made with the same options). */
  readonly #options: Readonly<Required<AsyncChatOptions>>;
  /** What `options` returns, made on first use and kept up to date by the setters from then on. */
  #optionsInForce: Required<AsyncChatOptions> | null = null;
  readonly #life: Lifecycle;
  readonly #inbound: Inbound;
  /** @internal The route of a server's channel for unhandled failures (set by `ChatServer`, see failure-report.ts). */
  [kServerRoute]: ServerRoute | undefined = undefined;

  /**
   * @param socket any `stream.Duplex` (a `net.Socket`, a `tls.TLSSocket`, one end
   *   of `createSocketPair()`); without one the channel still frames what is
   *   fed to {@link handleRead}, and output stays queued.
   * @param options limits and timeouts, see {@link AsyncChatOptions}
   */
  constructor(socket?: Duplex | null, options?: AsyncChatOptions) {
    super();
    // Shared and frozen: the setters change the parts (framer, timers, policy), and `options` shows them.
    this.#options = resolveChannelOptions(options);
    // A few hooks are protected: the parts get them through this view of the channel.
    const hooks = this as unknown as ChannelHooks;
    const life = (this.#life = new Lifecycle(hooks, this.#options));
    this.#inbound = life.inbound = new Inbound(hooks, life, this.#options);
    // asynchat-style subclasses get asynchat's exact pieces; Protocol takes ranges without the copy.
    this.#inbound.framer.coalesceHeld = this.handleFrameData === AsyncChat.prototype.handleFrameData;
    if (socket !== undefined && socket !== null) {
      life.bind(socket);
      life.remotePeer();
    }
    anchorChannelClass(new.target, this); // see class-anchor.ts: the optimised framing path names this class
  }

  /** The socket this channel reads and writes, or null. */
  get socket(): Duplex | null {
    return this.#life.socket;
  }

  /**
   * The client's IP address: the one its PROXY protocol header named when
   * the server takes them (`proxyProtocol`), else the socket's
   * `remoteAddress`. Kept once known, so it is still there after close;
   * undefined without a connected network socket.
   */
  get remoteAddress(): string | undefined {
    return this.#life.remotePeer()?.address;
  }

  /** The client's port, as {@link remoteAddress} says where it comes from. */
  get remotePort(): number | undefined {
    return this.#life.remotePeer()?.port;
  }

  /**
   * The options in force, defaults filled in: what the constructor was given,
   * kept up to date by the setters (`maxLength`, `frameTimeout`,
   * `idleTimeout`, `lineEndings`), so it also shows a server's `idleTimeout`.
   * Read-only: change a limit through its setter.
   */
  get options(): Readonly<Required<AsyncChatOptions>> {
    // Made on first use (most channels never ask), from the values the setters keep.
    return (this.#optionsInForce ??= {
      ...this.#options,
      maxLength: this.#inbound.framer.maxLength,
      frameTimeout: this.#life.timers.frameTimeout,
      idleTimeout: this.#life.timers.idleTimeout,
      lineEndings: this.#inbound.policy.lineEndings,
    });
  }

  /** Whether the channel is closed (no more input or output). */
  get closed(): boolean {
    return this.#life.state === CLOSED;
  }

  /** Whether `closeWhenDone()` was called or the channel is closed: no more input reaches user code. */
  get closing(): boolean {
    return this.#life.state !== OPEN;
  }

  /**
   * Longest frame before its terminator, in bytes (see
   * {@link AsyncChatOptions.maxLength}). May be changed at any time; it
   * applies from the next byte framed.
   */
  get maxLength(): number {
    return this.#inbound.framer.maxLength;
  }

  set maxLength(limit: number) {
    this.#inbound.framer.maxLength = checkLimit("maxLength", limit, CHANNEL_LIMITS.maxLength);
    if (this.#optionsInForce !== null) this.#optionsInForce.maxLength = limit;
  }

  /**
   * Milliseconds from a frame's first byte to its terminator before the
   * channel fails with `ERR_FRAME_TIMEOUT` (0: none); see
   * {@link AsyncChatOptions.frameTimeout}. May be changed at any time, e.g. per
   * protocol state; a change restarts the deadline of a frame under way.
   */
  get frameTimeout(): number {
    return this.#life.timers.frameTimeout;
  }

  set frameTimeout(milliseconds: number) {
    if (checkLimit("frameTimeout", milliseconds, CHANNEL_LIMITS.frameTimeout) === this.#life.timers.frameTimeout) return;
    this.#life.timers.setFrameTimeout(milliseconds);
    if (this.#optionsInForce !== null) this.#optionsInForce.frameTimeout = milliseconds;
    if (!this.#life.outbound.pumping) this.#inbound.updateFrameTimer();
  }

  /**
   * Milliseconds without traffic either way before the channel fails with
   * `ERR_IDLE_TIMEOUT` (0: none); see {@link AsyncChatOptions.idleTimeout}.
   * May be changed at any time; a change starts the wait afresh.
   */
  get idleTimeout(): number {
    return this.#life.timers.idleTimeout;
  }

  set idleTimeout(milliseconds: number) {
    if (checkLimit("idleTimeout", milliseconds, CHANNEL_LIMITS.idleTimeout) === this.#life.timers.idleTimeout) return;
    this.#life.timers.setIdleTimeout(milliseconds, this.#life.socket !== null && this.#life.state !== CLOSED);
    if (this.#optionsInForce !== null) this.#optionsInForce.idleTimeout = milliseconds;
  }

  /**
   * `"crlf"` rejects a bare CR or LF inside frames ended by a string or bytes
   * terminator; `"any"` lets them through. See
   * {@link AsyncChatOptions.lineEndings}. May be changed at any time (say,
   * `"crlf"` for SMTP's DATA); a change applies to the bytes framed after it.
   */
  get lineEndings(): LineEndingPolicy {
    return this.#inbound.policy.lineEndings;
  }

  set lineEndings(policy: LineEndingPolicy) {
    if (lineEndingPolicy(policy, "lineEndings") === this.lineEndings) return;
    if (this.#optionsInForce !== null) this.#optionsInForce.lineEndings = policy;
    this.#inbound.policy.lineEndings = policy;
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
    this.#inbound.policy.startBudget(budget);
  }

  /** Ends the running budget; returns what it used (zeros if none was running). */
  endBudget(): BudgetUse {
    return this.#inbound.policy.endBudget();
  }

  /** What the running budget has used so far, or null if none is running. */
  get budgetUsed(): BudgetUse | null {
    return this.#inbound.policy.budgetUsed;
  }

  /** Bytes of output queued in the FIFO and in the socket (producers not yet asked are not counted). */
  get queuedOutput(): number {
    return this.#life.outbound.queuedBytes;
  }

  /** Bytes received and not yet framed (waiting while reading is paused). */
  get bufferedInput(): number {
    return this.#inbound.framer.pendingBytes;
  }

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
    this.#inbound.piece(chunk, start, end);
  }

  /**
   * `chunk[start..end)` sharing its memory, like `chunk.subarray(start, end)` but cheaper:
   * the chunk's ArrayBuffer is looked up once per chunk; the whole range is the chunk itself.
   */
  protected view(chunk: Buffer, start: number, end: number): Buffer {
    return this.#inbound.view(chunk, start, end);
  }

  /**
   * asynchat's `_collect_incoming_data`: keep a piece of the current frame,
   * for {@link getData} to join. Call it from `collectIncomingData` (or make
   * it your `collectIncomingData`). A frame that arrived in one piece costs no
   * copy and no array.
   */
  protected appendData(data: Buffer): void {
    this.#inbound.keep(data);
  }

  /**
   * asynchat's `_get_data`: the pieces kept by {@link appendData} since the
   * last call, joined (a single piece is returned as it is), and forgets them.
   */
  protected getData(): Buffer {
    return this.#inbound.takeKept();
  }

  /**
   * Advanced: the current frame ends with `chunk[start..end)` (possibly
   * empty). The default calls `collectIncomingData` for a non-empty rest,
   * then `foundTerminator`.
   */
  protected handleFrameEnd(chunk: Buffer, start: number, end: number): void {
    this.#inbound.frameEnd(chunk, start, end);
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
    this.#inbound.setTerminator(terminator);
  }

  /**
   * Advanced: {@link setTerminator} with a terminator already checked by
   * `normalizeTerminator` (`normal` must be its result for `terminator`), so
   * a state machine that re-enters the same states does not check and encode
   * the same terminator again.
   */
  protected setNormalTerminator(terminator: Terminator, normal: NormalTerminator): void {
    this.#inbound.setNormal(terminator, normal);
  }

  /**
   * asynchat's `get_terminator`: the terminator as it was set, except for a
   * byte count, which reports the bytes still missing (0 once reached).
   */
  getTerminator(): Terminator {
    return this.#inbound.getTerminator();
  }

  /**
   * The terminator that ended the last frame, as it was given: the string or
   * bytes, or with an array terminator the element that matched. `null` for
   * a frame ended by a byte count or by the end of input.
   */
  getMatchedTerminator(): string | Uint8Array | null {
    return this.#inbound.getMatchedTerminator();
  }

  /**
   * asynchat's `handle_read`: frame received bytes. The socket's data
   * listener calls it; tests and socketless channels may call it directly.
   * Called from inside a callback, the bytes are framed after the current
   * frame's callbacks return, in order.
   */
  handleRead(data: Uint8Array): void {
    this.#inbound.read(data);
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
    this.#inbound.update();
  }

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
    if (this.#life.state !== OPEN) {
      this.#life.failures.emitError(new ChannelClosedError("push()"));
      return;
    }
    if (item.length === 0) return;
    this.#life.outbound.pushData(item);
  }

  /**
   * asynchat's `push_with_producer`: queue a producer (an object with
   * `more()`, which may return a Promise), or an async iterable or Node
   * `Readable`, or a sync iterable. It is pulled only while the socket has
   * room, so a large file never sits whole in memory.
   */
  pushWithProducer(producer: ProducerSource): void {
    const source = toProducer(producer);
    if (this.#life.state !== OPEN) {
      this.#life.failures.emitError(new ChannelClosedError("pushWithProducer()"));
      source.discard?.();
      return;
    }
    this.#life.outbound.pushItem(source);
  }

  /**
   * asynchat's `close_when_done`: close the channel once everything queued
   * before this call has been written. From this call on no more input
   * reaches user code, not even the rest of the chunk being framed.
   */
  closeWhenDone(): void {
    this.#life.closeWhenDone();
  }

  /**
   * asynchat's `discard_buffers`: drop unread input (including the rest of
   * the chunk being framed), the partial frame and queued output. Later
   * input is framed as usual. A pending `closeWhenDone` still closes.
   */
  discardBuffers(): void {
    this.#life.discardBuffers();
  }

  /**
   * asynchat's `writable()`: whether there is output to move. Output is
   * moved only while it returns true. Default: the FIFO is not empty.
   */
  writable(): boolean {
    return this.#life.outbound.pending;
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
    this.#life.outbound.initiateSend();
  }

  /**
   * asynchat's `refill_buffer`: take the next piece of output from the head
   * of the FIFO. Pushed data comes out as it is; a producer is asked for its
   * next piece, and dropped once exhausted. Returns `null` when nothing is
   * ready now: the FIFO is empty, `closeWhenDone` was reached, or a producer
   * answered with a Promise (its piece is written when it settles).
   */
  refillBuffer(): string | Buffer | null {
    return this.#life.outbound.refill();
  }

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
    this.#life.failures.reachedDefault = true;
    this.#life.failures.invokeHandleClose();
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
    this.#life.failures.report(error, this.#life.socket);
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
    this.#life.failures.reject(error);
  }

  /**
   * Reports a failure of this channel as the library does: `handleError`
   * (default: close), then the `error` event. For subclasses that catch
   * failures of their own, such as a rejected promise.
   */
  protected fail(error: unknown): void {
    this.#life.failures.fail(error);
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
    this.#life.close();
  }

  /** Closes the channel at once: the socket is destroyed without flushing. Idempotent. */
  destroy(): void {
    this.#life.destroy();
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
    return this.#life.startTls(options);
  }
}
