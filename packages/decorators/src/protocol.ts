/**
 * Protocol: an AsyncChat whose input is handled by the state machine that
 * `@onTerminator`/`@onBytes` methods declare. It sets the current state's
 * terminator, hands each frame to the state's handler, and enters the state
 * the handler names.
 */

import { Buffer } from "node:buffer";
import type { Duplex } from "node:stream";
import {
  AsyncChat,
  BareLineEndingError,
  type BudgetExceededError,
  type BudgetUse,
  CrlfCheck,
  type FrameBudget,
  FrameTooLongError,
  type LineEndingPolicy,
  describeValue,
  findBareLineEndingInFrame,
  normalizeTerminator,
  publishStateChange,
} from "@asynchat/core";
import { ProtocolErrorCode, ProtocolStateError } from "./errors";
import type { FrameRejection, ProtocolEvents, ProtocolOptions } from "./protocol-types";
import { type ChannelBudget, budgetUse, overBudget, startChannelBudget } from "./machine/channel-budget";
import { type Budget, type CompiledState, DEFAULT_MAX_LENGTH, type Machine, compileProtocol } from "./machine/compile";
import { FrameText } from "./machine/frame-text";

export type { FrameRejection, ProtocolEvents, ProtocolOptions, StateChange } from "./protocol-types";

// The package's entry point re-exports through getters, and V8 keeps such an exports object in its slow
// (dictionary) mode: a call through it is a hash lookup and a getter call. The functions called per frame
// are read from it once, here.
const bareLineEndingIn = findBareLineEndingInFrame;
const publishState = publishStateChange;

const EMPTY = Buffer.alloc(0);
/** Empty frames (byte counts of 0) one entry may handle in a row before it is taken for a loop. */
const MAX_EMPTY_FRAMES = 10_000;


function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === "object" && value !== null && typeof (value as PromiseLike<unknown>).then === "function";
}

/**
 * A channel whose protocol is declared by decorated methods:
 *
 * ```ts
 * class Resp extends Protocol {
 *   private need = 0;
 *   @onTerminator("\r\n", { encoding: "latin1" })
 *   header(line: string) {
 *     if (line[0] === "$") { this.need = Number(line.slice(1)) + 2; return this.bulk; }
 *   }
 *   @onBytes((self: Resp) => self.need)
 *   bulk(data: Buffer) { this.push(data); return this.header; }
 * }
 * ```
 *
 * Push, producers, `closeWhenDone` and the rest of `AsyncChat` work as
 * usual. A subclass that overrides `handleConnect`, `handleError`,
 * `handleFrameTooLong`, `handleEndOfInput` or `readable` must call `super`.
 */
export class Protocol<Events extends ProtocolEvents = ProtocolEvents> extends AsyncChat<Events> {
  /**
   * The `maxLength` of every state that does not set its own (streamed
   * states excepted). 64 KiB unless a subclass changes it; `Infinity` opts out.
   */
  static defaultMaxLength: number = DEFAULT_MAX_LENGTH;

  /**
   * Named byte and frame budgets over groups of states (`{ budget: "headers" }`
   * on each state of the group). Consecutive frames of a group count against
   * its budget; entering a state outside the group starts it afresh.
   */
  static budgets: Readonly<Record<string, Budget>> = {};

  readonly #machine: Machine;
  #state: CompiledState;
  #started = false;
  readonly #channelMaxLength: number | undefined;
  /** The channel's frameTimeout as constructed: the default of states without their own. */
  readonly #channelFrameTimeout: number;
  /** The channel-wide line-ending policy: the default of states that set none. */
  #channelCrlf: boolean;
  /** Whether the current state's frames must use CRLF line endings (its own policy, or the channel's). */
  #crlfNow = false;
  /** A budget started with startBudget: counts the frames of states without a budget of their own. */
  #channelBudget: ChannelBudget | null = null;

  /** Pieces of the frame under way (buffered states). */
  #parts: Buffer[] | null = null;
  #partsLength = 0;
  /** An async handler is pending: no frame is delivered until it settles. */
  #busy = false;
  /** The peer ended while a handler was pending. */
  #endDeferred = false;
  /** A byte-count frame over the limit is being dropped. */
  #dropping = false;
  /** What `@onOverflow` named, entered once the rejected frame has ended. */
  #afterRejection: unknown = undefined;
  /** The line-ending check of a streamed crlf-only frame under way. */
  #crlf: CrlfCheck | null = null;
  /** Frames as text, for states with an encoding (made when the first such frame comes). */
  #text: FrameText | null = null;
  /** What the frames of the current budget group have used. */
  #budgetBytes = 0;
  #budgetFrames = 0;

