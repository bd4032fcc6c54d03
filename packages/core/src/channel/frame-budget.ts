/**
 * Budgets across frames: a limit on the bytes and the number of frames of a
 * group of frames (all header lines of one request, say), beyond the
 * per-frame `maxLength`. A channel runs at most one at a time.
 */

import { invalidArgType } from "../errors";
import { AT_LEAST_ZERO, checkLimit } from "./limits";

/** The limits of a budget, for `AsyncChat.startBudget`. */
export interface FrameBudget {
  /** Named in errors and logs, e.g. `"headers"`. Default `"budget"`. */
  name?: string;
  /** Most bytes of frame content in the group (terminators are not counted). Default: no limit. */
  maxBytes?: number;
  /** Most frames in the group. Default: no limit. */
  maxFrames?: number;
}

/** What a budget has used so far. */
export interface BudgetUse {
  /** Bytes of frame content counted. */
  bytes: number;
  /** Frames ended. */
  frames: number;
}

/** A budget being counted (internal to the channel). */
export interface RunningBudget extends BudgetUse {
  readonly name: string;
  readonly maxBytes: number;
  readonly maxFrames: number;
}

function limitOf(budget: FrameBudget, key: "maxBytes" | "maxFrames"): number {
  return checkLimit(`budget.${key}`, budget[key] ?? Infinity, AT_LEAST_ZERO);
}

/** Validates `budget` and returns it running, with nothing used yet. */
export function startRunningBudget(budget: FrameBudget): RunningBudget {
  if (typeof budget !== "object" || budget === null) throw invalidArgType("budget", "an object", budget);
  const name = budget.name ?? "budget";
  if (typeof name !== "string") throw invalidArgType("budget.name", "a string", name);
  return { name, maxBytes: limitOf(budget, "maxBytes"), maxFrames: limitOf(budget, "maxFrames"), bytes: 0, frames: 0 };
}
