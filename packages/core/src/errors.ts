/**
 * Error classes of @asynchat/core.
 *
 * Every error raised by the library carries a stable `code` (listed in
 * {@link ErrorCode}); messages may change between versions, codes do not.
 * Argument errors are plain `TypeError`/`RangeError` instances with a `code`,
 * as Node.js core does.
 */

import { inspect, types } from "node:util";

/** The stable codes of every error this package raises. */
export const ErrorCode = {
  /** An argument has the wrong type (a `TypeError`). */
  INVALID_ARG_TYPE: "ERR_INVALID_ARG_TYPE",
  /** An argument has the right type but an unusable value (a `RangeError`). */
  INVALID_ARG_VALUE: "ERR_INVALID_ARG_VALUE",
  /** `collectIncomingData` or `foundTerminator` was not overridden. */
  NOT_IMPLEMENTED: "ERR_NOT_IMPLEMENTED",
  /** A frame grew past `maxLength` before its terminator arrived. */
  FRAME_TOO_LONG: "ERR_FRAME_TOO_LONG",
  /** The peer ended the connection in the middle of a frame. */
  INCOMPLETE_FRAME: "ERR_INCOMPLETE_FRAME",
  /** Output was pushed to a channel that is closed or closing. */
  CHANNEL_CLOSED: "ERR_CHANNEL_CLOSED",
  /** A producer's `more()` threw, rejected or returned something that is not data. */
  PRODUCER_FAILED: "ERR_PRODUCER_FAILED",
  /** The connection saw no traffic for longer than `idleTimeout`. */
  IDLE_TIMEOUT: "ERR_IDLE_TIMEOUT",
  /** A frame's terminator did not arrive within `frameTimeout` of its first byte. */
  FRAME_TIMEOUT: "ERR_FRAME_TIMEOUT",
  /** Unread input grew past `maxBufferedInput` while the channel was paused. */
  INPUT_OVERFLOW: "ERR_INPUT_OVERFLOW",
  /** A TLS upgrade could not be completed. */
  TLS_UPGRADE_FAILED: "ERR_TLS_UPGRADE_FAILED",
  /** Plaintext arrived after a STARTTLS command, before the handshake. */
  PLAINTEXT_AFTER_STARTTLS: "ERR_PLAINTEXT_AFTER_STARTTLS",
  /** A frame contains a line ending its state does not allow (a bare CR or LF). */
  BARE_LINE_ENDING: "ERR_BARE_LINE_ENDING",
  /** A group of frames used up its byte or frame budget. */
  BUDGET_EXCEEDED: "ERR_BUDGET_EXCEEDED",
  /** A PROXY protocol header was missing or malformed. */
  PROXY_HEADER_INVALID: "ERR_PROXY_HEADER_INVALID",
  /** A PROXY protocol header was longer than allowed (v1: 107 bytes; v2: the server's bound). */
  PROXY_HEADER_TOO_LONG: "ERR_PROXY_HEADER_TOO_LONG",
  /** A PROXY protocol header was not complete before its deadline. */
  PROXY_HEADER_TIMEOUT: "ERR_PROXY_HEADER_TIMEOUT",
  /** A connection came from a source not trusted to send a PROXY protocol header. */
  PROXY_SOURCE_UNTRUSTED: "ERR_PROXY_SOURCE_UNTRUSTED",
} as const;

/** One of the values of {@link ErrorCode}. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Renders a value for an error message, short and unambiguous. */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (typeof value === "function") return `function ${value.name || "<anonymous>"}`;
  if (typeof value === "object" && !Array.isArray(value) && !(value instanceof Uint8Array)) {
    const name = (value as object).constructor?.name;
    if (name && name !== "Object") return `an instance of ${name}`;
  }
  const shown = inspect(value, { depth: 1, maxArrayLength: 8, maxStringLength: 40, breakLength: Infinity });
  const type = Array.isArray(value) ? "array" : value instanceof Uint8Array ? "bytes" : typeof value;
  return `type ${type} (${shown})`;
}

/** A `TypeError` with `code` `ERR_INVALID_ARG_TYPE`, naming the argument and showing the value. */
export function invalidArgType(name: string, expected: string, value: unknown): TypeError & { code: string } {
  const error = new TypeError(`The "${name}" argument must be ${expected}. Received ${describeValue(value)}`) as TypeError & {
    code: string;
    value: unknown;
  };
  error.code = ErrorCode.INVALID_ARG_TYPE;
  error.value = value;
  return error;
}

/** A `RangeError` with `code` `ERR_INVALID_ARG_VALUE`, naming the argument and showing the value. */
export function invalidArgValue(name: string, problem: string, value: unknown): RangeError & { code: string } {
  const error = new RangeError(`The "${name}" argument ${problem}. Received ${describeValue(value)}`) as RangeError & {
    code: string;
    value: unknown;
  };
  error.code = ErrorCode.INVALID_ARG_VALUE;
  error.value = value;
  return error;
}

/**
 * `value` if it is an error, else an Error with `value` as its message.
 * Errors from another realm (Node's own socket errors seen from a `vm`
 * context, as under Jest) fail `instanceof Error` but are errors all the
 * same: they keep their `code`.
 */
