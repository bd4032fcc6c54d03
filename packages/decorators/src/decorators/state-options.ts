/**
 * Validation of the options of `@onTerminator` and `@onBytes`, done when the
 * class is decorated; problems are recorded, not thrown, so that every
 * mistake of a class is reported at once.
 */

import { AT_LEAST_ZERO, describeValue, limitExpectation, limitProblem } from "@asynchat/core";
import type { StateOptions } from "../metadata/records";

const KNOWN = new Set(["initial", "encoding", "maxLength", "stream", "next", "lineEndings", "budget", "frameTimeout"]);

/** Returns the problems with `options` (empty when fine). */
export function checkStateOptions(options: unknown): string[] {
  if (options === undefined) return [];
  if (typeof options !== "object" || options === null) return [`options must be an object, got ${describeValue(options)}`];
  const problems: string[] = [];
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) if (!KNOWN.has(key)) problems.push(`unknown option "${key}"`);
  if (o.initial !== undefined && typeof o.initial !== "boolean") problems.push(`options.initial must be a boolean, got ${describeValue(o.initial)}`);
  if (o.stream !== undefined && typeof o.stream !== "boolean") problems.push(`options.stream must be a boolean, got ${describeValue(o.stream)}`);
  if (o.encoding !== undefined && (typeof o.encoding !== "string" || !Buffer.isEncoding(o.encoding))) {
    problems.push(`options.encoding must be a Buffer encoding such as "latin1" or "utf8", got ${describeValue(o.encoding)}`);
  }
  // The same rule as the channel's options and setters (core's checkLimit).
  for (const key of ["maxLength", "frameTimeout"] as const) {
    const value = o[key];
    if (value !== undefined && limitProblem(value, AT_LEAST_ZERO) !== null) {
      problems.push(`options.${key} must be ${limitExpectation(AT_LEAST_ZERO)}${key === "frameTimeout" ? " (milliseconds)" : ""}, got ${describeValue(value)}`);
    }
  }
  if (o.next !== undefined && (!Array.isArray(o.next) || o.next.some((n) => typeof n !== "string"))) {
    problems.push(`options.next must be an array of state names, got ${describeValue(o.next)}`);
  }
  if (o.lineEndings !== undefined && o.lineEndings !== "any" && o.lineEndings !== "crlf") {
    problems.push(`options.lineEndings must be "any" or "crlf", got ${describeValue(o.lineEndings)}`);
  }
  if (o.budget !== undefined && typeof o.budget !== "string") problems.push(`options.budget must be a budget name, got ${describeValue(o.budget)}`);
  return problems;
}

/** A frozen copy of the options, so later changes by the caller do not leak in. */
export function freezeOptions(options: StateOptions | undefined): StateOptions {
  if (options === undefined || typeof options !== "object" || options === null) return Object.freeze({});
  const copy: StateOptions = { ...options };
  if (Array.isArray(options.next)) copy.next = Object.freeze([...options.next]);
  return Object.freeze(copy);
}
