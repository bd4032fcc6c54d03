/**
 * A Redis (RESP2) client built on @asynchat/decorators' Protocol: automatic
 * pipelining, replies matched in order, reconnection with backoff and a
 * bounded queue. See README.md.
 */

export { RespClient, type RespClientEvents } from "./client";
export { ReplyError, RespClientError, RespClientErrorCode, type ReplyValue } from "./errors";
export { encodeCommand, type CommandArgument, type EncodedCommand } from "./encode";
export { DEFAULT_MAX_QUEUE, DEFAULT_RECONNECT, type ReconnectOptions, type RespClientOptions } from "./options";
export { MAX_BULK_LENGTH, MAX_LINE_LENGTH, ReplyReader, type ReplySink } from "./reply-reader";
