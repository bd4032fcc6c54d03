/**
 * The `Terminator` type, its validation, and the normal form the framing
 * engine works with. One validator serves `setTerminator`, `@onTerminator`
 * and `@onBytes`.
 */

import { invalidArgType, invalidArgValue } from "./errors";

/**
 * What ends a frame:
 *
 * - a string (matched as its UTF-8 bytes) or bytes: the frame ends where that
 *   sequence occurs, which is not part of the frame;
 * - an integer `n > 0`: the frame is the next `n` bytes;
 * - `0` or `null`: no frames, every byte is collected as it arrives;
 * - an array of strings/bytes: the frame ends at whichever occurs first (the
 *   shortest frame; at one position the longest terminator wins).
 */
export type Terminator = string | Uint8Array | number | null | ReadonlyArray<string | Uint8Array>;

/** A terminator in the form the engine uses, computed once when it is set. */
export type NormalTerminator =
  /** Collect everything (`null` or `0`). */
  | { readonly kind: "all"; readonly value: null | 0 }
  /** A byte count, `value > 0`. */
  | { readonly kind: "count"; readonly value: number }
  /** One byte sequence. */
  | { readonly kind: "sequence"; readonly value: string | Uint8Array; readonly bytes: Buffer }
  /** Several byte sequences; `bytes[i]` belongs to `value[i]`. */
  | {
      readonly kind: "any";
      readonly value: ReadonlyArray<string | Uint8Array>;
      readonly bytes: readonly Buffer[];
    };

const EXPECTED = "a string, bytes, an integer >= 0, null, or an array of strings/bytes";

function sequenceBytes(value: unknown, name: string): Buffer {
  let bytes: Buffer;
  if (typeof value === "string") bytes = Buffer.from(value, "utf8");
  // Copy, so that a caller mutating its array later cannot change the terminator.
  else if (value instanceof Uint8Array) bytes = Buffer.from(value);
  else throw invalidArgType(name, EXPECTED, value);
  if (bytes.length === 0) throw invalidArgValue(name, "must not be empty", value);
  return bytes;
}

/**
 * Validates a byte count: an integer from 0 up to `Number.MAX_SAFE_INTEGER`.
 * Throws `RangeError` (code `ERR_INVALID_ARG_VALUE`) naming `name` otherwise.
 */
export function validateByteCount(value: number, name: string, min = 0): number {
  if (!Number.isSafeInteger(value) || value < min) {
    const problem = Number.isNaN(value)
      ? "must be a number, not NaN"
      : !Number.isFinite(value)
        ? "must be finite"
        : !Number.isInteger(value)
          ? "must be an integer"
          : `must be >= ${min}${value > Number.MAX_SAFE_INTEGER ? " and a safe integer" : ""}`;
    throw invalidArgValue(name, problem, value);
  }
  return value;
}

/**
 * Checks a terminator and returns its normal form. Throws a `TypeError` for a
 * value of the wrong type and a `RangeError` for an empty string, bytes or
 * array, or a negative, fractional, infinite or NaN number; both name `name`
 * and show the value.
 */
export function normalizeTerminator(terminator: unknown, name = "terminator"): NormalTerminator {
  if (terminator === null) return { kind: "all", value: null };
  if (typeof terminator === "number") {
    validateByteCount(terminator, name);
    return terminator === 0 ? { kind: "all", value: 0 } : { kind: "count", value: terminator };
  }
  if (typeof terminator === "string" || terminator instanceof Uint8Array) {
    return { kind: "sequence", value: terminator, bytes: sequenceBytes(terminator, name) };
  }
  if (Array.isArray(terminator)) {
    if (terminator.length === 0) throw invalidArgValue(name, "must not be an empty array", terminator);
    const value = Object.freeze([...terminator]) as ReadonlyArray<string | Uint8Array>;
    const bytes = value.map((item, i) => sequenceBytes(item, `${name}[${i}]`));
    return { kind: "any", value, bytes: Object.freeze(bytes) };
  }
  throw invalidArgType(name, EXPECTED, terminator);
}

/** String terminators normalised so far, shared by every channel (the bytes are never written to). */
const normalStrings = new Map<string, NormalTerminator>();
/** Distinct strings kept at most: a protocol uses a handful; generated ones must not grow the cache for ever. */
const NORMAL_STRINGS_KEPT = 256;

/**
 * {@link normalizeTerminator} for a string, made once per distinct string:
 * each new connection of a line protocol sets the same terminator, and
 * encoding it again per connection is work and garbage.
 */
export function normalStringTerminator(terminator: string): NormalTerminator {
  let normal = normalStrings.get(terminator);
  if (normal === undefined) {
    normal = normalizeTerminator(terminator);
    if (normalStrings.size >= NORMAL_STRINGS_KEPT) normalStrings.clear();
    normalStrings.set(terminator, normal);
  }
  return normal;
}