  /**
   * @param socket the connection, or none to feed `handleRead` by hand
   * @param options channel options; `maxLength` overrides the class default
   * @throws ProtocolDefinitionError if the class has mistakes (the first time it is instantiated)
   */
  constructor(socket?: Duplex | null, options?: ProtocolOptions) {
    // Compile first: a class with mistakes fails before it touches the socket.
    const machine = compileProtocol(new.target);
    super(socket, options);
    this.#machine = machine;
    this.#state = machine.initial;
    this.#channelMaxLength = options?.maxLength;
    // Read from the channel's parts, not `options` (which would be made for every connection).
    this.#channelFrameTimeout = this.frameTimeout;
    // The channel-wide policy is the states' default (this class checks frames itself, per state).
    this.#channelCrlf = super.lineEndings === "crlf";
    // One listener function for every channel, and none for a class without @onClose methods.
    if (machine.lifecycle.close.length > 0) this.#events().once("close", Protocol.#closeLifecycle);
  }

  /**
   * The channel-wide line-ending policy: the default of every state that sets
   * none (`@onTerminator(t, { lineEndings })` wins). Changing it applies to
   * the current state at once if that state has no policy of its own.
   */
  override get lineEndings(): LineEndingPolicy {
    return this.#channelCrlf ? "crlf" : "any";
  }

  override set lineEndings(policy: LineEndingPolicy) {
    // The core's setter validates it and keeps `options` in step; the checks are this class's own.
    super.lineEndings = policy;
    this.#channelCrlf = policy === "crlf";
    this.#crlfNow = this.#crlfOf(this.#state);
  }

  /**
   * A channel-wide budget over the frames that follow, as on `AsyncChat`:
   * the default of states without a budget of their own (`{ budget }` on a
   * state wins). Rejected frames go to {@link handleBudgetExceeded}.
   */
  override startBudget(budget: FrameBudget): void {
    this.#channelBudget = startChannelBudget(budget);
  }

