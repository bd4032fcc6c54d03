/**
 * What the decorators record about a class: one record per decorated
 * method, kept on the class itself under one namespaced key, never on a
 * parent's copy.
 */

import type { Terminator } from "@asynchat/core";

/** Options shared by `@onTerminator` and `@onBytes`. */
export interface StateOptions {
  /** This state is the initial one (otherwise the first decorated method is). */
  initial?: boolean;
  /**
   * Hand the frame to the handler as a string decoded with this encoding
   * (`"latin1"` is the fastest: a read is decoded once and sliced per
   * frame); without it the handler gets a `Buffer`.
   */
  encoding?: BufferEncoding;
  /**
   * Longest frame this state buffers, in bytes (not counting the
   * terminator); for `@onBytes`, the largest count it accepts. A frame of
   * exactly `maxLength` passes; a longer one is dropped as it arrives and
   * reported (`@onOverflow`, `handleFrameTooLong`, the `error` event).
   * Default: the class's `static defaultMaxLength` (64 KiB unless changed);
   * `Infinity` opts out. Streaming states are limited only when this is set.
   */
  maxLength?: number;
  /**
   * Call the handler with each piece of the frame as it arrives,
   * `handler(piece, last)`, instead of once with the whole frame; `last` is
   * true exactly once per frame (that piece may be empty). A piece handler
   * returning a Promise pauses input until it settles.
   */
  stream?: boolean;
  /**
   * Milliseconds from the first byte of one of this state's frames to its
   * end before the channel fails with `ERR_FRAME_TIMEOUT` (0: none).
   * Default: the channel's `frameTimeout` option. E.g. a deadline on header
   * lines but none on a large body.
   */
  frameTimeout?: number;
  /** The states this one may move to (names); checked when the class is compiled and at run time. */
  next?: readonly string[];
  /**
   * Line-ending policy for terminator states: `"crlf"` rejects a frame that
   * contains a bare CR or a bare LF (reported like an over-long frame, with
   * code `ERR_BARE_LINE_ENDING`). Default `"any"`.
   */
  lineEndings?: "any" | "crlf";
  /**
   * The name of a budget (see `static budgets`) this state's frames count
   * against: a byte and frame budget over a group of states.
   */
  budget?: string;
}

/** A terminator, or a function of the channel computing it when the state is entered. */
export type TerminatorSpec<T = any> = Terminator | ((self: T) => Terminator);

/** A byte count, or a function of the channel computing it when the state is entered. */
export type ByteCountSpec<T = any> = number | ((self: T) => number);

/** A decorated method, as recorded. */
export interface StateRecord {
  readonly kind: "terminator" | "bytes";
  readonly method: string;
  readonly spec: TerminatorSpec | ByteCountSpec;
  readonly options: StateOptions;
  /** Problems found while decorating, reported when the class is compiled. */
  readonly problems: string[];
}

/** The connection events a method can be attached to. */
export type LifecycleEvent = "connect" | "close" | "error" | "overflow";

/** A method attached to a connection event. */
export interface LifecycleRecord {
  readonly event: LifecycleEvent;
  readonly method: string;
}

/** Everything recorded on one class (not its parents). */
export interface ClassRecords {
  states: StateRecord[];
  lifecycle: LifecycleRecord[];
  /** Problems that belong to no single state (decorator misuse). */
  problems: string[];
}
