/**
 * Failures nobody handles: which failures are bugs (worth a report) rather
 * than expected traffic, where a report goes, and what it says.
 *
 * A channel reports a failure only when all of these hold: it came from user
 * code or the library (not from the peer or the network), `handleError` ran
 * its default (an override that does not call `super` has handled it), and
 * nothing listens — no `error` listener of the user's on the channel and no
 * `channelError` listener on its server.
 */

import type { Duplex } from "node:stream";
import { inspect } from "node:util";
import { type AsyncChatError, ErrorCode } from "../errors";
import { kServerRoute } from "./internal";

/**
 * Where unhandled failures go: `"stderr"` (the default) prints each one once;
 * `"ignore"` drops them; a function receives them instead.
 */
export type UnhandledErrorReporter<C = unknown> = "stderr" | "ignore" | ((error: Error, channel: C) => void);

/**
 * Codes of failures that are the peer's or the network's doing, or the
 * limits working as designed: not bugs, so never reported. They stay on the
 * hooks, the `error` event and diagnostics.
 */
const EXPECTED_CODES: ReadonlySet<string> = new Set<AsyncChatError["code"]>([
  ErrorCode.FRAME_TOO_LONG,
  ErrorCode.BARE_LINE_ENDING,
  ErrorCode.BUDGET_EXCEEDED,
  ErrorCode.IDLE_TIMEOUT,
  ErrorCode.FRAME_TIMEOUT,
  ErrorCode.INPUT_OVERFLOW,
  ErrorCode.INCOMPLETE_FRAME,
  ErrorCode.TLS_UPGRADE_FAILED,
  ErrorCode.PLAINTEXT_AFTER_STARTTLS,
  ErrorCode.CHANNEL_CLOSED,
]);

/** Whether a failure is expected traffic (a limit, a timeout, a failed handshake) rather than a bug. */
export function isExpectedFailure(error: Error): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && EXPECTED_CODES.has(code);
}

/** How a server watches its channels' failures: set by `ChatServer` for each channel it accepts. */
export interface ServerRoute {
  /** The channel emitted `error` (after its own listeners): the server emits `channelError`. */
  failed(error: Error, channel: any): void;
  /** The channel emitted `close` (after its own listeners): the server forgets it. */
  closed(channel: any): void;
  /** Whether the server has `channelError` listeners of its own. */
  heard(): boolean;
  /** The server's `unhandledErrors` option. */
  readonly reporter: UnhandledErrorReporter<any>;
}

/** A channel holds its route in a field under this key (a field, not a WeakMap: nothing for the GC to sweep per connection). */
interface RouteHolder {
  [kServerRoute]?: ServerRoute | undefined;
}

/** Records that `channel` belongs to a server, which forwards its errors and says where reports go. */
export function setServerRoute(channel: object, route: ServerRoute): void {
  (channel as RouteHolder)[kServerRoute] = route;
}

/** The server route of `channel`, if a server accepted it. */
export function serverRoute(channel: object): ServerRoute | undefined {
  return (channel as RouteHolder)[kServerRoute];
}

/** Checks a value for the `unhandledErrors` option; returns it, or null if it is not one. */
export function isReporter(value: unknown): value is UnhandledErrorReporter {
  return value === "stderr" || value === "ignore" || typeof value === "function";
}

/** "host:port" of the channel's peer, from the channel (when it knows it, e.g. behind a proxy) or its socket. */
function peerOf(channel: object, socket: Duplex | null): string {
  const own = channel as { remoteAddress?: unknown; remotePort?: unknown };
  const fromSocket = socket as { remoteAddress?: unknown; remotePort?: unknown } | null;
  const address = typeof own.remoteAddress === "string" ? own.remoteAddress : fromSocket?.remoteAddress;
  const port = typeof own.remoteAddress === "string" ? own.remotePort : fromSocket?.remotePort;
  if (typeof address !== "string") return "unknown peer";
  const host = address.includes(":") ? `[${address}]` : address;
  return typeof port === "number" ? `${host}:${port}` : host;
}

/**
 * The report printed for an unhandled failure: the channel's class, its
 * peer, then the error as `util.inspect` shows it (name, message, stack,
 * `code`, `cause`).
 */
export function formatUnhandledError(error: Error, channel: object, socket: Duplex | null): string {
  const className = channel.constructor?.name || "AsyncChat";
  return (
    `asynchat: unhandled error in channel ${className} (${peerOf(channel, socket)}); the channel is closed. ` +
    `Listen for its "error" event (or the server's "channelError") or override handleError to handle it.\n` +
    `${inspect(error)}\n`
  );
}

/** Hands an unhandled failure to `reporter`; a reporter that throws is reported in its place, not rethrown. */
export function deliverReport(reporter: UnhandledErrorReporter<any>, error: Error, channel: object, socket: Duplex | null): void {
  if (reporter === "ignore") return;
  if (reporter === "stderr") {
    process.stderr.write(formatUnhandledError(error, channel, socket));
    return;
  }
  try {
    reporter(error, channel);
  } catch (thrown) {
    process.stderr.write(`asynchat: the unhandledErrors reporter threw:\n${inspect(thrown)}\n`);
    process.stderr.write(formatUnhandledError(error, channel, socket));
  }
}
