/**
 * What channels publish on `node:diagnostics_channel`, for APM tools and
 * metrics. Every publication is guarded by `hasSubscribers`, so a channel
 * nobody subscribes to costs one property read.
 */

import diagnosticsChannel from "node:diagnostics_channel";

/**
 * The names this library publishes under (`diagnostics_channel.subscribe(name, fn)`):
 *
 * | name | message | when |
 * | --- | --- | --- |
 * | `asynchat:channel:open` | `{ channel }` | a channel is bound to a connected socket |
 * | `asynchat:channel:close` | `{ channel }` | a channel that was open has closed |
 * | `asynchat:channel:error` | `{ channel, error }` | every failure of a channel, handled or not |
 * | `asynchat:protocol:state` | `{ channel, from, to }` | a `Protocol` moved between states (their names) |
 */
export const DiagnosticsChannelName = {
  /** A channel is bound to a connected socket: `{ channel }`. */
  CHANNEL_OPEN: "asynchat:channel:open",
  /** A channel that was open has closed: `{ channel }`. */
  CHANNEL_CLOSE: "asynchat:channel:close",
  /** A failure of a channel, handled or not (the `error` event's error): `{ channel, error }`. */
  CHANNEL_ERROR: "asynchat:channel:error",
  /** A `Protocol` moved from one state to another: `{ channel, from, to }`, state names. */
  PROTOCOL_STATE: "asynchat:protocol:state",
} as const;

/** Published on `asynchat:channel:open` and `asynchat:channel:close`. */
export interface ChannelMessage<C = unknown> {
  /** The channel. */
  channel: C;
}

/** Published on `asynchat:channel:error`. */
export interface ChannelErrorMessage<C = unknown> {
  /** The channel that failed. */
  channel: C;
  /** The failure, as the channel's `error` event carries it. */
  error: Error;
}

/** Published on `asynchat:protocol:state`. */
export interface ProtocolStateMessage<C = unknown> {
  /** The channel (a `Protocol`). */
  channel: C;
  /** The name of the state left. */
  from: string;
  /** The name of the state entered. */
  to: string;
}

/** @internal The diagnostics channel objects, made once. */
export const openChannel = diagnosticsChannel.channel(DiagnosticsChannelName.CHANNEL_OPEN);
/** @internal */
export const closeChannel = diagnosticsChannel.channel(DiagnosticsChannelName.CHANNEL_CLOSE);
/** @internal */
export const errorChannel = diagnosticsChannel.channel(DiagnosticsChannelName.CHANNEL_ERROR);
/** @internal */
export const stateChannel = diagnosticsChannel.channel(DiagnosticsChannelName.PROTOCOL_STATE);

/**
 * Publishes a change of state of a `Protocol` on `asynchat:protocol:state`,
 * if anyone subscribes. For the decorators package; not needed by users.
 */
export function publishStateChange(channel: object, from: string, to: string): void {
  if (stateChannel.hasSubscribers) stateChannel.publish({ channel, from, to } satisfies ProtocolStateMessage);
}
