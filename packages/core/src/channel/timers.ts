/**
 * A channel's deadlines: idle (no traffic either way), frame (first byte of
 * a frame to its terminator) and linger (a closing channel whose peer takes
 * none of its output). Each is one Node timer, unref'd, armed only while it
 * can fire, refreshed rather than re-created on traffic.
 */

import { ChannelTimeoutError, ErrorCode } from "../errors";
import { kLingerExpired, kTimedOut } from "./internal";

/** What the timers call back on their channel. */
export interface TimerOwner {
  [kTimedOut](error: ChannelTimeoutError): void;
  [kLingerExpired](): void;
}

/** The three deadlines of one channel. Final: one instance per channel, made with it. */
export class ChannelTimers {
  readonly #owner: TimerOwner;
  readonly #closeTimeout: number;
  #idleTimeout: number;
  #frameTimeout: number;
  #idle: NodeJS.Timeout | null = null;
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
    if (this.#idle !== null) clearTimeout(this.#idle);
    this.#idle = null;
    if (running) this.startIdle();
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
    if (!(idle > 0) || !Number.isFinite(idle)) return;
    this.#idle = setTimeout(() => {
      this.#idle = null;
      this.#owner[kTimedOut](new ChannelTimeoutError(ErrorCode.IDLE_TIMEOUT, idle));
    }, idle);
    this.#idle.unref();
  }

  /** Traffic either way: the idle wait starts again. */
  refreshIdle(): void {
    if (this.#idle !== null) this.#idle.refresh();
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
    if (this.#idle !== null) clearTimeout(this.#idle);
    if (this.#frame !== null) clearTimeout(this.#frame);
    this.#linger = null;
    this.#idle = null;
    this.#frame = null;
  }
}
