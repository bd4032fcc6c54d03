/**
 * Options of a channel, their defaults and their validation.
 */

import { invalidArgType } from "../errors";
import type { LineEndingPolicy } from "../framing/line-endings";
import { AT_LEAST_ONE, AT_LEAST_ZERO, type LimitRule, checkLimit } from "./limits";

/** Options accepted by `new AsyncChat(socket, options)`. Every limit has a finite default. */
export interface AsyncChatOptions {
  /**
   * Longest frame, in bytes, before its terminator (string, bytes or array
   * terminators). A frame of exactly `maxLength` bytes passes; a longer one is
   * reported to `handleFrameTooLong` as soon as it is known to be too long,
   * and its remaining bytes are dropped up to its terminator. Byte counts and
   * "collect everything" are not limited by it. Default 16 MiB;
   * `Infinity` turns it off.
   */
  maxLength?: number;
  /**
   * Output queued (in the FIFO and in the socket) past which the channel
   * stops reading until the peer has taken some: a client that pipelines
   * without reading cannot grow our memory. Default 1 MiB.
   */
  outputHighWaterMark?: number;
  /**
   * Unread input the channel holds while reading is paused (by `readable()`,
   * the output high-water mark or a busy handler) before it gives up with
   * `ERR_INPUT_OVERFLOW`. Default 1 MiB.
   */
  maxBufferedInput?: number;
  /**
   * Milliseconds without traffic either way before the channel fails with
   * `ERR_IDLE_TIMEOUT`; 0 (default) for none. Never sooner; at most about
   * an eighth of the timeout later (channels with the same timeout share one
   * timer that ticks at a sixteenth of it).
   */
  idleTimeout?: number;
  /**
   * Milliseconds from the first byte of a frame to its terminator before the
   * channel fails with `ERR_FRAME_TIMEOUT` (slowloris defence, separate from
   * the idle timeout); 0 (default) for none.
   */
  frameTimeout?: number;
  /**
   * When the peer ends the connection in the middle of a frame: `true` hands
   * the unfinished frame to the application as if it were terminated
   * (`getMatchedTerminator()` returns `null`); `false` (default) drops it and
   * emits an `error` event with `ERR_INCOMPLETE_FRAME` and its length.
   */
  deliverPartialFrameAtEnd?: boolean;
  /**
   * `"crlf"`: a frame ended by a string or bytes terminator must not hold a
   * bare CR or LF (one not part of a CR LF pair); one that does goes to
   * `handleBareLineEnding` (default: close) with `ERR_BARE_LINE_ENDING`, and
   * the rest of it is dropped up to its terminator. The defence against
   * SMTP smuggling. `"any"` (default): no check. Byte-count frames are never
   * checked. Also a channel property, to change per protocol state.
   */
  lineEndings?: LineEndingPolicy;
  /**
   * Milliseconds a closing channel (after `closeWhenDone()` or `close()`)
   * waits without the peer taking any of its remaining output before it
   * destroys the socket anyway. Default 5000.
   */
  closeTimeout?: number;
}

/** The defaults of {@link AsyncChatOptions}. */
export const DEFAULT_CHANNEL_OPTIONS: Readonly<Required<AsyncChatOptions>> = Object.freeze({
  maxLength: 16 * 1024 * 1024,
  outputHighWaterMark: 1024 * 1024,
  maxBufferedInput: 1024 * 1024,
  idleTimeout: 0,
  frameTimeout: 0,
  deliverPartialFrameAtEnd: false,
  lineEndings: "any",
  closeTimeout: 5000,
});

/** What each numeric option accepts; the channel's setters check against the same rules. */
export const CHANNEL_LIMITS = Object.freeze({
  maxLength: AT_LEAST_ZERO,
  outputHighWaterMark: AT_LEAST_ONE,
  maxBufferedInput: AT_LEAST_ONE,
  idleTimeout: AT_LEAST_ZERO,
  frameTimeout: AT_LEAST_ZERO,
  closeTimeout: AT_LEAST_ZERO,
} satisfies Record<string, LimitRule>);

function limit(options: AsyncChatOptions, key: keyof typeof CHANNEL_LIMITS): number {
  return checkLimit(`options.${key}`, options[key] ?? DEFAULT_CHANNEL_OPTIONS[key], CHANNEL_LIMITS[key]);
}

/** Checks a line-ending policy (`"any"` or `"crlf"`); throws a TypeError naming `name` otherwise. */
export function lineEndingPolicy(value: unknown, name: string): LineEndingPolicy {
  if (value === "any" || value === "crlf") return value;
  throw invalidArgType(name, '"any" or "crlf"', value);
}

/**
 * The last options object resolved, the raw values it held then, and the
 * result: a server hands every channel it makes the same options object, so
 * they are validated once, not once per connection. The raw values are
 * compared on each use, so an object changed since is validated again.
 */
let lastInput: AsyncChatOptions | undefined;
let lastRaw: AsyncChatOptions = {};
let lastResolved: Readonly<Required<AsyncChatOptions>> = DEFAULT_CHANNEL_OPTIONS;

function sameRaw(a: AsyncChatOptions, b: AsyncChatOptions): boolean {
  return (
    a.maxLength === b.maxLength &&
    a.outputHighWaterMark === b.outputHighWaterMark &&
    a.maxBufferedInput === b.maxBufferedInput &&
    a.idleTimeout === b.idleTimeout &&
    a.frameTimeout === b.frameTimeout &&
    a.deliverPartialFrameAtEnd === b.deliverPartialFrameAtEnd &&
    a.lineEndings === b.lineEndings &&
    a.closeTimeout === b.closeTimeout
  );
}

/** Validates options and fills in the defaults. The result is frozen (and may be shared between channels). */
export function resolveChannelOptions(options: AsyncChatOptions | undefined): Readonly<Required<AsyncChatOptions>> {
  if (options === undefined) return DEFAULT_CHANNEL_OPTIONS;
  if (options === lastInput && sameRaw(options, lastRaw)) return lastResolved;
  if (typeof options !== "object" || options === null) throw invalidArgType("options", "an object", options);
  const deliver = options.deliverPartialFrameAtEnd ?? false;
  if (typeof deliver !== "boolean") throw invalidArgType("options.deliverPartialFrameAtEnd", "a boolean", deliver);
  const resolved = Object.freeze({
    maxLength: limit(options, "maxLength"),
    outputHighWaterMark: limit(options, "outputHighWaterMark"),
    maxBufferedInput: limit(options, "maxBufferedInput"),
    idleTimeout: limit(options, "idleTimeout"),
    frameTimeout: limit(options, "frameTimeout"),
    deliverPartialFrameAtEnd: deliver,
    lineEndings: lineEndingPolicy(options.lineEndings ?? "any", "options.lineEndings"),
    closeTimeout: limit(options, "closeTimeout"),
  });
  lastInput = options;
  lastRaw = { ...options };
  lastResolved = resolved;
  return resolved;
}
