/**
 * A channel's input (Netty's `ByteToMessageDecoder`): the framer and the
 * sink it calls, the terminator in force and the one that ended the last
 * frame, the pieces `appendData` keeps, the pump that frames received
 * bytes and then sends what the callbacks pushed as one batch, the end of
 * input, and the buffered-input limit. It is the framer's sink itself, so
 * each frame costs no object and no closure.
 */

import { Buffer } from "node:buffer";
import { type BareLineEndingError, type BudgetExceededError, FrameTooLongError, IncompleteFrameError, InputOverflowError, invalidArgType } from "../errors";
import { bufferView, toBuffer } from "../framing/buffer-view";
import { type FrameSink, Framer } from "../framing/framer";
import { type NormalTerminator, type Terminator, normalStringTerminator, normalizeTerminator } from "../terminator";
import type { LineEndingPolicy } from "../framing/line-endings";
import type { Failures } from "./failures";
import { FramePolicy, type PolicyOwner } from "./frame-policy";
import { kDiscardedFrameEnd, kRejectFrame } from "./internal";
import { type Lifecycle, OPEN, CLOSED, STOPPED, UPGRADING } from "./lifecycle";
import type { Outbound } from "./outbound";
import type { ChannelTimers } from "./timers";

const EMPTY = Buffer.alloc(0);

/**
 * What the input side calls on its channel: the framing hooks (the two
 * advanced ones are protected on `AsyncChat`; the channel hands itself over
 * as this interface).
 */
export interface InboundOwner {
  collectIncomingData(data: Buffer): void;
  foundTerminator(): void;
  handleFrameData(chunk: Buffer, start: number, end: number): void;
  handleFrameEnd(chunk: Buffer, start: number, end: number): void;
  handleDiscardedFrameEnd(): void;
  handleEndOfInput(): void;
  handleWrite(): void;
}

/** The settings the input side is built with. */
export interface InboundSettings {
  maxLength: number;
  maxBufferedInput: number;
  deliverPartialFrameAtEnd: boolean;
  lineEndings: LineEndingPolicy;
}

/**
 * The input side of one channel; it makes the framer and the frame policy.
 * Final: one instance per channel, made with it.
 */
export class Inbound implements FrameSink, PolicyOwner {
  readonly framer: Framer;
  readonly policy: FramePolicy;
  readonly #owner: InboundOwner;
  readonly #life: Lifecycle;
  readonly #outbound: Outbound;
  readonly #timers: ChannelTimers;
  readonly #policy: FramePolicy;
  readonly #failures: Failures;
  readonly #maxBufferedInput: number;
  readonly #deliverPartialFrame: boolean;

  #terminator: Terminator = null;
  /** The terminator's kind, as a flag per test the hot path makes. */
  #counting = false;
  #endsLines = false;
  /** While a piece of a byte-count frame is being collected: the count before it, else -1. */
  #countBeforePiece = -1;
  /** The terminator in force when the last frame ended, and which of it matched. */
  #matchedFrom: Terminator = null;
  #matchedIndex = -1;

  /** The chunk views are made of, its ArrayBuffer and offset (see `view`). */
  #viewChunk: Buffer | null = null;
  #viewBuffer: ArrayBufferLike | null = null;
  #viewOffset = 0;

  /** Pieces kept by appendData: the first, all of them once there are several, their total length. */
  #kept: Buffer | null = null;
  #keptMore: Buffer[] | null = null;
  #keptLength = 0;

  #pumpScheduled = false;
  #peerEnded = false;
  /** The last string terminator set, and its normal form. */
  #lastString: string | null = null;
  #lastStringNormal: NormalTerminator | null = null;
  #inputEndHandled = false;

  constructor(owner: InboundOwner, life: Lifecycle, settings: InboundSettings) {
    this.#owner = owner;
    this.#life = life;
    this.#outbound = life.outbound;
    this.#timers = life.timers;
    this.#failures = life.failures;
    this.policy = this.#policy = new FramePolicy(this, settings.lineEndings);
    this.#maxBufferedInput = settings.maxBufferedInput;
    this.#deliverPartialFrame = settings.deliverPartialFrameAtEnd;
    this.framer = new Framer(this);
    this.framer.maxLength = settings.maxLength;
  }

