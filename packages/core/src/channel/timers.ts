/**
 * A channel's deadlines: idle (no traffic either way), frame (first byte of
 * a frame to its terminator) and linger (a closing channel whose peer takes
 * none of its output). The idle deadline is a place in the wheel shared by
 * every channel with the same timeout (idle-wheel.ts): most channels have
 * one, and traffic would otherwise re-arm a timer per read. The other two
 * are Node timers, unref'd, armed only while they can fire.
 */

import { ChannelTimeoutError, ErrorCode } from "../errors";
import { type IdleMember, type IdleWheel, idleWheel } from "./idle-wheel";
import { kLingerExpired, kTimedOut } from "./internal";

/** What the timers call back on their channel. */
export interface TimerOwner {
  [kTimedOut](error: ChannelTimeoutError): void;
  [kLingerExpired](): void;
}

/** The three deadlines of one channel. Final: one instance per channel, made with it. */
export class ChannelTimers implements IdleMember {
  readonly #owner: TimerOwner;
  readonly #closeTimeout: number;
  #idleTimeout: number;
  #frameTimeout: number;
  /** @internal The idle wheel's links (see {@link IdleMember}). */
  idlePrev: IdleMember | null = null;
  idleNext: IdleMember | null = null;
  idleTick = 0;
  idleWheel: IdleWheel | null = null;
  #frame: NodeJS.Timeout | null = null;
  #linger: NodeJS.Timeout | null = null;
  /** Frames ended so far, and when the frame timer was armed: a later frame gets a fresh deadline. */
  framesEnded = 0;
  #framesEndedAtTimer = -1;

  constructor(owner: TimerOwner, idleTimeout: number, frameTimeout: number, closeTimeout: number) {
    this.#owner = owner;
    this.#idleTimeout = idleTimeout;
    this.#frameTimeout = frameTimeout;
    this.#closeTimeout = closeTimeout;
  }

  get idleTimeout(): number {
    return this.#idleTimeout;
  }

  get frameTimeout(): number {
    return this.#frameTimeout;
  }

  /** Changes the idle timeout; the wait starts afresh if `running` (a socket is bound and open). */
  setIdleTimeout(milliseconds: number, running: boolean): void {
    this.#idleTimeout = milliseconds;
    if (running) this.startIdle();
    else this.idleWheel?.remove(this);
  }

  /** Changes the frame timeout; a frame under way gets a fresh deadline at the next {@link updateFrame}. */
  setFrameTimeout(milliseconds: number): void {
    this.#frameTimeout = milliseconds;
    if (this.#frame !== null) clearTimeout(this.#frame);
    this.#frame = null;
  }

  /** Arms the idle deadline (when there is one). */
  startIdle(): void {
    const idle = this.#idleTimeout;
    this.idleWheel?.remove(this);
    if (!(idle > 0) || !Number.isFinite(idle)) return;
    idleWheel(idle).add(this);
  }

  /** Traffic either way: the idle wait starts again. */
  refreshIdle(): void {
    const wheel = this.idleWheel;
    if (wheel !== null) wheel.touch(this);
  }

  /** @internal The idle deadline passed (called by the wheel, which has let go of this member). */
  idleExpired(): void {
    this.#owner[kTimedOut](new ChannelTimeoutError(ErrorCode.IDLE_TIMEOUT, this.#idleTimeout));
  }

  /** Arms the frame deadline while a frame is under way (`inFrame`), disarms it otherwise. */
  updateFrame(inFrame: boolean): void {
    const limit = this.#frameTimeout;
    if (!(limit > 0) || !Number.isFinite(limit) || !inFrame) {
      if (this.#frame !== null) clearTimeout(this.#frame);
      this.#frame = null;
      return;
    }
    // A frame that started after the timed one ended gets a fresh timer.
    if (this.#frame !== null && this.#framesEndedAtTimer === this.framesEnded) return;
    if (this.#frame !== null) clearTimeout(this.#frame);
    this.#framesEndedAtTimer = this.framesEnded;
    this.#frame = setTimeout(() => {
      this.#frame = null;
      this.#owner[kTimedOut](new ChannelTimeoutError(ErrorCode.FRAME_TIMEOUT, limit));
    }, limit);
    this.#frame.unref();
  }

  /**
   * A closing channel whose peer takes none of its output for `closeTimeout`
   * ms is destroyed: the deadline runs while `waiting` (closing and the
   * socket full) and stops once output moves.
   */
  updateLinger(waiting: boolean): void {
    if (!waiting) {
      if (this.#linger !== null) clearTimeout(this.#linger);
      this.#linger = null;
      return;
    }
    const limit = this.#closeTimeout;
    if (this.#linger !== null || !Number.isFinite(limit)) return;
    this.#linger = setTimeout(() => {
      this.#linger = null;
      this.#owner[kLingerExpired]();
    }, limit);
    this.#linger.unref();
  }

  /** Disarms every deadline (the channel closed). */
  stop(): void {
    if (this.#linger !== null) clearTimeout(this.#linger);
    this.idleWheel?.remove(this);
    if (this.#frame !== null) clearTimeout(this.#frame);
    this.#linger = null;
    this.#frame = null;
  }
}
