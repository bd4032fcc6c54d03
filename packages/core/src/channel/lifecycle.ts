/**
 * A channel's life cycle: open, closing, closed; binding to a socket and
 * unbinding from it; and the one pause mask that decides whether the
 * channel reads. Closing (or closed) and a TLS upgrade under way are bits
 * of the mask; output past its high-water mark and the subclass's
 * `readable()` are asked when the mask is clear. The socket is paused and
 * resumed from that one decision, and only when it changes.
 */

import type { Duplex } from "node:stream";
import type { TLSSocket } from "node:tls";
import { ChannelClosedError, type ChannelTimeoutError, invalidArgType } from "../errors";
import { CLOSE_MARKER } from "../producers/output-fifo";
import { type RemotePeer, remotePeerOf } from "../net/remote-peer";
import { closeChannel, openChannel } from "./diagnostics";
import { serverRoute } from "./failure-report";
import { soon } from "./soon";
import { type FailureOwner, Failures } from "./failures";
import type { Inbound, InboundOwner } from "./inbound";
import { kEmit, kFail, kInvokeHandleClose, kLingerExpired, kStartHandshake, kSyncReading, kTimedOut, kWatchDrain } from "./internal";
import { Outbound, type OutboundOwner } from "./outbound";
import { TlsUpgrader, type UpgradeOwner } from "./starttls";
import { ChannelTimers, type TimerOwner } from "./timers";
import { type StartTlsOptions, TlsUpgradeError } from "./tls-upgrade";

/** The channel is open: input is framed, output is written. */
export const OPEN = 0;
/** `closeWhenDone()` was called: output still leaves, no input reaches user code. */
export const CLOSING = 1;
/** Closed: no more input or output. */
export const CLOSED = 2;

/** Pause bit: no more input reaches user code (closing or closed). */
export const STOPPED = 1;
/** Pause bit: a TLS upgrade is under way; input is held for it. */
export const UPGRADING = 2;

/**
 * The channel's hooks the parts call: overridable methods, a few of them
 * protected on `AsyncChat` (the channel hands itself over as this
 * interface), and its emitter.
 */
export interface ChannelHooks extends FailureOwner, InboundOwner {
  handleConnect(): void;
  handleRead(data: Uint8Array): void;
  readable(): boolean;
  updateReading(): void;
  writable(): boolean;
  refillBuffer(): string | Buffer | null;
  destroy(): void;
}

/** The settings the life cycle and the parts it makes are built with. */
export interface LifecycleSettings {
  idleTimeout: number;
  frameTimeout: number;
  closeTimeout: number;
  outputHighWaterMark: number;
}

function isClosed(socket: Duplex): boolean {
  return (socket as Duplex & { closed?: boolean }).closed === true;
}

/**
 * The life cycle of one channel, and the hub of its parts: it makes the
 * timers, the output side, the STARTTLS part and the failure routing, and
 * is the one they call back (through the keys of `internal.ts`). Final: one
 * instance per channel, made with it.
 */
export class Lifecycle implements UpgradeOwner, OutboundOwner, TimerOwner {
  readonly #owner: ChannelHooks;
  readonly #outbound: Outbound;
  readonly #timers: ChannelTimers;
  readonly #highWaterMark: number;
  readonly #closeTimeout: number;
  /** The input side; set once, right after both are made (each needs the other). */
  inbound!: Inbound;
  readonly timers: ChannelTimers;
  readonly outbound: Outbound;
  /** The STARTTLS part, made on the first upgrade (most channels never upgrade). */
  tls: TlsUpgrader | null = null;
  readonly failures: Failures;

  /** The socket read and written, or null. */
  socket: Duplex | null = null;
  /** OPEN, CLOSING or CLOSED. */
  state = OPEN;
  /** Why input waits, one bit per reason ({@link STOPPED}, {@link UPGRADING}); 0 when nothing stops it. */
  pauses = 0;
  /** `connect` was announced (handleConnect has run). */
  connected = false;
  #socketPaused = false;
  #closeHandled = false;
  #closeEmitted = false;
  #peer: RemotePeer | undefined;
  /** The listeners put on the socket (made once per channel, kept to take them off again on a TLS upgrade). */