  // ------------------------------------------------------------ the framer's sink

  /** @internal FrameSink: a piece of the current frame. */
  data(chunk: Buffer, start: number, end: number): boolean {
    this.#owner.handleFrameData(chunk, start, end);
    return this.#life.mayFrame();
  }

  /** @internal FrameSink: the current frame ends. */
  end(chunk: Buffer, start: number, end: number, matched: number): boolean {
    this.#matchedIndex = matched;
    this.#matchedFrom = this.#terminator;
    this.#timers.framesEnded++;
    this.#owner.handleFrameEnd(chunk, start, end);
    return this.#life.mayFrame();
  }

  /** @internal FrameSink: the current frame passed maxLength. */
  overflow(length: number): boolean {
    this.#failures.reject(new FrameTooLongError(this.framer.maxLength, length));
    return this.#life.mayFrame();
  }

  /** @internal FrameSink: the over-long frame ended. */
  skipped(): boolean {
    // Nothing reaches user code once input has stopped (the over-long frame's handling closed).
    if ((this.#life.pauses & STOPPED) !== 0) return false;
    this.#owner.handleDiscardedFrameEnd();
    return this.#life.mayFrame();
  }

  /** @internal FrameSink: may the next chunk be framed? */
  proceed(): boolean {
    return this.#life.mayFrame();
  }

  // ------------------------------------------------------------ reading

  /** asynchat's `handle_read`: see `AsyncChat.handleRead`. */
  read(data: Uint8Array): void {
    const life = this.#life;
    if ((life.pauses & STOPPED) !== 0) return;
    // One prototype test for the usual Buffer; the wider one only for anything else.
    if (!Buffer.isBuffer(data)) {
      if (!(data instanceof Uint8Array)) throw invalidArgType("data", "a Buffer or Uint8Array", data);
      data = toBuffer(data);
    }
    if ((life.pauses & UPGRADING) !== 0) {
      // Belongs to the TLS stream (or is an injection attempt): the upgrade decides.
      life.tls!.holdLate(data);
      return;
    }
    this.#timers.refreshIdle();
    const framer = this.framer;
    framer.feed(data as Buffer);
    if (this.#outbound.pumping) return;
    this.pump();
    const waiting = framer.pendingBytes;
    if (waiting > this.#maxBufferedInput) {
      framer.reset();
      this.#failures.fail(new InputOverflowError(this.#maxBufferedInput, waiting));
    }
  }

  /** Frames pending input, then sends what the callbacks pushed as one batch. */
  pump(): void {
    const outbound = this.#outbound;
    if (outbound.pumping) return;
    const life = this.#life;
    const framer = this.framer;
    outbound.pumping = true;
    this.#pumpScheduled = false;
    try {
      for (;;) {
        try {
          framer.run();
          break;
        } catch (error) {
          this.#failures.fail(error);
          if (!life.mayFrame()) break;
        }
      }
    } finally {
      outbound.pumping = false;
      // An idle channel must not keep its last read alive through the view cache.
      this.#viewChunk = null;
      this.#viewBuffer = null;
    }
    if (outbound.flushWanted) this.#owner.handleWrite();
    // Framing may have stopped only because this batch's replies passed the output
    // high-water mark; if the socket took them at once, no drain will come to resume it.
    if (framer.pendingBytes > 0 && life.mayFrame()) this.#schedulePump();
    life.syncReading();
    // Without a frame timeout no timer can be armed (setting it to 0 disarms): skip asking where the frame is.
    if (this.#timers.frameTimeout > 0) this.updateFrameTimer();
    if (this.#peerEnded) this.#checkInputEnd();
  }

  #schedulePump(): void {
    if (this.#pumpScheduled) return;
    this.#pumpScheduled = true;
    queueMicrotask(() => {
      if (!this.#pumpScheduled) return;
      this.#pumpScheduled = false;
      if (this.framer.pendingBytes > 0 && this.#life.mayFrame()) this.pump();
    });
  }

  /** `updateReading`: frame what waited if framing may go on, else match the socket to the decision. */
  update(): void {
    if (this.#outbound.pumping) return;
    if (this.framer.pendingBytes > 0 && this.#life.mayFrame()) this.pump();
    else {
      this.#life.syncReading();
      this.#checkInputEnd();
    }
  }

  /** Starts the frame timer when a frame is under way, stops it when none is. */
  updateFrameTimer(): void {
    this.#timers.updateFrame(this.#life.state !== CLOSED && this.framer.frameInProgress);
  }

  /** The peer ended its side: handled once every byte before it is framed. */
  peerEnded(): void {
    this.#peerEnded = true;
    this.#checkInputEnd();
  }

  #checkInputEnd(): void {
    if (!this.#peerEnded || this.#inputEndHandled || this.#outbound.pumping) return;
    const life = this.#life;
    if (life.state === OPEN && this.framer.pendingBytes > 0) return;
    this.#inputEndHandled = true;
    if (life.state !== OPEN) return;
    const owner = this.#owner;
    const outbound = this.#outbound;
    try {
      const deliver = this.#deliverPartialFrame;
      outbound.pumping = true;
      let partial: number;
      try {
        partial = this.framer.finish(deliver);
      } finally {
        outbound.pumping = false;
      }
      if (partial > 0 && !deliver) this.#failures.emitError(new IncompleteFrameError(partial));
      if (outbound.flushWanted) outbound.scheduleFlush();
      if (life.state === OPEN) owner.handleEndOfInput();
    } catch (error) {
      this.#failures.fail(error);
    }
  }

  // ------------------------------------------------------------ the default framing hooks

  /** `AsyncChat.handleFrameData`'s default: the policies, then `collectIncomingData` with a view. */
  piece(chunk: Buffer, start: number, end: number): void {
    // The policies (line endings, budget) cost one test per piece when none is in force.
    const policy = this.#policy;
    if (policy.active && !policy.acceptPiece(chunk, start, end, this.#endsLines)) return;
    if (this.#counting) this.#collectCounted(chunk, start, end, this.framer.remaining + (end - start));
    else this.#owner.collectIncomingData(this.view(chunk, start, end));
  }

  /** `AsyncChat.handleFrameEnd`'s default: the last piece, then `foundTerminator`. */
  frameEnd(chunk: Buffer, start: number, end: number): void {
    const policy = this.#policy;
    if (policy.active && !policy.acceptEnd(chunk, start, end, this.#endsLines)) return;
    const owner = this.#owner;
    if (end > start) {
      if (this.#counting && this.#matchedIndex < 0) this.#collectCounted(chunk, start, end, end - start);
      else owner.collectIncomingData(this.view(chunk, start, end));
    }
    // collectIncomingData may have closed the channel: then the frame's end is not delivered either.
    if ((this.#life.pauses & STOPPED) === 0) owner.foundTerminator();
  }

  /**
   * Hands on a piece of a byte-count frame. As in asynchat, `getTerminator()`
   * called from `collectIncomingData` still reports the count before the
   * piece (`before`); it counts the piece once the call returns.
   */
  #collectCounted(chunk: Buffer, start: number, end: number, before: number): void {
    this.#countBeforePiece = before;
    try {
      this.#owner.collectIncomingData(this.view(chunk, start, end));
    } finally {
      this.#countBeforePiece = -1;
    }
  }

  /** `chunk[start..end)` as a Buffer sharing its memory: see `AsyncChat.view`. */
  view(chunk: Buffer, start: number, end: number): Buffer {
    // A read that is all one piece (the middle of a long body) is handed on as it is: no view to make.
    if (start === 0 && end === chunk.length) return chunk;
    if (chunk !== this.#viewChunk) {
      this.#viewChunk = chunk;
      this.#viewBuffer = chunk.buffer;
      this.#viewOffset = chunk.byteOffset;
    }
    return bufferView(this.#viewBuffer!, this.#viewOffset + start, end - start);
  }

  // ------------------------------------------------------------ kept pieces

  /** asynchat's `_collect_incoming_data`: see `AsyncChat.appendData`. */
  keep(data: Buffer): void {
    if (this.#kept === null) this.#kept = data;
    else if (this.#keptMore === null) this.#keptMore = [this.#kept, data];
    else this.#keptMore.push(data);
    this.#keptLength += data.length;
  }

  /** asynchat's `_get_data`: see `AsyncChat.getData`. */
  takeKept(): Buffer {
    const first = this.#kept;
    if (first === null) return EMPTY;
    const more = this.#keptMore;
    const length = this.#keptLength;
    this.#kept = null;
    this.#keptMore = null;
    this.#keptLength = 0;
    return more === null ? first : Buffer.concat(more, length);
  }

  /** What was kept of a rejected or discarded frame goes with it. */
  dropKept(): void {
    this.#kept = null;
    this.#keptMore = null;
    this.#keptLength = 0;
  }

  /** @internal For the frame policy: see {@link kRejectFrame}. */
  [kRejectFrame](error: BareLineEndingError | BudgetExceededError): void {
    this.dropKept();
    this.#failures.reject(error);
  }

  /** @internal For the frame policy: see {@link kDiscardedFrameEnd}. */
  [kDiscardedFrameEnd](): void {
    if ((this.#life.pauses & STOPPED) === 0) this.#owner.handleDiscardedFrameEnd();
  }

  // ------------------------------------------------------------ the terminator

  /** asynchat's `set_terminator`: see `AsyncChat.setTerminator`. */
  setTerminator(terminator: Terminator): void {
    if (typeof terminator === "number" && terminator > 0 && Number.isSafeInteger(terminator)) {
      // The common switch to a byte count: nothing to normalise.
      this.#terminator = terminator;
      this.#counting = true;
      this.#endsLines = false;
      this.#countBeforePiece = -1;
      this.framer.setCount(terminator);
      this.#afterTerminatorChange();
      return;
    }
    // Protocols (and every connection of one) set the same line terminator again and again: encode it
    // once per process, and compare with the last one first (most switches go back to it).
    let normal: NormalTerminator;
    if (typeof terminator !== "string") normal = normalizeTerminator(terminator);
    else if (terminator === this.#lastString) normal = this.#lastStringNormal!;
    else {
      normal = normalStringTerminator(terminator);
      this.#lastString = terminator;
      this.#lastStringNormal = normal;
    }
    this.setNormal(terminator, normal);
  }

  /** `AsyncChat.setNormalTerminator`: a terminator already normalised. */
  setNormal(terminator: Terminator, normal: NormalTerminator): void {
    // An array is kept as its validated copy, so that getMatchedTerminator() names the
    // element that matched even if the caller changes their array later.
    this.#terminator = normal.kind === "any" ? normal.value : terminator;
    this.#counting = normal.kind === "count";
    // Frames ended by a string or bytes terminator are the ones a line-ending policy checks.
    this.#endsLines = normal.kind === "sequence" || normal.kind === "any";
    this.#countBeforePiece = -1;
    this.framer.setTerminator(normal);
    this.#afterTerminatorChange();
  }

  #afterTerminatorChange(): void {
    // Bytes held back for the old terminator are input again: frame them soon.
    if (!this.#outbound.pumping && this.framer.pendingBytes > 0) this.#schedulePump();
  }

  /** asynchat's `get_terminator`: see `AsyncChat.getTerminator`. */
  getTerminator(): Terminator {
    if (!this.#counting) return this.#terminator;
    return this.#countBeforePiece >= 0 ? this.#countBeforePiece : this.framer.remaining;
  }

  /** See `AsyncChat.getMatchedTerminator`. */
  getMatchedTerminator(): string | Uint8Array | null {
    if (this.#matchedIndex < 0) return null;
    const from = this.#matchedFrom;
    if (Array.isArray(from)) return (from as ReadonlyArray<string | Uint8Array>)[this.#matchedIndex] ?? null;
    return from as string | Uint8Array;
  }
}
