/**
 * A channel's output (Netty's `ChannelOutboundBuffer`, Twisted's transport
 * side): the FIFO of pushed data, producers and markers; batching pushes
 * into one write; writing while the socket has room; the one "blocked"
 * transition when it has none; producer waits and failures; last words on
 * close. It never parses input.
 */

import { Buffer } from "node:buffer";
import type { Duplex } from "node:stream";
import { toBuffer } from "../framing/buffer-view";
import { ProducerError } from "../errors";
import { CLOSE_MARKER, OutputFifo, type OutputMarker, STARTTLS_MARKER } from "../producers/output-fifo";
import type { Producer, ProducerChunk } from "../producers/producer";
import { kEmit, kFail, kInvokeHandleClose, kStartHandshake, kSyncReading, kWatchDrain } from "./internal";
import { soon } from "./soon";
import type { ChannelTimers } from "./timers";

/**
 * What a queued producer counts for against `outputHighWaterMark`: its size is
 * unknown, but a client that pipelines requests for streams without reading
 * must not make the server open any number of them.
 */
const PRODUCER_WEIGHT = 16 * 1024;

/** What the outbound part calls on its channel: the overridable output hooks and a few internals. */
export interface OutboundOwner {
  writable(): boolean;
  refillBuffer(): string | Buffer | null;
  handleWrite(): void;
  [kFail](error: unknown): void;
  [kInvokeHandleClose](): void;
  [kStartHandshake](socket: Duplex): void;
  [kEmit](event: "drain"): void;
  [kSyncReading](): void;
  [kWatchDrain](socket: Duplex): void;
}

/** The output side of one channel. Final: one instance per channel, made with it. */
export class Outbound {
  readonly #owner: OutboundOwner;
  readonly #timers: ChannelTimers;
  readonly #fifo = new OutputFifo();
  readonly #batch: Array<string | Buffer> = [];

  /** The socket written to (null until bound, and while a TLS upgrade swaps it). */
  socket: Duplex | null = null;
  /** The channel has closed: nothing more is written. */
  closed = false;
  /** The channel is closing (closeWhenDone or close): a full socket arms the linger deadline. */
  closing = false;
  /** A STARTTLS handshake runs: output waits for it. */
  handshaking = false;
  /** A callback of the framer is running: pushes wait for the end of the input batch. */
  pumping = false;

  /** The socket's buffer is full: waiting for `drain`. */
  #blocked = false;
  /** The bound socket's `writableHighWaterMark` (fixed when the socket is made). */
  #room = 0;
  /** The bound socket has the channel's `drain` listener. */
  #drainWatched = false;
  /** Output was held back; emit `drain` once it has all gone. */
  #owesDrain = false;
  /** An async producer's promise is pending. */
  #awaitingProducer = false;
  /** Changes when the FIFO is dropped, so a late async producer result is ignored. */
  #epoch = 0;
  /** A send is running; a nested request becomes another round of it. */
  #sending = false;
  #sendAgain = false;
  /** Pushes made during the input batch, to write when it ends. */
  flushWanted = false;
  #flushScheduled = false;

  constructor(owner: OutboundOwner, timers: ChannelTimers) {
    this.#owner = owner;
    this.#timers = timers;
  }

  /** Whether the FIFO holds anything (asynchat's default `writable()`). */
  get pending(): boolean {
    return this.#fifo.length > 0;
  }

  /** Bytes queued in the FIFO and in the socket (producers not yet asked are not counted). */
  get queuedBytes(): number {
    return this.#fifo.bytes + (this.socket?.writableLength ?? 0);
  }

