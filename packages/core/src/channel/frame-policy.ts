/**
 * The policies a frame must pass besides its length: the line-ending rule
 * (`lineEndings: "crlf"`, the SMTP smuggling defence) and a running budget
 * over a group of frames. Both are checked as the bytes arrive; a frame that
 * fails one is rejected (its hook decides) and dropped up to its terminator.
 */

import { BareLineEndingError, BudgetExceededError } from "../errors";
import { CrlfCheck, type LineEndingPolicy } from "../framing/line-endings";
import { type BudgetUse, type FrameBudget, type RunningBudget, startRunningBudget } from "./frame-budget";
import { kDiscardedFrameEnd, kRejectFrame } from "./internal";

/** What the policy calls on its channel. */
export interface PolicyOwner {
  /** Reject the current frame: drop what was kept of it, its hook decides, then the `error` event. */
  [kRejectFrame](error: BareLineEndingError | BudgetExceededError): void;
  /** The dropped frame's terminator arrived. */
  [kDiscardedFrameEnd](): void;
}

/** The frame policies of one channel. Final: one instance per channel, made with it. */
export class FramePolicy {
  readonly #owner: PolicyOwner;
  readonly #crlf = new CrlfCheck();
  #crlfOn: boolean;
  #budget: RunningBudget | null = null;
  /** A rejected frame is being dropped up to its terminator. */
  #dropping = false;
  /** Whether any policy is in force (one test per piece when none is). */
  active: boolean;

  constructor(owner: PolicyOwner, lineEndings: LineEndingPolicy) {
    this.#owner = owner;
    this.#crlfOn = lineEndings === "crlf";
    this.active = this.#crlfOn;
  }

  #update(): void {
    this.active = this.#crlfOn || this.#budget !== null || this.#dropping;
  }

  get lineEndings(): LineEndingPolicy {
    return this.#crlfOn ? "crlf" : "any";
  }

  set lineEndings(policy: LineEndingPolicy) {
    const on = policy === "crlf";
    if (on === this.#crlfOn) return;
    this.#crlfOn = on;
    // The frame under way is checked from the next byte on.
    this.#crlf.reset();
    this.#update();
  }

  /** Starts a budget (validated), replacing one already running. */
  startBudget(budget: FrameBudget): void {
    this.#budget = startRunningBudget(budget);
    this.#update();
  }

  /** Ends the running budget; returns what it used (zeros if none was running). */
  endBudget(): BudgetUse {
    const budget = this.#budget;
    this.#budget = null;
    this.#update();
    return budget === null ? { bytes: 0, frames: 0 } : { bytes: budget.bytes, frames: budget.frames };
  }

  /** What the running budget has used so far, or null if none is running. */
  get budgetUsed(): BudgetUse | null {
    const budget = this.#budget;
    return budget === null ? null : { bytes: budget.bytes, frames: budget.frames };
  }

  /** The frame under way is gone (discardBuffers): so is its check or its rejection. */
  reset(): void {
    this.#dropping = false;
    this.#crlf.reset();
    this.#update();
  }

  /**
   * Whether a piece of the frame may go on to the application. A bare CR or
   * LF (in frames ended by a string or bytes terminator: `endsLines`), or
   * bytes past the budget, reject the frame; the rest of it is dropped.
   */
  acceptPiece(chunk: Buffer, start: number, end: number, endsLines: boolean): boolean {
    if (this.#dropping) return false;
    if (this.#crlfOn && endsLines) {
      const bad = this.#crlf.piece(chunk, start, end);
      if (bad >= 0) {
        this.#startDropping();
        this.#owner[kRejectFrame](new BareLineEndingError(bad));
        return false;
      }
    }
    const budget = this.#budget;
    if (budget !== null) {
      budget.bytes += end - start;
      if (budget.bytes > budget.maxBytes) {
        this.#startDropping();
        this.#owner[kRejectFrame](new BudgetExceededError(budget.name, "bytes", budget.maxBytes, budget.bytes));
        return false;
      }
    }
    return true;
  }

  /** The end of a frame: whether it is delivered, or was rejected (now or earlier) and dropped. */
  acceptEnd(chunk: Buffer, start: number, end: number, endsLines: boolean): boolean {
    if (!this.#dropping) {
      if (this.#crlfOn && endsLines) {
        const check = this.#crlf;
        let bad = check.piece(chunk, start, end);
        if (bad < 0) bad = check.end();
        if (bad >= 0) this.#owner[kRejectFrame](new BareLineEndingError(bad));
        else if (this.#chargeFrameEnd(end - start)) return true;
      } else if (this.#chargeFrameEnd(end - start)) return true;
    }
    this.#dropping = false;
    this.#crlf.reset();
    this.#update();
    this.#owner[kDiscardedFrameEnd]();
    return false;
  }

  #startDropping(): void {
    this.#dropping = true;
    this.active = true;
  }

  /** Counts a frame's last piece and the frame itself against the budget (if any); false if that rejected it. */
  #chargeFrameEnd(length: number): boolean {
    const budget = this.#budget;
    if (budget === null) return true;
    budget.bytes += length;
    budget.frames++;
    if (budget.bytes > budget.maxBytes) this.#owner[kRejectFrame](new BudgetExceededError(budget.name, "bytes", budget.maxBytes, budget.bytes));
    else if (budget.frames > budget.maxFrames) this.#owner[kRejectFrame](new BudgetExceededError(budget.name, "frames", budget.maxFrames, budget.frames));
    else return true;
    return false;
  }
}