  override endBudget(): BudgetUse {
    const used = budgetUse(this.#channelBudget);
    this.#channelBudget = null;
    return used ?? { bytes: 0, frames: 0 };
  }

  override get budgetUsed(): BudgetUse | null {
    return budgetUse(this.#channelBudget);
  }

  /** The name of the current state. */
  get state(): string {
    return this.#state.name;
  }

  /** Whether an async handler is pending (input waits for it). */
  get busy(): boolean {
    return this.#busy;
  }

  // ------------------------------------------------------------ life-cycle

  /** Enters the initial state, then runs the `@onConnect` methods. Call `super.handleConnect()` if you override it. */
  override handleConnect(): void {
    this.#start();
    this.#runLifecycle("connect");
  }

  /** Frames received bytes (entering the initial state first if the connection has not started it). */
  override handleRead(data: Uint8Array): void {
    if (!this.#started) {
      try {
        this.#start();
      } catch (error) {
        this.fail(error);
        return;
      }
    }
    // The decoded window belongs to the previous read: a caller may reuse its buffer for this one.
    this.#text?.forgetWindow();
    super.handleRead(data);
  }

  /** False while an async handler is pending. Call `super.readable()` if you override it. */
  override readable(): boolean {
    return !this.#busy;
  }

  /** Runs the `@onError` methods, then the default (close). */
  override handleError(error: Error): void {
    try {
      this.#runLifecycle("error", error);
    } finally {
      super.handleError(error);
    }
  }

  /** A class with `@onError` methods has handled its failures: nothing is reported then. */
  protected override reportUnhandledError(error: Error): void {
    if (this.#machine.lifecycle.error.length === 0) super.reportUnhandledError(error);
  }

  /**
   * A frame was rejected (too long, a bare line ending, a budget): the
   * partial frame is dropped, and the `@onOverflow` methods decide (reply and
   * name the state to enter once the frame has ended, or close). Without
   * one, the default closes.
   */
  override handleFrameTooLong(error: FrameTooLongError): void {
    this.#reject(error);
  }

  /** A frame held a bare CR or LF in a `{ lineEndings: "crlf" }` state: as {@link handleFrameTooLong}. */
  override handleBareLineEnding(error: BareLineEndingError): void {
    this.#reject(error);
  }

  /** A frame took its state's budget past a limit: as {@link handleFrameTooLong}. */
  override handleBudgetExceeded(error: BudgetExceededError): void {
    this.#reject(error);
  }

  /** After the rejected frame has ended: enter the state `@onOverflow` named (or stay). */
  override handleDiscardedFrameEnd(): void {
    const next = this.#afterRejection;
    this.#afterRejection = undefined;
    if (this.closing) return;
    this.#continue(this.#state, next);
  }

  /** The peer ended: waits for a pending handler, then closes when done. */
  override handleEndOfInput(): void {
    if (this.#busy) {
      this.#endDeferred = true;
      return;
    }
    super.handleEndOfInput();
  }

  // ------------------------------------------------------------ framing

  protected override handleFrameData(chunk: Buffer, start: number, end: number): void {
    if (this.#dropping) return;
    const state = this.#state;
    if (state.stream) {
      if (this.#crlfNow && !this.#checkPiece(chunk, start, end)) return;
      const result = state.handler.call(this, this.#piece(state, chunk, start, end, false), false);
      if (isPromiseLike(result)) this.#wait(result, null);
      return;
    }
    // Made on the first frame that comes in pieces: most connections never have one.
    (this.#parts ??= []).push(this.view(chunk, start, end));
    this.#partsLength += end - start;
  }

  protected override handleFrameEnd(chunk: Buffer, start: number, end: number): void {
    const state = this.#state;
    if (this.#dropping) {
      this.#dropping = false;
      this.handleDiscardedFrameEnd();
      return;
    }
    let result: unknown;
    if (state.stream) {
      if (this.#crlfNow) {
        if (!this.#checkPiece(chunk, start, end)) {
          // The frame has ended: there is nothing left of it to drop.
          this.#dropping = false;
          this.handleDiscardedFrameEnd();
          return;
        }
        const bad = this.#crlf === null ? -1 : this.#crlf.end();
        if (bad >= 0) {
          this.#rejectComplete(new BareLineEndingError(bad));
          return;
        }
      }
      result = state.handler.call(this, this.#piece(state, chunk, start, end, true), true);
    } else {
      let frame: Buffer | string;
      let length: number;
      const parts = this.#parts;
      if (parts === null || parts.length === 0) {
        length = end - start;
        if (this.#crlfNow && !this.#checkFrame(chunk, start, end)) return;
        frame = state.latin1 ? (this.#text ??= new FrameText()).latin1(chunk, start, end) : state.encoding !== null ? chunk.toString(state.encoding, start, end) : this.view(chunk, start, end);
      } else {
        if (end > start) parts.push(this.view(chunk, start, end));
        length = this.#partsLength + (end - start);
        const whole = Buffer.concat(parts, length);
        this.#parts = null;
        this.#partsLength = 0;
        if (this.#crlfNow && !this.#checkFrame(whole, 0, length)) return;
        frame = state.encoding !== null ? whole.toString(state.encoding) : whole;
      }
      if (state.budget >= 0) {
        if (!this.#charge(state, length)) return;
      } else if (this.#channelBudget !== null && !this.#chargeChannelBudget(this.#channelBudget, length)) return;
      result = state.handler.call(this, frame);
    }
    this.#continue(state, result);
  }

  // ------------------------------------------------------------ internals

  /** The `close` listener of classes with `@onClose` methods (eventemitter3 calls it with the channel as `this`). */
  static #closeLifecycle(this: Protocol<any>): void {
    this.#runLifecycle("close");
  }

  /** This channel with its event types fixed (the class is generic over them). */
  #events(): AsyncChat<ProtocolEvents> {
    return this as unknown as AsyncChat<ProtocolEvents>;
  }

  #start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#enter(this.#machine.initial, null);
  }

  #runLifecycle(event: "connect" | "close" | "error", error?: Error): void {
    const handlers = this.#machine.lifecycle[event];
    for (let i = 0; i < handlers.length; i++) handlers[i]!.call(this, error);
  }

  /** Acts on a handler's result: a promise to wait for, a next state, or nothing (stay). */
  #continue(state: CompiledState, result: unknown): void {
    if (result === undefined || result === null) {
      // Staying in a byte-count state arms it again for the next frame.
      if (state.kind === "bytes") this.#enter(state, state);
      return;
    }
    if (isPromiseLike(result)) {
      this.#wait(result, state);
      return;
    }
    this.#enter(this.#resolve(state, result), state);
  }

  /** The state a handler's result names; throws for anything else (that channel errors). */
  #resolve(state: CompiledState, result: unknown): CompiledState {
    const machine = this.#machine;
    const next = typeof result === "function" ? machine.byFunction.get(result) : typeof result === "string" ? machine.byName.get(result) : undefined;
    if (next === undefined) {
      throw new ProtocolStateError(
        ProtocolErrorCode.BAD_NEXT_STATE,
        `${machine.className}.${state.name} returned ${describeValue(result)}, which is not a state of ${machine.className}`,
        result,
      );
    }
    if (state.next !== null && next !== state && !state.next.has(next)) {
      throw new ProtocolStateError(
        ProtocolErrorCode.BAD_NEXT_STATE,
        `${machine.className}.${state.name} returned "${next.name}", which is not among its declared next states (${[...state.next].map((s) => s.name).join(", ")})`,
        result,
      );
    }
    return next;
  }

  /** Waits for an async handler: input pauses, then the resolved value names the next state. */
  #wait(promise: PromiseLike<unknown>, state: CompiledState | null): void {
    this.#busy = true;
    promise.then(
      (value) => {
        this.#busy = false;
        if (this.closed) return;
        try {
          if (state !== null && !this.closing) this.#continue(state, value);
        } catch (error) {
          this.fail(error);
        }
        this.#afterWait();
      },
      (error: unknown) => {
        this.#busy = false;
        if (this.closed) return;
        this.fail(error);
        this.#afterWait();
      },
    );
  }

  #afterWait(): void {
    if (this.#busy) return;
    if (this.#endDeferred && !this.closing) {
      this.#endDeferred = false;
      super.handleEndOfInput();
      return;
    }
    this.updateReading();
  }

  /**
   * Enters `state` (from `previous`): sets its terminator or byte count and
   * its limit. A byte count of 0 is an empty frame handled at once.
   */
  #enter(state: CompiledState, previous: CompiledState | null): void {
    /** The state is armed again after its handler stayed on an empty frame. */
    let again = false;
    /** Empty frames handled in a row without reading a byte. */
    let emptyFrames = 0;
    for (;;) {
      this.#state = state;
      if (state.budget >= 0 && (previous === null || previous.budget !== state.budget)) {
        this.#budgetBytes = 0;
        this.#budgetFrames = 0;
      }
      // The channel's maxLength stands in for the class default, which streamed states do not have.
      const limit = state.ownMaxLength || state.stream || this.#channelMaxLength === undefined ? state.maxLength : this.#channelMaxLength;
      if (this.maxLength !== limit) this.maxLength = limit;
      const deadline = state.options.frameTimeout ?? this.#channelFrameTimeout;
      this.#crlfNow = this.#crlfOf(state);
      if (this.frameTimeout !== deadline) this.frameTimeout = deadline;
      if (state.kind === "terminator") {
        if (state.normal !== null) this.setNormalTerminator(state.terminator, state.normal);
        else this.#setComputedTerminator(state);
        this.#announce(previous, state);
        return;
      }
      const count = state.countFn === null ? state.count : state.countFn(this);
      if (typeof count !== "number" || !Number.isSafeInteger(count) || count < 0) {
        throw new ProtocolStateError(
          ProtocolErrorCode.BAD_TERMINATOR,
          `${this.#machine.className}.${state.name}: the byte count must be an integer >= 0, got ${describeValue(count)}`,
          count,
        );
      }
      if (count === 0 && again) {
        throw new ProtocolStateError(
          ProtocolErrorCode.BAD_TERMINATOR,
          `${this.#machine.className}.${state.name}: the handler stayed after an empty frame and the byte count is 0 again, which would deliver empty frames forever`,
          count,
        );
      }
      if (count > 0) this.setTerminator(count);
      this.#announce(previous, state);
      if (count > limit) {
        // Too long to accept: drop it as it arrives, then go where @onOverflow says.
        this.#dropping = true;
        this.rejectFrame(new FrameTooLongError(limit, count));
        return;
      }
      if (count > 0) return;
      if (++emptyFrames > MAX_EMPTY_FRAMES) {
        // Zero-count states that keep naming each other would never read another byte.
        throw new ProtocolStateError(
          ProtocolErrorCode.BAD_TERMINATOR,
          `${this.#machine.className}.${state.name}: ${MAX_EMPTY_FRAMES} empty frames in a row without reading a byte; byte counts of 0 loop`,
          count,
        );
      }
      // An empty frame, at once.
      const frame = state.encoding !== null ? "" : EMPTY;
      const result = state.stream ? state.handler.call(this, frame, true) : state.handler.call(this, frame);
      if (isPromiseLike(result)) {
        this.setTerminator(0);
        this.#wait(result, state);
        return;
      }
      // Staying arms the count again, as after any frame.
      const next = result === undefined || result === null ? state : this.#resolve(state, result);
      again = next === state;
      previous = state;
      state = next;
    }
  }

  /** Emits `state` for a change of state, once the new state's terminator is in force. */
  #announce(previous: CompiledState | null, state: CompiledState): void {
    if (previous !== state && previous !== null) {
      if (this.#events().listenerCount("state") > 0) this.#events().emit("state", { from: previous.name, to: state.name });
      publishState(this, previous.name, state.name);
    }
  }

  #setComputedTerminator(state: CompiledState): void {
    const terminator = state.terminatorFn!(this);
    if (typeof terminator === "number" || terminator === null) {
      throw new ProtocolStateError(
        ProtocolErrorCode.BAD_TERMINATOR,
        `${this.#machine.className}.${state.name}: the terminator function must return a string, bytes or an array of them, got ${describeValue(terminator)}`,
        terminator,
      );
    }
    let normal;
    try {
      normal = normalizeTerminator(terminator);
    } catch (error) {
      throw new ProtocolStateError(
        ProtocolErrorCode.BAD_TERMINATOR,
        `${this.#machine.className}.${state.name}: ${(error as Error).message}`,
        terminator,
      );
    }
    this.setNormalTerminator(terminator, normal);
  }

  /** A frame is rejected: drop what was gathered, let @onOverflow decide, report the error. */
  #reject(error: FrameRejection): void {
    this.#parts = null;
    this.#partsLength = 0;
    this.#text?.dropDecoder();
    this.#crlf?.reset();
    const handlers = this.#machine.lifecycle.overflow;
    if (handlers.length === 0) {
      if (error instanceof FrameTooLongError) super.handleFrameTooLong(error);
      else if (error instanceof BareLineEndingError) super.handleBareLineEnding(error);
      else super.handleBudgetExceeded(error);
      return;
    }
    let next: unknown;
    for (let i = 0; i < handlers.length; i++) {
      const result = handlers[i]!.call(this, error, this.#state.name);
      if (result !== undefined) next = result;
    }
    this.#afterRejection = next;
  }

  /** Rejects a complete frame (bare line ending, budget) and moves on as `@onOverflow` says. */
  #rejectComplete(error: FrameRejection): void {
    this.rejectFrame(error);
    this.handleDiscardedFrameEnd();
  }

  #checkFrame(data: Buffer, start: number, end: number): boolean {
    const bad = bareLineEndingIn(data, start, end);
    if (bad < 0) return true;
    this.#rejectComplete(new BareLineEndingError(bad));
    return false;
  }

  /** Checks a piece of a streamed crlf-only frame; a bad one drops the rest of the frame. */
  #checkPiece(data: Buffer, start: number, end: number): boolean {
    const bad = (this.#crlf ??= new CrlfCheck()).piece(data, start, end);
    if (bad < 0) return true;
    this.#dropping = true;
    this.rejectFrame(new BareLineEndingError(bad));
    return false;
  }

  /** Whether frames of `state` must use CRLF line endings: its own policy, else the channel's. */
  #crlfOf(state: CompiledState): boolean {
    // Byte-count frames are never checked.
    if (state.kind === "bytes") return false;
    const own = state.options.lineEndings;
    return own === undefined ? this.#channelCrlf : own === "crlf";
  }

  /** Counts a frame of a state without a budget of its own against the channel's (startBudget). */
  #chargeChannelBudget(budget: ChannelBudget, length: number): boolean {
    budget.bytes += length;
    budget.frames++;
    const over = overBudget(budget, budget.bytes, budget.frames);
    if (over === null) return true;
    this.#rejectComplete(over);
    return false;
  }

  /** Counts a frame against its state's budget; rejects it if the budget is used up. */
  #charge(state: CompiledState, length: number): boolean {
    const bytes = this.#budgetBytes + length;
    const frames = this.#budgetFrames + 1;
    const over = overBudget(this.#machine.budgets[state.budget]!, bytes, frames);
    if (over !== null) {
      this.#rejectComplete(over);
      return false;
    }
    this.#budgetBytes = bytes;
    this.#budgetFrames = frames;
    return true;
  }

  /** One piece of a streamed frame, decoded if the state has an encoding. */
  #piece(state: CompiledState, chunk: Buffer, start: number, end: number, last: boolean): Buffer | string {
    if (state.encoding === null) return this.view(chunk, start, end);
    return (this.#text ??= new FrameText()).piece(state.encoding, state.latin1, chunk, start, end, last);
  }
}
