/**
 * Budgets a `Protocol` counts itself: the channel-wide one `startBudget`
 * starts (the default of states without a budget of their own) and the
 * named ones of `static budgets`. Both reject the frame that takes them past
 * a limit, with the core's `BudgetExceededError`.
 */

import { AT_LEAST_ZERO, BudgetExceededError, type BudgetUse, type FrameBudget, checkLimit, invalidArgType } from "@asynchat/core";

/** A budget's limits. */
export interface BudgetLimits {
  readonly name: string;
  readonly maxBytes: number;
  readonly maxFrames: number;
}

/** A budget started with `startBudget`, and what it has used. */
export interface ChannelBudget extends BudgetLimits, BudgetUse {}

/** Checks `startBudget`'s argument (the core's rules) and starts counting. */
export function startChannelBudget(budget: FrameBudget): ChannelBudget {
  if (typeof budget !== "object" || budget === null) throw invalidArgType("budget", "an object", budget);
  const name = budget.name ?? "budget";
  if (typeof name !== "string") throw invalidArgType("budget.name", "a string", name);
  const maxBytes = checkLimit("budget.maxBytes", budget.maxBytes ?? Infinity, AT_LEAST_ZERO);
  const maxFrames = checkLimit("budget.maxFrames", budget.maxFrames ?? Infinity, AT_LEAST_ZERO);
  return { name, maxBytes, maxFrames, bytes: 0, frames: 0 };
}

/** What a channel budget has used (a copy), or null without one. */
export function budgetUse(budget: ChannelBudget | null): BudgetUse | null {
  return budget === null ? null : { bytes: budget.bytes, frames: budget.frames };
}

/** The error for a budget that `bytes` and `frames` take past a limit, or null if they stay within it. */
export function overBudget(budget: BudgetLimits, bytes: number, frames: number): BudgetExceededError | null {
  if (bytes > budget.maxBytes) return new BudgetExceededError(budget.name, "bytes", budget.maxBytes, bytes);
  if (frames > budget.maxFrames) return new BudgetExceededError(budget.name, "frames", budget.maxFrames, frames);
  return null;
}
