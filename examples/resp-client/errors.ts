/**
 * The errors a RespClient rejects commands with: the server's error replies,
 * and the client's own failures, each with a stable `code`.
 */

/** A value of a reply: what `command()` resolves with. */
export type ReplyValue = string | number | Buffer | null | ReplyError | ReplyValue[];

/**
 * An error reply from the server (`-ERR unknown command`, `-WRONGTYPE ...`).
 * `message` is the server's text as sent; `code` is its first word, by
 * Redis's convention the kind of error (`ERR`, `WRONGTYPE`, `NOAUTH`, ...).
 * A top-level error reply rejects the command; one inside an array (the
 * replies of `EXEC`) is an element of the array.
 */
export class ReplyError extends Error {
  /** The first word of the server's text: `ERR`, `WRONGTYPE`, ... */
  readonly code: string;

  /** @param text the server's error line without its leading `-` */
  constructor(text: string) {
    super(text);
    this.name = "ReplyError";
    const space = text.indexOf(" ");
    this.code = space < 0 ? text : text.slice(0, space);
  }
}

/** The stable codes of {@link RespClientError}. */
export const RespClientErrorCode = {
  /** The connection closed before the command's reply arrived; the command may or may not have run. */
  CONNECTION_LOST: "ERR_CONNECTION_LOST",
  /** Reconnecting failed `maxAttempts` times; the client gave up and is closed. */
  CONNECTION_FAILED: "ERR_CONNECTION_FAILED",
  /** The command was issued while reconnecting and `maxQueue` commands were already waiting. */
  QUEUE_FULL: "ERR_QUEUE_FULL",
  /** The command was issued after `close()`, or was waiting when the client closed. */
  CLIENT_CLOSED: "ERR_CLIENT_CLOSED",
  /** The server sent something that is not RESP2; the connection is dropped. */
  PROTOCOL: "ERR_RESP_PROTOCOL",
} as const;

/** One of the values of {@link RespClientErrorCode}. */
export type RespClientErrorCode = (typeof RespClientErrorCode)[keyof typeof RespClientErrorCode];

/** A failure of the client itself (not a reply of the server), with a stable `code`. */
export class RespClientError extends Error {
  /** What went wrong, one of {@link RespClientErrorCode}. */
  readonly code: RespClientErrorCode;

  constructor(code: RespClientErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "RespClientError";
    this.code = code;
  }
}
