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
 * The method runs with the `FrameTooLongError` (or bare-line-ending error)
 * and the name of the state when a frame is too long; the frame is dropped
 * as it arrives. It may push a reply and return the state to enter once the
 * dropped frame has ended (nothing: stay), or close the channel. Without an
 * `@onOverflow` method the channel closes.
 */
export const onOverflow: LifecycleDecorator = lifecycle("overflow", "onOverflow");
