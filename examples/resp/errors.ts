/**
 * Error replies, worded exactly as Redis 7 words them, so that clients and
 * scripts that look at the text behave the same against this server.
 */

import { encoded } from "./reply";

/** Fixed error replies, encoded once. */
export const ErrorReplies = {
  SYNTAX: encoded("-ERR syntax error\r\n"),
  NOT_INTEGER: encoded("-ERR value is not an integer or out of range\r\n"),
  OVERFLOW: encoded("-ERR increment or decrement would overflow\r\n"),
  DECREMENT_OVERFLOW: encoded("-ERR decrement would overflow\r\n"),
  DB_INDEX: encoded("-ERR DB index is out of range\r\n"),
  STRING_TOO_LONG: encoded("-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"),
  NX_WITH_OTHERS: encoded("-ERR NX and XX, GT or LT options at the same time are not compatible\r\n"),
  GT_WITH_LT: encoded("-ERR GT and LT options at the same time are not compatible\r\n"),
  CLIENT_NAME: encoded("-ERR Client names cannot contain spaces, newlines or special characters.\r\n"),
  MAX_CLIENTS: encoded("-ERR max number of clients reached\r\n"),
  WRONGTYPE: encoded("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
  NOT_FLOAT: encoded("-ERR value is not a valid float\r\n"),
  NOT_POSITIVE: encoded("-ERR value is out of range, must be positive\r\n"),
  NO_SUCH_KEY: encoded("-ERR no such key\r\n"),
  HASH_NOT_INTEGER: encoded("-ERR hash value is not an integer\r\n"),
  HASH_NOT_FLOAT: encoded("-ERR hash value is not a float\r\n"),
  NAN_OR_INFINITY: encoded("-ERR increment would produce NaN or Infinity\r\n"),
  SCORE_RANGE: encoded("-ERR min or max is not a float\r\n"),
  LEX_RANGE: encoded("-ERR min or max not valid string range item\r\n"),
  INVALID_CURSOR: encoded("-ERR invalid cursor\r\n"),
  NOAUTH: encoded("-NOAUTH Authentication required.\r\n"),
  WRONGPASS: encoded("-WRONGPASS invalid username-password pair or user is disabled.\r\n"),
  NO_PASSWORD: encoded(
    "-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n",
  ),
  NO_SUCH_CLIENT: encoded("-ERR No such client\r\n"),
  CLIENT_ID: encoded("-ERR client-id should be greater than 0\r\n"),
} as const;

/** The texts of protocol errors; each is followed by closing the connection. */
export const ProtocolErrors = {
  INVALID_MULTIBULK_LENGTH: "ERR Protocol error: invalid multibulk length",
  INVALID_BULK_LENGTH: "ERR Protocol error: invalid bulk length",
  UNBALANCED_QUOTES: "ERR Protocol error: unbalanced quotes in request",
  TOO_BIG_INLINE: "ERR Protocol error: too big inline request",
  TOO_BIG_BULK_COUNT: "ERR Protocol error: too big bulk count string",
  /** Not a Redis error: Redis skips the two bytes after a bulk string unchecked. */
  MISSING_CRLF: "ERR Protocol error: expected CRLF after bulk string",
} as const;

/** `expected '$', got 'X'` for the byte that came instead of a bulk string header. */
export function expectedDollar(byte: number): string {
  return `ERR Protocol error: expected '$', got '${String.fromCharCode(byte)}'`;
}

/** `wrong number of arguments for 'name' command`, with the command's full lower-case name (`client|setname`). */
export function arityError(fullName: string): Buffer {
  return encoded(`-ERR wrong number of arguments for '${fullName}' command\r\n`);
}

/** `invalid expire time in 'name' command`. */
export function expireTimeError(name: string): Buffer {
  return encoded(`-ERR invalid expire time in '${name}' command\r\n`);
}

/** What C's `%.Ns` prints of a latin1 string: up to its first NUL, at most `max` characters. */
export function cString(text: string, max: number): string {
  const nul = text.indexOf("\0");
  const cut = nul >= 0 ? text.slice(0, nul) : text;
  return cut.length > max ? cut.slice(0, max) : cut;
}

/**
 * `unknown command 'name', with args beginning with: 'a' 'b' ` as Redis
 * builds it: the name cut at 128 characters, then quoted arguments while the
 * list is shorter than 128 characters, each cut to what is left of them.
 */
export function unknownCommand(name: string, args: readonly string[]): string {
  let list = "";
  for (let i = 0; i < args.length && list.length < 128; i++) list += `'${cString(args[i]!, 128 - list.length)}' `;
  return `ERR unknown command '${cString(name, 128)}', with args beginning with: ${list}`;
}

/** `unknown subcommand 'x'. Try NAME HELP.` */
export function unknownSubcommand(subcommand: string, command: string): string {
  return `ERR unknown subcommand '${cString(subcommand, 128)}'. Try ${command.toUpperCase()} HELP.`;
}
