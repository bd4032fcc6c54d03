/**
 * The channel's internal entry points, keyed by symbols that this package
 * does not export: the parts of a channel (timers, outbound, inbound, life cycle, frame policy) call
 * back into the channel through them, and users cannot (the keys are not
 * reachable from `@asynchat/core`'s exports). The same device Node's own
 * modules use for their internals.
 */

/** `(error, fromPeer?)`: route a failure of the channel (handleError, the `error` event, the report). */
export const kFail: unique symbol = Symbol("asynchat.fail");
/** `(error)`: a deadline passed: fail the channel unless it has closed meanwhile. */
export const kTimedOut: unique symbol = Symbol("asynchat.timedOut");
/** `()`: the linger deadline of a closing channel passed: destroy it. */
export const kLingerExpired: unique symbol = Symbol("asynchat.lingerExpired");
/** `()`: call `handleClose` once (a throw there closes anyway and is reported). */
export const kInvokeHandleClose: unique symbol = Symbol("asynchat.invokeHandleClose");
/** `(event)`: emit `drain`, `connect` or `close` on the channel. */
export const kEmit: unique symbol = Symbol("asynchat.emit");
/** `()`: pause or resume the socket to match `readable()` and the output limit. */
export const kSyncReading: unique symbol = Symbol("asynchat.syncReading");
/** `(socket)`: the plaintext before a STARTTLS marker has been handed to the socket: start the handshake. */
export const kStartHandshake: unique symbol = Symbol("asynchat.startHandshake");
/** `(error)`: reject the current frame (bare line ending, budget): drop what was kept, its hook, the `error` event. */
export const kRejectFrame: unique symbol = Symbol("asynchat.rejectFrame");
/** `()`: a rejected frame's terminator arrived: `handleDiscardedFrameEnd`, unless input has stopped. */
export const kDiscardedFrameEnd: unique symbol = Symbol("asynchat.discardedFrameEnd");
/** `(socket)`: the socket is full for the first time: listen for its `drain`. */
export const kWatchDrain: unique symbol = Symbol("asynchat.watchDrain");
/** The channel's field holding its server's route for unhandled failures (see `failure-report.ts`). */
export const kServerRoute: unique symbol = Symbol("asynchat.serverRoute");
