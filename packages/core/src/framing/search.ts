/**
 * Byte-sequence search used by the framer. Pure functions over Buffers.
 */

import { indexOfByte } from "./buffer-view";

/**
 * Index of the first occurrence of `needle` in `haystack` at or after `from`,
 * or -1. Searches for the needle's last byte with the native one-byte
 * `indexOf` (memchr) and checks the bytes before it: several times cheaper
 * than `indexOf(Buffer)` for the short terminators protocols use.
 */
export function findSequence(haystack: Buffer, needle: Buffer, from: number): number {
  const n = needle.length;
  const last = needle[n - 1]!;
  if (n === 1) return indexOfByte(haystack, last, from);
  let i = from + n - 1;
  for (;;) {
    i = indexOfByte(haystack, last, i);
    if (i < 0) return -1;
    const start = i - n + 1;
    let k = 0;
    while (k < n - 1 && haystack[start + k] === needle[k]) k++;
    if (k === n - 1) return start;
    i++;
  }
}

/**
 * Length of the longest proper prefix of `needle` that `haystack[from..]`
 * ends with: the bytes that must be held back because the next read may
 * complete the terminator. 0 when none.
 */
export function heldPrefixLength(haystack: Buffer, from: number, needle: Buffer): number {
  const available = haystack.length - from;
  let k = Math.min(needle.length - 1, available);
  for (; k > 0; k--) {
    const start = haystack.length - k;
    let j = 0;
    while (j < k && haystack[start + j] === needle[j]) j++;
    if (j === k) return k;
  }
  return 0;
}

/** Whether `haystack[at..end)` is a proper prefix of `needle`. */
function isProperPrefix(haystack: Buffer, at: number, needle: Buffer): boolean {
  const k = haystack.length - at;
  if (k >= needle.length) return false;
  for (let j = 0; j < k; j++) if (haystack[at + j] !== needle[j]) return false;
  return true;
}

/** Result of {@link findAny}, kept in a reusable object to avoid allocation per frame. */
export interface AnyMatch {
  /** Index where the frame ends (the terminator starts), or where held bytes start; -1 if neither. */
  index: number;
  /** Which needle matched; -1 when `index` marks held bytes. */
  which: number;
}

/**
 * Finds the frame end among several needles in `haystack[from..]`: the
 * earliest occurrence of any needle, the longest needle at that position.
 * A match is only committed when no needle that could still complete at an
 * earlier position, or at the same position and longer, is cut off by the
 * end of the buffer; otherwise `which` is -1 and `index` is where the bytes
 * to hold back start. Both -1: no terminator and nothing to hold back.
 */
export function findAny(haystack: Buffer, needles: readonly Buffer[], longest: number, from: number, out: AnyMatch): AnyMatch {
  let best = -1;
  let which = -1;
  let bestLength = 0;
  for (let i = 0; i < needles.length; i++) {
    const needle = needles[i]!;
    const index = findSequence(haystack, needle, from);
    if (index >= 0 && (best < 0 || index < best || (index === best && needle.length > bestLength))) {
      best = index;
      which = i;
      bestLength = needle.length;
    }
  }
  const end = haystack.length;
  const limit = best >= 0 ? best : end - 1;
  for (let at = Math.max(from, end - longest + 1); at <= limit; at++) {
    for (let i = 0; i < needles.length; i++) {
      if (isProperPrefix(haystack, at, needles[i]!)) {
        out.index = at;
        out.which = -1;
        return out;
      }
    }
  }
  out.index = best;
  out.which = which;
  return out;
}
