/** The events every channel emits. */

/** The events of a channel, for eventemitter3's typed `on`/`emit`. */
export interface AsyncChatEvents {
  /** The connection is established (at once for an accepted socket) and `handleConnect` has run. */
  connect: [];
  /** The channel is closed: emitted exactly once, after the socket has closed. */
  close: [];
  /** A failure of this channel: an exception from user code, a socket error, an over-long frame, a timeout. */
  error: [error: Error];
  /** Output that was held back (socket full or past the high-water mark) has all been handed to the socket. */
  drain: [];
}
