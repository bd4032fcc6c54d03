/**
 * A channel's failure routing: a failure goes to its overridable hook first
 * (`handleError`, or the hook for a rejected frame's kind) and to the
 * `error` event second; a bug that reached the default handling with
 * nobody listening is reported (see `failure-report.ts`). A throw in a hook
 * closes the channel instead of escaping into the socket's callbacks.
 */

import type { Duplex } from "node:stream";
import { BareLineEndingError, type BudgetExceededError, FrameTooLongError, asError } from "../errors";
import { errorChannel } from "./diagnostics";
import { deliverReport, isExpectedFailure, serverRoute } from "./failure-report";
import type { Lifecycle } from "./lifecycle";
import { OPEN } from "./lifecycle";
import type { Outbound } from "./outbound";

/** A frame rejected by a limit or a policy. */
export type FrameRejection = FrameTooLongError | BareLineEndingError | BudgetExceededError;

/**
 * What failure routing calls on its channel: the failure hooks (the
 * report hook is protected on `AsyncChat`; the channel hands itself over as
 * this interface) and its emitter.
 */
export interface FailureOwner {
  emit(event: "error" | "connect" | "close" | "drain", ...args: unknown[]): boolean;
  listenerCount(event: "error"): number;
  listeners(event: "error"): Array<(...args: any[]) => void>;
  handleError(error: Error): void;
  handleClose(): void;
  handleWrite(): void;
  close(): void;
  handleFrameTooLong(error: FrameTooLongError): void;
  handleBareLineEnding(error: BareLineEndingError): void;
  handleBudgetExceeded(error: BudgetExceededError): void;
  reportUnhandledError(error: Error): void;
}

/** The failure routing of one channel. Final: one instance per channel, made with it. */
export class Failures {
  readonly #owner: FailureOwner;
  readonly #life: Lifecycle;
  readonly #outbound: Outbound;
  /** Set by the default handleError: the failure being handled reached it (no override took it over). */
  reachedDefault = false;

  constructor(owner: FailureOwner, life: Lifecycle, outbound: Outbound) {
    this.#owner = owner;
    this.#life = life;
    this.#outbound = outbound;
  }

  /** Emits `error` (published on the diagnostics channel first), nothing else. */
  emitError(error: Error): void {
    if (errorChannel.hasSubscribers) errorChannel.publish({ channel: this.#owner, error });
    const owner = this.#owner;
    owner.emit("error", error);
    // The server's own watch is a call, not a listener: no listener objects per connection.
    serverRoute(owner)?.failed(error, owner);
  }

  /**
   * A failure of the channel: `handleError` (default: close), then the
   * `error` event; then, if it is a bug nobody handled, the report.
   * `fromPeer`: the socket reported it (a reset), which is never a bug.
   */
  fail(error: unknown, fromPeer = false): void {
    // Not `instanceof Error` alone: a socket error from another realm would lose its code.
    const failure = asError(error);
    this.#flushDeferred();
    this.reachedDefault = false;
    let reachedDefault: boolean;
    try {
      this.#owner.handleError(failure);
      reachedDefault = this.reachedDefault;
    } catch {
      // An override that throws has not handled the failure either.
      reachedDefault = true;
      this.#owner.close();
    }
    this.emitError(failure);
    if (reachedDefault && !fromPeer && !isExpectedFailure(failure)) this.#reportIfUnheard(failure);
  }

  /** Calls `handleClose` once (a throw there closes anyway and is reported). */
  invokeHandleClose(): void {
    if (!this.#life.claimHandleClose()) return;
    try {
      this.#owner.handleClose();
    } catch (error) {
      this.#owner.close();
      const failure = asError(error);
      this.emitError(failure);
      this.#reportIfUnheard(failure);
    }
  }

  /** Rejects the current frame: the hook for the error's kind decides (a throw there fails the channel), then `error`. */
  reject(error: FrameRejection): void {
    const owner = this.#owner;
    this.#flushDeferred();
    try {
      if (error instanceof FrameTooLongError) owner.handleFrameTooLong(error);
      else if (error instanceof BareLineEndingError) owner.handleBareLineEnding(error);
      else owner.handleBudgetExceeded(error);
    } catch (thrown) {
      this.fail(thrown);
    }
    this.emitError(error);
  }

  /** The default report of a bug nobody handled: the server's reporter, or stderr. */
  report(error: Error, socket: Duplex | null): void {
    deliverReport(serverRoute(this.#owner)?.reporter ?? "stderr", error, this.#owner, socket);
  }

  /** Reports a failure from user code or the library unless a listener of the channel or its server takes it. */
  #reportIfUnheard(failure: Error): void {
    const owner = this.#owner;
    const route = serverRoute(owner);
    if (route !== undefined && route.heard()) return;
    if (owner.listenerCount("error") > 0) return;
    try {
      owner.reportUnhandledError(failure);
    } catch (thrown) {
      // A report must not take the process down; print what went wrong with it instead.
      deliverReport("stderr", asError(thrown), owner, this.#life.socket);
    }
  }

  /**
   * Before a failure's handling (which closes by default) drops queued output:
   * replies to earlier frames of the input batch wait only for the batch's end,
   * and would have been written already had the input come in smaller reads.
   */
  #flushDeferred(): void {
    const outbound = this.#outbound;
    if (outbound.pumping && outbound.flushWanted && this.#life.state === OPEN) this.#owner.handleWrite();
  }
}