  /** Whether queued output has reached `highWaterMark` (producers counted at a fixed weight): reading then pauses. */
  full(highWaterMark: number): boolean {
    const fifo = this.#fifo;
    const queued = fifo.bytes + fifo.producers * PRODUCER_WEIGHT;
    return (this.#blocked ? queued + (this.socket?.writableLength ?? 0) : queued) >= highWaterMark;
  }

  /** Queues pushed data (not empty). */
  pushData(item: string | Buffer): void {
    this.#fifo.pushData(item);
    this.scheduleFlush();
  }

  /** Queues a producer or a marker (closeWhenDone, startTls). */
  pushItem(item: Producer | OutputMarker): void {
    this.#fifo.pushItem(item);
    this.scheduleFlush();
  }

  /** Drops every queued item (discarding producers); a late async result is ignored. */
  clear(): void {
    for (const producer of this.#fifo.clear()) producer.discard?.();
    this.#epoch++;
    this.#awaitingProducer = false;
  }

  /** Binds a (new) socket: it has room until it says otherwise. */
  bind(socket: Duplex): void {
    this.socket = socket;
    this.#room = socket.writableHighWaterMark;
    this.#blocked = false;
    this.#drainWatched = false;
  }

  /** A TLS upgrade replaced the socket: output goes to the new one (its room, its state). */
  swapSocket(socket: Duplex): void {
    this.socket = socket;
    this.#room = socket.writableHighWaterMark;
  }

  /** The socket drained: output may move again. */
  drained(): void {
    this.#blocked = false;
    this.#updateLinger();
  }

  /** Writes soon: at the end of the input batch, or in a microtask, so pushes of one tick leave together. */
  scheduleFlush(): void {
    if (this.pumping) {
      this.flushWanted = true;
      return;
    }
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    soon(flushOutbound, this);
  }

  /** @internal The scheduled flush (see {@link scheduleFlush}). */
  flushNow(): void {
    if (!this.#flushScheduled) return;
    try {
      this.#owner.handleWrite();
    } catch (error) {
      this.#owner[kFail](error);
    }
    this.#owner[kSyncReading]();
  }

  /** asynchat's `initiate_send`: see `AsyncChat.initiateSend`. */
  initiateSend(): void {
    this.#flushScheduled = false;
    this.flushWanted = false;
    // A producer or hook that asks for a send while one is running (say, more() calling
    // updateReading()) gets it after the running one, which still owns the FIFO's head.
    if (this.#sending) {
      this.#sendAgain = true;
      return;
    }
    this.#sending = true;
    try {
      do {
        this.#sendAgain = false;
        this.#send();
      } while (this.#sendAgain);
    } finally {
      this.#sending = false;
    }
  }

  #send(): void {
    const socket = this.socket;
    if (socket === null || this.closed || this.#blocked || this.handshaking) return;
    const owner = this.#owner;
    const fifo = this.#fifo;
    const batch = this.#batch;
    const room = this.#room;
    while (owner.writable() && !this.#awaitingProducer) {
      let batchBytes = 0;
      // Read once per batch: nothing is written to the socket while the batch is gathered
      // (and a stream's getters live on prototypes V8 keeps in its slow mode).
      const queued = socket.writableLength;
      while (queued + batchBytes < room) {
        const piece = owner.refillBuffer();
        if (piece === null) break;
        batch.push(piece);
        batchBytes += piece.length;
      }
      if (!this.#writeBatch(socket)) {
        this.#becomeBlocked();
        return;
      }
      if (fifo.peek() === CLOSE_MARKER && !this.#awaitingProducer) {
        fifo.shift();
        owner[kInvokeHandleClose]();
        return;
      }
      if (fifo.peek() === STARTTLS_MARKER && !this.#awaitingProducer) {
        fifo.shift();
        owner[kStartHandshake](socket);
        return;
      }
      if (batchBytes === 0) break;
    }
    if (this.#owesDrain && fifo.length === 0) {
      this.#owesDrain = false;
      owner[kEmit]("drain");
    }
  }

  /**
   * The one "socket full" transition, whoever wrote last (the send loop or
   * an async producer's piece): wait for `drain`, owe a `drain` event, and
   * arm the linger deadline of a closing channel.
   */
  #becomeBlocked(): void {
    this.#blocked = true;
    // Most connections never fill their socket: the `drain` listener goes on the first time one does.
    if (!this.#drainWatched && this.socket !== null) {
      this.#drainWatched = true;
      this.#owner[kWatchDrain](this.socket);
    }
    this.#owesDrain = true;
    this.#updateLinger();
  }

  #updateLinger(): void {
    this.#timers.updateLinger(this.closing && this.#blocked);
  }

  /** The channel started closing: a full socket now counts against closeTimeout. */
  startClosing(): void {
    this.closing = true;
    this.#updateLinger();
  }

  /** asynchat's `refill_buffer`: see `AsyncChat.refillBuffer`. */
  refill(): string | Buffer | null {
    const fifo = this.#fifo;
    for (;;) {
      const head = fifo.peek();
      if (head === undefined || typeof head === "symbol") return null;
      if (typeof head === "string" || Buffer.isBuffer(head)) {
        fifo.shift();
        return head;
      }
      if (this.#awaitingProducer) return null;
      let piece: ProducerChunk | Promise<ProducerChunk>;
      try {
        piece = head.more();
      } catch (error) {
        fifo.shift();
        this.#producerFailed(new ProducerError("A producer's more() threw", error));
        return null;
      }
      if (typeof piece === "object" && piece !== null && typeof (piece as Promise<unknown>).then === "function") {
        this.#awaitProducer(head, piece as Promise<ProducerChunk>);
        return null;
      }
      const checked = this.#checkPiece(piece);
      if (checked === null) return null;
      if (checked.length === 0) {
        fifo.shift();
        continue;
      }
      return checked;
    }
  }

  /** On close: writes the pushed data at the head of the FIFO, if the socket can still take it. */
  writeLastWords(): void {
    const socket = this.socket;
    if (socket === null || !socket.writable || this.handshaking) return;
    const batch = this.#batch;
    const fifo = this.#fifo;
    for (let head = fifo.peek(); typeof head === "string" || Buffer.isBuffer(head); head = fifo.peek()) {
      batch.push(head);
      fifo.shift();
    }
    this.#writeBatch(socket);
  }

  /** Writes the batch (one write, or corked writes); returns false if the socket is now full. */
  #writeBatch(socket: Duplex): boolean {
    const batch = this.#batch;
    const n = batch.length;
    if (n === 0) return socket.writableLength < socket.writableHighWaterMark;
    let ok = true;
    if (!socket.writable) {
      batch.length = 0;
      return true;
    }
    if (n === 1) ok = socket.write(batch[0]!);
    else {
      socket.cork();
      for (let i = 0; i < n; i++) ok = socket.write(batch[i]!);
      socket.uncork();
    }
    batch.length = 0;
    this.#timers.refreshIdle();
    return ok;
  }

  /**
   * A producer failed. Output taken from the FIFO ahead of it but not yet written
   * was queued before it: send it first, then fail. Output queued behind it is
   * dropped first: close() writes the data at the head of the FIFO as last words,
   * and it would follow the failed producer's truncated output as if complete.
   * Markers (closeWhenDone, startTls) stay; a reply pushed by handleError still leaves.
   */
  #producerFailed(error: ProducerError): void {
    if (this.socket !== null && this.#batch.length > 0) this.#writeBatch(this.socket);
    const fifo = this.#fifo;
    const markers: OutputMarker[] = [];
    for (let item = fifo.shift(); item !== undefined; item = fifo.shift()) {
      if (typeof item === "symbol") markers.push(item);
      else if (typeof item === "object" && !Buffer.isBuffer(item)) item.discard?.();
    }
    for (const marker of markers) fifo.pushItem(marker);
    this.#owner[kFail](error);
  }

  #checkPiece(piece: unknown): string | Buffer | null {
    if (typeof piece === "string") return piece;
    if (piece instanceof Uint8Array) return toBuffer(piece);
    this.#fifo.shift();
    this.#producerFailed(new ProducerError(`A producer's more() returned ${typeof piece}, not a string or bytes`));
    return null;
  }

  #awaitProducer(producer: Producer, pending: Promise<ProducerChunk>): void {
    this.#awaitingProducer = true;
    const epoch = this.#epoch;
    pending.then(
      (piece) => {
        if (epoch !== this.#epoch || this.closed) return;
        this.#awaitingProducer = false;
        if (this.#fifo.peek() !== producer) return;
        const checked = this.#checkPiece(piece);
        if (checked === null) return;
        if (checked.length === 0) this.#fifo.shift();
        else if (this.socket !== null) {
          this.#batch.push(checked);
          if (!this.#writeBatch(this.socket)) {
            this.#becomeBlocked();
            return;
          }
        }
        this.#owner.handleWrite();
      },
      (error: unknown) => {
        if (epoch !== this.#epoch || this.closed) return;
        this.#awaitingProducer = false;
        this.#fifo.shift();
        this.#producerFailed(new ProducerError("A producer's more() rejected", error));
      },
    );
  }
}

function flushOutbound(outbound: Outbound): void {
  outbound.flushNow();
}
