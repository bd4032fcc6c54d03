/**
 * The `Range` request header (RFC 9110 §14.2): which bytes of a
 * representation of known size the client asks for. Pure functions; the
 * static-file handler turns the result into 206, 416 or a plain 200.
 */

/** One byte range of a representation, both ends inclusive (`bytes=0-499` is 0..499). */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/** More ranges than this in one header and the header is ignored (the whole file is sent): a guard against range floods. */
export const MAX_RANGES = 100;

/** {@link parseRange}: none of the ranges asked for lies within the representation (answered 416). */
export const UNSATISFIABLE = "unsatisfiable";

/** A run of 1 to 15 digits as a number, or -1. Longer runs are beyond any file and read as `Infinity`. */
function digits(text: string): number {
  const n = text.length;
  if (n === 0) return -1;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return -1;
  }
  return n > 15 ? Infinity : Number(text);
}

/**
 * The ranges a `Range` header asks for in a representation of `size`
 * bytes:
 *
 * - `null` when the header is to be ignored and the whole representation
 *   sent: a unit other than `bytes`, a malformed range set (`bytes=5-2`,
 *   `bytes=a-`, no range at all), more than {@link MAX_RANGES} ranges, or an
 *   empty representation;
 * - {@link UNSATISFIABLE} when the set is well formed but no range starts
 *   inside the representation (`bytes=1000-` of a 10-byte file, `bytes=-0`);
 * - otherwise the satisfiable ranges, each end clamped to the last byte
 *   (`bytes=5-` is 5 to the end, `bytes=-3` the last three bytes), in the
 *   order asked; ranges that overlap or touch are merged, in ascending
 *   order (so a client cannot make the server send the same bytes twice).
 */
export function parseRange(header: string, size: number): ByteRange[] | typeof UNSATISFIABLE | null {
  const equals = header.indexOf("=");
  if (equals < 0 || header.slice(0, equals).trim().toLowerCase() !== "bytes") return null;
  if (size === 0) return null;
  const specs = header.slice(equals + 1).split(",");
  const ranges: ByteRange[] = [];
  let count = 0;
  for (const raw of specs) {
    const spec = raw.trim();
    if (spec === "") continue; // empty list elements are allowed (RFC 9110 §5.6.1)
    if (++count > MAX_RANGES) return null;
    const dash = spec.indexOf("-");
    if (dash < 0) return null;
    const first = spec.slice(0, dash);
    const last = spec.slice(dash + 1);
    if (first === "") {
      // suffix-range: the last N bytes
      const length = digits(last);
      if (length < 0) return null;
      if (length > 0) ranges.push({ start: Math.max(0, size - length), end: size - 1 });
      continue;
    }
    const start = digits(first);
    if (start < 0) return null;
    let end = size - 1;
    if (last !== "") {
      const to = digits(last);
      if (to < 0 || to < start) return null;
      end = Math.min(to, size - 1);
    }
    if (start < size) ranges.push({ start, end });
  }
  if (count === 0) return null;
  if (ranges.length === 0) return UNSATISFIABLE;
  return coalesce(ranges);
}

/** The ranges as asked when no two overlap or touch; otherwise sorted and merged. */
function coalesce(ranges: ByteRange[]): ByteRange[] {
  if (ranges.length === 1) return ranges;
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  let touching = false;
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.start <= sorted[i - 1]!.end + 1) touching = true;
  }
  if (!touching) return ranges;
  const merged: ByteRange[] = [];
  for (const range of sorted) {
    const previous = merged[merged.length - 1];
    if (previous !== undefined && range.start <= previous.end + 1) {
      merged[merged.length - 1] = { start: previous.start, end: Math.max(previous.end, range.end) };
    } else merged.push(range);
  }
  return merged;
}
