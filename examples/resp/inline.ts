/**
 * Inline commands: a line such as `SET greeting "hello\r\nworld"`, split as
 * Redis's `sdssplitargs` does. Outside quotes, arguments are separated by
 * spaces, tabs, CR and LF. `"..."` knows `\n \r \t \b \a \\ \"` and
 * `\xHH`; `'...'` knows only `\'`. A closing quote must be followed by
 * white space or the end. A NUL byte ends the line, as it ends a C string.
 */

import type { Args } from "./args";

/** White space skipped between arguments (C's `isspace`). */
function isSpace(byte: number): boolean {
  return byte === 32 || (byte >= 9 && byte <= 13);
}

/** Bytes that end an unquoted argument. */
function endsWord(byte: number): boolean {
  return byte === 32 || byte === 10 || byte === 13 || byte === 9 || byte === 0;
}

function hexValue(byte: number): number {
  if (byte >= 48 && byte <= 57) return byte - 48;
  if (byte >= 97 && byte <= 102) return byte - 87;
  if (byte >= 65 && byte <= 70) return byte - 55;
  return -1;
}

/**
 * Splits `line[0..end)` into `args` (from slot 0). Returns the number of
 * arguments, or -1 if a quote is unbalanced (or a closing quote is followed
 * by something other than white space).
 */
export function splitInline(line: Buffer, end: number, args: Args): number {
  for (let i = 0; i < end; i++) {
    const byte = line[i]!;
    if (byte === 34 || byte === 39 || byte === 0) return splitQuoted(line, end, args);
  }
  // No quotes: each argument is a range of the line itself.
  args.reserve((end + 1) >> 1 || 1);
  args.source = line;
  let count = 0;
  let i = 0;
  for (;;) {
    while (i < end && isSpace(line[i]!)) i++;
    if (i >= end) break;
    const start = i;
    while (i < end && !endsWord(line[i]!)) i++;
    args.starts[count] = start;
    args.ends[count] = i;
    count++;
  }
  return count;
}

/** The general case, with quotes and escapes: each argument is a new buffer. */
function splitQuoted(line: Buffer, length: number, args: Args): number {
  const words: Buffer[] = [];
  const nul = line.subarray(0, length).indexOf(0);
  const end = nul >= 0 ? nul : length;
  const bytes: number[] = [];
  let p = 0;
  for (;;) {
    while (p < end && isSpace(line[p]!)) p++;
    if (p >= end) break;
    bytes.length = 0;
    let inDouble = false;
    let inSingle = false;
    for (let done = false; !done; ) {
      const byte = p < end ? line[p]! : 0;
      if (inDouble) {
        if (byte === 92 && p + 3 < end && line[p + 1] === 120 && hexValue(line[p + 2]!) >= 0 && hexValue(line[p + 3]!) >= 0) {
          bytes.push(hexValue(line[p + 2]!) * 16 + hexValue(line[p + 3]!));
          p += 3;
        } else if (byte === 92 && p + 1 < end) {
          p++;
          const escaped = line[p]!;
          bytes.push(escaped === 110 ? 10 : escaped === 114 ? 13 : escaped === 116 ? 9 : escaped === 98 ? 8 : escaped === 97 ? 7 : escaped);
        } else if (byte === 34) {
          if (p + 1 < end && !isSpace(line[p + 1]!)) return -1;
          done = true;
        } else if (p >= end) {
          return -1;
        } else {
          bytes.push(byte);
        }
      } else if (inSingle) {
        if (byte === 92 && p + 1 < end && line[p + 1] === 39) {
          p++;
          bytes.push(39);
        } else if (byte === 39) {
          if (p + 1 < end && !isSpace(line[p + 1]!)) return -1;
          done = true;
        } else if (p >= end) {
          return -1;
        } else {
          bytes.push(byte);
        }
      } else if (endsWord(byte)) {
        done = true;
      } else if (byte === 34) {
        inDouble = true;
      } else if (byte === 39) {
        inSingle = true;
      } else {
        bytes.push(byte);
      }
      if (p < end) p++;
    }
    words.push(Buffer.from(bytes));
  }
  args.reserve(words.length || 1);
  args.source = null;
  for (let i = 0; i < words.length; i++) {
    args.buffers[i] = words[i]!;
    args.starts[i] = 0;
    args.ends[i] = words[i]!.length;
  }
  return words.length;
}