export function asError(value: unknown): Error {
  return value instanceof Error || types.isNativeError(value) ? (value as Error) : new Error(String(value));
}

/**
 * Base class of the errors raised by channels and servers (and by the
 * packages built on core, with codes of their own: `Code`); `code` is stable.
 */
export class AsyncChatError<Code extends string = ErrorCode> extends Error {
  /** A stable identifier for the kind of failure, one of {@link ErrorCode} (or the subclass's own codes). */
  readonly code: Code;

  constructor(code: Code, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/**
 * Raised by the default `collectIncomingData` and `foundTerminator`, which a
 * subclass must override (Python's `NotImplementedError`).
 */
export class NotImplementedError extends AsyncChatError {
  /** The name of the method that should have been overridden. */
  readonly method: string;

  constructor(method: string) {
    super(ErrorCode.NOT_IMPLEMENTED, `${method}() must be implemented in a subclass`);
    this.method = method;
  }
}

/**
 * A frame grew past its `maxLength` before its terminator arrived. `length`
 * is the number of frame bytes seen when the limit was crossed (at least
 * `limit + 1`); the rest of the frame is discarded as it arrives.
 */
export class FrameTooLongError extends AsyncChatError {
  /** The limit that was crossed, in bytes. */
  readonly limit: number;
  /** How many bytes of the frame had arrived when it was found too long. */
  readonly length: number;

  constructor(limit: number, length: number) {
    super(ErrorCode.FRAME_TOO_LONG, `Frame too long: ${length} bytes arrived without a terminator, the limit is ${limit}`);
    this.limit = limit;
    this.length = length;
  }
}

/** The peer ended the connection with `length` bytes of a frame still unterminated. */
export class IncompleteFrameError extends AsyncChatError {
  /** Bytes of the unfinished frame. */
  readonly length: number;

  constructor(length: number) {
    super(ErrorCode.INCOMPLETE_FRAME, `The peer ended the connection in the middle of a frame (${length} bytes)`);
    this.length = length;
  }
}

/** Output was pushed after the channel closed (or after `closeWhenDone`); it is dropped. */
export class ChannelClosedError extends AsyncChatError {
  constructor(what: string) {
    super(ErrorCode.CHANNEL_CLOSED, `${what} on a channel that is closed or closing; the output is dropped`);
  }
}

/** A producer's `more()` threw, rejected or returned a value that is not a string or bytes. */
export class ProducerError extends AsyncChatError {
  constructor(message: string, cause?: unknown) {
    super(ErrorCode.PRODUCER_FAILED, message, cause === undefined ? undefined : { cause });
  }
}

/** A timer of the channel fired: `idleTimeout` or `frameTimeout`, after `timeout` ms. */
export class ChannelTimeoutError extends AsyncChatError {
  /** The timeout that expired, in milliseconds. */
  readonly timeout: number;

  constructor(code: typeof ErrorCode.IDLE_TIMEOUT | typeof ErrorCode.FRAME_TIMEOUT, timeout: number) {
    super(
      code,
      code === ErrorCode.IDLE_TIMEOUT
        ? `No traffic for ${timeout} ms (idleTimeout)`
        : `A frame's terminator did not arrive within ${timeout} ms of its first byte (frameTimeout)`,
    );
    this.timeout = timeout;
  }
}

/** Unread input grew past `maxBufferedInput` while reading was paused. */
export class InputOverflowError extends AsyncChatError {
  /** The limit, in bytes. */
  readonly limit: number;
  /** Bytes of unread input when the limit was crossed. */
  readonly length: number;

  constructor(limit: number, length: number) {
    super(ErrorCode.INPUT_OVERFLOW, `${length} bytes of unread input exceed maxBufferedInput (${limit})`);
    this.limit = limit;
    this.length = length;
  }
}

/**
 * A frame contains a bare CR or a bare LF where its state allows only CRLF
 * line endings (the SMTP smuggling defence). The frame is dropped.
 */
export class BareLineEndingError extends AsyncChatError {
  /** Offset of the offending byte in the frame. */
  readonly offset: number;

  constructor(offset: number) {
    super(ErrorCode.BARE_LINE_ENDING, `Bare CR or LF at offset ${offset} of a frame that allows only CRLF line endings`);
    this.offset = offset;
  }
}

/**
 * A group of frames (a budget: e.g. all header lines of one request) used up
 * its bytes or its number of frames. The frame that crossed it is dropped.
 */
export class BudgetExceededError extends AsyncChatError {
  /** The budget's name. */
  readonly budget: string;
  /** What ran out: `"bytes"` or `"frames"`. */
  readonly resource: "bytes" | "frames";
  /** The budget's limit for that resource. */
  readonly limit: number;
  /** What the group would have used with this frame. */
  readonly used: number;

  constructor(budget: string, resource: "bytes" | "frames", limit: number, used: number) {
    super(ErrorCode.BUDGET_EXCEEDED, `Budget "${budget}" exceeded: ${used} ${resource}, the limit is ${limit}`);
    this.budget = budget;
    this.resource = resource;
    this.limit = limit;
    this.used = used;
  }
}
