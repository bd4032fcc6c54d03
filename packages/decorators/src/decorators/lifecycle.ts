/**
 * Connection events as decorated methods: `@onConnect`, `@onClose`,
 * `@onError`, `@onOverflow`. Each may be written bare (`@onConnect`) or
 * called (`@onConnect()`).
 */

import type { LifecycleEvent } from "../metadata/records";
import { type DualMethodDecorator, dualMethodDecorator } from "./dialect";

/** A lifecycle decorator: usable bare or called with no arguments. */
export interface LifecycleDecorator extends DualMethodDecorator {
  /** The called form, `@onConnect()`. */
  (): DualMethodDecorator;
}

function lifecycle(event: LifecycleEvent, decoratorName: string): LifecycleDecorator {
  const decorate = dualMethodDecorator(decoratorName, (records, method) => {
    if (records.lifecycle.some((l) => l.event === event && l.method === method)) {
      records.problems.push(`${method}: decorated twice with @${decoratorName}`);
      return;
    }
    records.lifecycle.push({ event, method });
  });
  return function (...args: unknown[]) {
    if (args.length === 0) return decorate;
    return (decorate as (...a: unknown[]) => void)(...args);
  } as LifecycleDecorator;
}

/** The method runs when the connection is established, before any frame (e.g. to send a greeting). */
export const onConnect: LifecycleDecorator = lifecycle("connect", "onConnect");

/** The method runs once when the channel has closed. */
export const onClose: LifecycleDecorator = lifecycle("close", "onClose");

/**
 * The method runs with the error when the channel fails (an exception in a
 * handler, a socket error, a timeout); the channel is closed afterwards.
 */
export const onError: LifecycleDecorator = lifecycle("error", "onError");

/**
 * The method runs with every rejection of a frame — a `FrameTooLongError`
 * (too long), a `BareLineEndingError` (a bare CR or LF in a crlf-only
 * state) or a `BudgetExceededError` — and the name of the state; the frame
 * is dropped. It may push a reply and return the state to enter once the
 * dropped frame has ended (nothing: stay), or close the channel. Without one,
 * the channel's hooks decide (`handleFrameTooLong`, `handleBareLineEnding`,
 * `handleBudgetExceeded`; default: close).
 */
export const onRejection: LifecycleDecorator = lifecycle("overflow", "onRejection");

/** The former name of {@link onRejection} (it always received every rejection, not only over-long frames). */
export const onOverflow: LifecycleDecorator = lifecycle("overflow", "onOverflow");
