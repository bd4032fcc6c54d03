/**
 * Redis's integers: signed 64-bit, written in canonical decimal (no sign
 * but `-`, no leading zeros, no spaces, not `-0`), parsed straight from
 * the bytes without a string or a regular expression. Values within
 * JavaScript's safe range stay plain numbers; the rest take a BigInt path.
 */

/** The largest signed 64-bit integer. */
export const INT64_MAX = 9223372036854775807n;
/** The smallest signed 64-bit integer. */
export const INT64_MIN = -9223372036854775808n;

/** More digits than this may leave the safe range, so they take the BigInt path. */
const SAFE_DIGITS = 15;

/**
 * The canonical integer in `bytes[start..end)` if it is within ±(2^53 − 1),
 * otherwise NaN (not an integer, or too large for a number: see
 * {@link parseInt64}).
 */
export function parseSafeInteger(bytes: Uint8Array, start: number, end: number): number {
  let i = start;
  if (i >= end) return NaN;
  let negative = false;
  if (bytes[i] === 45) {
    negative = true;
    if (++i >= end) return NaN;
  }
  const first = bytes[i]!;
  if (first === 48) return i + 1 === end && !negative ? 0 : NaN;
  if (first < 49 || first > 57 || end - i > SAFE_DIGITS) return NaN;
  let value = first - 48;
  for (i++; i < end; i++) {
    const digit = bytes[i]! - 48;
    if (digit < 0 || digit > 9) return NaN;
    value = value * 10 + digit;
  }
  return negative ? -value : value;
}

/**
 * The canonical signed 64-bit integer in `bytes[start..end)` as a BigInt,
 * or null if it is not one (Redis's `string2ll`). For values that
 * {@link parseSafeInteger} cannot hold.
 */
export function parseInt64(bytes: Uint8Array, start: number, end: number): bigint | null {
  const length = end - start;
  if (length === 0 || length > 20) return null;
  const digits = bytes[start] === 45 ? start + 1 : start;
  if (digits >= end) return null;
  if (bytes[digits] === 48) return length === 1 ? 0n : null;
  let text = digits > start ? "-" : "";
  for (let j = digits; j < end; j++) {
    const byte = bytes[j]!;
    if (byte < 48 || byte > 57) return null;
    text += String.fromCharCode(byte);
  }
  const value = BigInt(text);
  return value > INT64_MAX || value < INT64_MIN ? null : value;
}

/** A 64-bit integer as either representation: a safe number, or a BigInt beyond. */
export type Int64 = number | bigint;

/**
 * The integer in `bytes[start..end)`: a number when safe, a BigInt when it
 * is a valid 64-bit integer beyond the safe range, null when it is no
 * 64-bit integer at all.
 */
export function parseInteger(bytes: Uint8Array, start: number, end: number): Int64 | null {
  const value = parseSafeInteger(bytes, start, end);
  if (value === value) return value;
  return parseInt64(bytes, start, end);
}

/**
 * `a + b` as Redis's INCRBY computes it, or null if it would leave the
 * signed 64-bit range. Stays with numbers while the result is safe.
 */
export function addInt64(a: Int64, b: Int64): Int64 | null {
  if (typeof a === "number" && typeof b === "number") {
    const sum = a + b;
    if (Number.isSafeInteger(sum)) return sum;
  }
  const sum = BigInt(a) + BigInt(b);
  return sum > INT64_MAX || sum < INT64_MIN ? null : sum;
}

/** Number of decimal digits of a non-negative safe integer. */
export function decimalDigits(value: number): number {
  let digits = 1;
  while (value >= 10) {
    value = Math.floor(value / 10);
    digits++;
  }
  return digits;
}
