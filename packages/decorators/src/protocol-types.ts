/** The public types of a {@link Protocol}: its events, options and rejections. */

import type { AsyncChatEvents, AsyncChatOptions, BareLineEndingError, BudgetExceededError, FrameTooLongError } from "@asynchat/core";

/** A change of state, as the `state` event reports it. */
export interface StateChange {
  /** The state left. */
  from: string;
  /** The state entered. */
  to: string;
}

/** The events of a {@link Protocol}: those of `AsyncChat`, plus `state`. */
export interface ProtocolEvents extends AsyncChatEvents {
  /** The machine moved from one state to another (not emitted when it stays). */
  state: [change: StateChange];
}

/** Options of a {@link Protocol}: those of `AsyncChat`; `maxLength` here overrides the class default. */
export type ProtocolOptions = AsyncChatOptions;

/** The errors a frame can be rejected with (reported to `@onOverflow`). */
export type FrameRejection = FrameTooLongError | BareLineEndingError | BudgetExceededError;
