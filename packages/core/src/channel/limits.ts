/**
 * The one check for every numeric limit (lengths, counts, timeouts): used
 * by the channel's constructor and setters, `startBudget`, `ChatServer` and
 * the decorators, so that a value is accepted or refused the same way
 * wherever it is given.
 */

import { invalidArgType, invalidArgValue } from "../errors";

/** What a limit accepts: an integer from `min` up, or `Infinity` (no limit). */
export interface LimitRule {
  /** The smallest value allowed: 0 for lengths and timeouts (0: none), 1 for counts that must allow something. */
  readonly min: 0 | 1;
}

/** Lengths, byte and frame counts, timeouts: integers >= 0, or Infinity. */
export const AT_LEAST_ZERO: LimitRule = Object.freeze({ min: 0 });
/** Limits under which nothing could pass at 0 (high-water marks, connections): integers >= 1, or Infinity. */
export const AT_LEAST_ONE: LimitRule = Object.freeze({ min: 1 });

/**
 * What is wrong with `value` as a limit, or null if nothing is: `"type"` for
 * a value that is not a number, `"range"` for NaN, a fraction, or a value
 * below the rule's minimum.
 */
export function limitProblem(value: unknown, rule: LimitRule): "type" | "range" | null {
  if (typeof value !== "number") return "type";
  if (Number.isNaN(value) || value < rule.min || (Number.isFinite(value) && !Number.isInteger(value))) return "range";
  return null;
}

/** What a limit must be, in words: `an integer >= 0 or Infinity`. */
export function limitExpectation(rule: LimitRule): string {
  return `an integer >= ${rule.min} or Infinity`;
}

/**
 * Returns `value` if it is a valid limit; otherwise throws a `TypeError`
 * (`ERR_INVALID_ARG_TYPE`) for a non-number or a `RangeError`
 * (`ERR_INVALID_ARG_VALUE`) for a number out of range, naming `name` and
 * showing the value.
 */
export function checkLimit(name: string, value: unknown, rule: LimitRule): number {
  const problem = limitProblem(value, rule);
  if (problem === "type") throw invalidArgType(name, "a number", value);
  if (problem === "range") throw invalidArgValue(name, `must be ${limitExpectation(rule)}`, value);
  return value as number;
}