  constructor(owner: ChannelHooks, settings: LifecycleSettings) {
    this.#owner = owner;
    this.#highWaterMark = settings.outputHighWaterMark;
    this.#closeTimeout = settings.closeTimeout;
    this.timers = this.#timers = new ChannelTimers(this, settings.idleTimeout, settings.frameTimeout, settings.closeTimeout);
    this.outbound = this.#outbound = new Outbound(this, this.#timers);
    this.failures = new Failures(owner, this, this.#outbound);
  }

  /** May another frame be delivered now? Nothing in the mask, output below its mark, and `readable()`. */
  mayFrame(): boolean {
    return this.pauses === 0 && !this.#outbound.full(this.#highWaterMark) && this.#owner.readable();
  }

  /** Pauses or resumes the socket to match {@link mayFrame}; a closing channel keeps reading (and dropping). */
  syncReading(): void {
    const socket = this.socket;
    if (socket === null || this.state === CLOSED || (this.pauses & UPGRADING) !== 0) return;
    // While closing, keep reading and dropping: a paused socket with unread input closes with a reset.
    const want = (this.pauses & STOPPED) !== 0 || this.mayFrame();
    if (want === !this.#socketPaused) return;
    this.#socketPaused = !want;
    if (want) socket.resume();
    else socket.pause();
  }

  // ------------------------------------------------------------ socket

  /** Takes a socket: listeners on, output bound; `connected` for one that needs no connect (after a TLS upgrade). */
  bind(socket: Duplex, connected = false): void {
    if (typeof socket !== "object" || socket === null || typeof socket.write !== "function" || typeof socket.on !== "function") {
      throw invalidArgType("socket", "a stream.Duplex", socket);
    }
    this.socket = socket;
    this.#socketPaused = false;
    this.#outbound.bind(socket);
    // The same six functions for every socket, finding their channel through the socket: no closures per connection.
    (socket as BoundSocket)[kLifecycle] = this;
    socket.on("data", onSocketData);
    socket.on("end", onSocketEnd);
    // The socket's own errors (a reset, a broken pipe) are the peer's doing, never reported as bugs.
    socket.on("error", onSocketError);
    socket.on("close", onSocketClose);
    if (connected) return;
    const connecting = (socket as Duplex & { connecting?: boolean }).connecting === true;
    if (connecting) socket.on("connect", onSocketConnect);
    else soon(announce, this);
    this.#timers.startIdle();
  }

  /** The client's address and port (kept once known, so they are still there after close). */
  remotePeer(): RemotePeer | undefined {
    if (this.#peer === undefined && this.socket !== null) this.#peer = remotePeerOf(this.socket);
    return this.#peer;
  }

  /** Takes the channel's listeners off a socket (before wrapping it in TLS). */
  unbind(socket: Duplex): void {
    socket.off("data", onSocketData);
    socket.off("end", onSocketEnd);
    socket.off("error", onSocketError);
    socket.off("close", onSocketClose);
    socket.off("drain", onSocketDrain);
    socket.off("connect", onSocketConnect);
  }

  /** @internal The bound socket's `data`. */
  socketData(data: Buffer | string): void {
    if (!this.connected) this.#onConnected();
    this.#owner.handleRead(typeof data === "string" ? Buffer.from(data) : data);
  }

  /** @internal The bound socket's `drain`. */
  socketDrained(): void {
    const owner = this.#owner;
    this.#outbound.drained();
    this.#timers.refreshIdle();
    owner.handleWrite();
    owner.updateReading();
  }

  /** @internal The bound socket's `connect`, or a socket bound already connected (announced in a microtask). */
  socketConnected(): void {
    this.#onConnected();
  }

  /** @internal The bound socket's `close`. */
  socketClosed(): void {
    this.#onSocketClose();
  }

  #onConnected(): void {
    if (this.connected || this.state === CLOSED) return;
    const owner = this.#owner;
    this.connected = true;
    if (openChannel.hasSubscribers) openChannel.publish({ channel: owner });
    try {
      owner.handleConnect();
    } catch (error) {
      this.failures.fail(error);
    }
    owner.emit("connect");
    this.syncReading();
  }

  #onSocketClose(): void {
    if (this.state !== CLOSED) {
      this.failures.invokeHandleClose();
      if (this.state !== CLOSED) this.shutDown();
    }
    this.emitClose();
  }

  // ------------------------------------------------------------ closing

  /** asynchat's `close_when_done`: see `AsyncChat.closeWhenDone`. */
  closeWhenDone(): void {
    if (this.state !== OPEN) return;
    this.state = CLOSING;
    this.pauses |= STOPPED;
    this.#outbound.pushItem(CLOSE_MARKER);
    this.#outbound.startClosing();
  }

  /** asynchat's `discard_buffers`: see `AsyncChat.discardBuffers`. */
  discardBuffers(): void {
    const inbound = this.inbound;
    inbound.framer.reset();
    inbound.dropKept();
    // The frame under way is gone: so is its line-ending check or its rejection.
    inbound.policy.reset();
    this.#outbound.clear();
    if (this.state === CLOSING) this.#outbound.pushItem(CLOSE_MARKER);
  }

  /** Closes now, flushing what the socket holds for up to `closeTimeout`: see `AsyncChat.close`. */
  close(): void {
    if (this.state === CLOSED) return;
    this.#outbound.writeLastWords();
    this.shutDown();
    const socket = this.socket;
    if (socket === null) {
      queueMicrotask(() => this.emitClose());
      return;
    }
    if (socket.destroyed) {
      if (isClosed(socket)) queueMicrotask(() => this.emitClose());
      return;
    }
    // Keep reading (and dropping) so unread input cannot turn our close into a reset.
    socket.resume();
    if (socket.writableFinished || !socket.writable) {
      socket.destroy();
      return;
    }
    if (socket.writableLength === 0) {
      // Nothing left for the peer to take, so no deadline: the FIN leaves at once.
      socket.end();
      // A socket whose peer has ended too is destroyed by the stream itself once finished.
      if (!socket.readableEnded) socket.once("finish", destroySocket);
      return;
    }
    const timer = setTimeout(() => socket.destroy(), this.#closeTimeout);
    timer.unref();
    socket.end(() => {
      clearTimeout(timer);
      socket.destroy();
    });
  }

  /** Closes at once, destroying the socket: see `AsyncChat.destroy`. */
  destroy(): void {
    if (this.state === CLOSED) return;
    this.shutDown();
    const socket = this.socket;
    if (socket === null || isClosed(socket)) queueMicrotask(() => this.emitClose());
    else socket.destroy();
  }

  /** Closes the channel's insides at once: state, input, output, timers, a pending upgrade. */
  shutDown(): void {
    this.state = CLOSED;
    this.pauses |= STOPPED;
    this.inbound.framer.reset();
    this.#outbound.closed = true;
    this.#outbound.clear();
    this.#timers.stop();
    this.tls?.abort();
  }

  /** Emits `close` once (shutting down first if still open). */
  emitClose(): void {
    if (this.#closeEmitted) return;
    this.#closeEmitted = true;
    if (this.state !== CLOSED) this.shutDown();
    // Only a channel that announced its opening announces its close, so the two can be counted.
    if (this.connected && closeChannel.hasSubscribers) closeChannel.publish({ channel: this.#owner });
    const owner = this.#owner;
    owner.emit("close");
    serverRoute(owner)?.closed(owner);
  }

  /** Calls `handleClose` at most once, and not on a closed channel; returns whether it is to be called now. */
  claimHandleClose(): boolean {
    if (this.#closeHandled || this.state === CLOSED) return false;
    this.#closeHandled = true;
    return true;
  }

  // ------------------------------------------------------------ STARTTLS

  /** Starts a TLS upgrade: see `AsyncChat.startTls`. */
  startTls(options: StartTlsOptions): Promise<TLSSocket> {
    if (typeof options !== "object" || options === null || typeof options.isServer !== "boolean") {
      throw invalidArgType("options.isServer", "a boolean", (options as StartTlsOptions | null)?.isServer);
    }
    const socket = this.socket;
    if (socket === null || this.state !== OPEN) return Promise.reject(new ChannelClosedError("startTls()"));
    if ((this.pauses & UPGRADING) !== 0) return Promise.reject(new TlsUpgradeError("a TLS upgrade is already under way"));
    this.pauses |= UPGRADING;
    this.#socketPaused = true;
    // Nothing more is framed in plaintext: what is buffered now arrived with the STARTTLS command.
    return (this.tls ??= new TlsUpgrader(this, this.#outbound)).begin(options, socket, this.inbound.framer.takeUnframed());
  }

  /** @internal For the upgrade: see {@link UpgradeOwner}. */
  get closed(): boolean {
    return this.state === CLOSED;
  }

  /** @internal For the upgrade: see {@link UpgradeOwner}. */
  upgradeEnded(): void {
    this.pauses &= ~UPGRADING;
  }

  /** @internal For the upgrade: see {@link UpgradeOwner}. */
  swapSocket(socket: Duplex): void {
    this.socket = socket;
    this.#outbound.swapSocket(socket);
  }

  /** @internal For the upgrade: see {@link UpgradeOwner}. */
  fail(error: unknown): void {
    this.failures.fail(error);
  }

  // ------------------------------------------------------------ for the output side and the timers

  /** @internal See {@link OutboundOwner}. */
  writable(): boolean {
    return this.#owner.writable();
  }

  /** @internal See {@link OutboundOwner}. */
  refillBuffer(): string | Buffer | null {
    return this.#owner.refillBuffer();
  }

  /** @internal See {@link OutboundOwner}. */
  handleWrite(): void {
    this.#owner.handleWrite();
  }

  /** @internal See {@link kFail}. */
  [kFail](error: unknown): void {
    this.failures.fail(error);
  }

  /** @internal See {@link kInvokeHandleClose}. */
  [kInvokeHandleClose](): void {
    this.failures.invokeHandleClose();
  }

  /** @internal See {@link kStartHandshake}. */
  [kStartHandshake](socket: Duplex): void {
    this.tls!.handshake(socket);
  }

  /** @internal See {@link kEmit}. */
  [kEmit](event: "drain"): void {
    this.#owner.emit(event);
  }

  /** @internal See {@link kWatchDrain}. */
  [kWatchDrain](socket: Duplex): void {
    socket.on("drain", onSocketDrain);
  }

  /** @internal See {@link kSyncReading}. */
  [kSyncReading](): void {
    this.syncReading();
  }

  /** @internal A deadline of {@link ChannelTimers} passed. */
  [kTimedOut](error: ChannelTimeoutError): void {
    if (this.state !== CLOSED) this.failures.fail(error);
  }

  /** @internal The linger deadline passed (see {@link ChannelTimers.updateLinger}). */
  [kLingerExpired](): void {
    if (this.state === CLOSING) this.#owner.destroy();
  }

  /** @internal For the upgrade: see {@link UpgradeOwner}. */
  resume(): void {
    this.#owner.handleWrite();
    this.#owner.updateReading();
  }
}

/** Where a bound socket keeps its channel's life cycle, for the shared listeners below. */
const kLifecycle = Symbol("asynchat.lifecycle");

type BoundSocket = Duplex & { [kLifecycle]?: Lifecycle };

// Socket listeners shared by every channel (an emitter calls its listeners with itself as `this`).
function onSocketData(this: BoundSocket, data: Buffer | string): void {
  this[kLifecycle]!.socketData(data);
}

function onSocketEnd(this: BoundSocket): void {
  this[kLifecycle]!.inbound.peerEnded();
}

function onSocketError(this: BoundSocket, error: Error): void {
  this[kLifecycle]!.failures.fail(error, true);
}

function onSocketClose(this: BoundSocket): void {
  this[kLifecycle]!.socketClosed();
}

function onSocketDrain(this: BoundSocket): void {
  this[kLifecycle]!.socketDrained();
}

/** A socket already connected when bound: `handleConnect` runs once the subclass's constructor is done. */
function announce(life: Lifecycle): void {
  life.socketConnected();
}

function destroySocket(this: Duplex): void {
  this.destroy();
}

function onSocketConnect(this: BoundSocket): void {
  this[kLifecycle]!.socketConnected();
}
