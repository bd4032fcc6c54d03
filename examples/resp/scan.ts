/**
 * The fast path for pipelines. Once a request line has been framed, look
 * at the rest of the read and find how many complete, well-formed requests
 * follow in it: multibulk commands (`*<n>\r\n` then `n` times
 * `$<len>\r\n<bytes>\r\n`) and plain inline commands (words on a line).
 * Their arguments go into the argument table as ranges of the read
 * (nothing is copied), and the protocol takes all of them as one
 * byte-count frame, instead of one frame per inline line or two per
 * argument.
 *
 * The scan is strict and gives up early, at anything but a complete,
 * well-formed request within the limits: an inline line with quotes (or a
 * NUL), `*0`, a request cut by the end of the read, a malformed header.
 * What it leaves is framed by the ordinary states, which also report every
 * protocol error.
 */

import type { Args } from "./args";

/** Most commands taken in one scan (the rest of the read is scanned next time). */
export const MAX_SCANNED_COMMANDS = 4096;

/** Limits the scan respects (those of the server). */
export interface ScanLimits {
  readonly maxBulkLength: number;
  readonly maxMultibulkLength: number;
  readonly maxInlineLength: number;
}

/**
 * A canonical non-negative decimal at `bytes[at..]` ended by CR LF, below
 * 10^10: returns its value and puts the offset after the LF in `next.at`,
 * or returns -1 (malformed, too long, or cut off).
 */
function readCount(bytes: Uint8Array, at: number, end: number, next: { at: number }): number {
  let value = 0;
  const first = at;
  for (; at < end; at++) {
    const byte = bytes[at]!;
    if (byte === 13) {
      if (at === first || at + 1 >= end || bytes[at + 1] !== 10) return -1;
      if (bytes[first] === 48 && at - first > 1) return -1;
      next.at = at + 2;
      return value;
    }
    if (byte < 48 || byte > 57 || at - first >= 10) return -1;
    value = value * 10 + (byte - 48);
  }
  return -1;
}

/** The result of a scan: which commands of which read the argument table holds. */
export class PipelineScan {
  /** The connection the scan was made for; null when the table holds something else. */
  owner: object | null = null;
  /** The read scanned, and the range of it the requests cover. */
  source: Buffer | null = null;
  start = 0;
  end = 0;
  /** Number of commands found (empty inline lines are skipped, not counted). */
  commands = 0;
  /** For each command, its first slot in the argument table and its number of arguments. */
  readonly firstSlots = new Int32Array(MAX_SCANNED_COMMANDS);
  readonly counts = new Int32Array(MAX_SCANNED_COMMANDS);
  readonly #cursor = { at: 0 };

  /** @param args the argument table the scan fills */
  constructor(readonly args: Args) {}

  /**
   * Scans `bytes[start..end)` for complete requests. With `firstCount > 0`
   * the first one is a multibulk command whose `*` line has been read
   * already and that has that many arguments. Returns the offset after the
   * last complete request, `start` if there is none. The table then holds
   * the commands for `owner`.
   */
  scan(owner: object, bytes: Buffer, start: number, end: number, firstCount: number, limits: ScanLimits): number {
    const args = this.args;
    this.owner = null;
    this.commands = 0;
    args.reserve(firstCount);
    args.source = bytes;
    const capacity = args.starts.length;
    const cursor = this.#cursor;
    let slot = 0;
    let done = start;
    let at = start;
    let count = firstCount;
    while (this.commands < MAX_SCANNED_COMMANDS) {
      if (count === 0) {
        // A new request: `*<count>` or an inline line.
        if (at >= end) break;
        if (bytes[at] === 42) {
          count = readCount(bytes, at + 1, end, cursor);
          if (count < 1 || count > limits.maxMultibulkLength) break;
          at = cursor.at;
        } else {
          const found = this.#inline(bytes, at, end, slot, capacity, limits.maxInlineLength);
          if (found < 0) break;
          at = cursor.at;
          if (found > 0) {
            this.firstSlots[this.commands] = slot;
            this.counts[this.commands] = found;
            this.commands++;
            slot += found;
          }
          done = at;
          continue;
        }
      }
      if (slot + count > capacity) break;
      const next = this.#bulkStrings(bytes, at, end, slot, count, limits.maxBulkLength);
      if (next < 0) break;
      this.firstSlots[this.commands] = slot;
      this.counts[this.commands] = count;
      this.commands++;
      slot += count;
      at = next;
      done = at;
      count = 0;
    }
    if (done > start) {
      this.owner = owner;
      this.source = bytes;
      this.start = start;
      this.end = done;
    }
    return done;
  }

  /**
   * Reads `count` complete bulk strings from `at` into slots from `slot`;
   * returns the offset after them, or -1 if they are not all there and well-formed.
   */
  #bulkStrings(bytes: Buffer, at: number, end: number, slot: number, count: number, maxBulk: number): number {
    const args = this.args;
    const starts = args.starts;
    const ends = args.ends;
    const cursor = this.#cursor;
    for (let i = 0; i < count; i++) {
      if (at >= end || bytes[at] !== 36) return -1;
      const length = readCount(bytes, at + 1, end, cursor);
      if (length < 0 || length > maxBulk) return -1;
      const dataStart = cursor.at;
      const dataEnd = dataStart + length;
      if (dataEnd + 2 > end || bytes[dataEnd] !== 13 || bytes[dataEnd + 1] !== 10) return -1;
      starts[slot] = dataStart;
      ends[slot] = dataEnd;
      slot++;
      at = dataEnd + 2;
    }
    return at;
  }

  /**
   * Reads a complete inline line from `at` (words separated by white space,
   * no quotes, no NUL) into slots from `slot`: returns its number of words
   * (0 for a blank line) with the offset after its LF in the cursor, or -1
   * to leave it to the ordinary states.
   */
  #inline(bytes: Buffer, at: number, end: number, slot: number, capacity: number, maxLength: number): number {
    const args = this.args;
    const starts = args.starts;
    const ends = args.ends;
    let i = at;
    let words = 0;
    for (;;) {
      // Between words: spaces, tabs, CR, VT, FF; LF ends the line.
      let byte = 0;
      while (i < end) {
        byte = bytes[i]!;
        if (byte !== 32 && (byte < 9 || byte > 13 || byte === 10)) break;
        i++;
      }
      if (i >= end) return -1;
      if (byte === 10) {
        // A CR right before the LF belongs to the line end, not the limit.
        if (i - at - (i > at && bytes[i - 1] === 13 ? 1 : 0) > maxLength) return -1;
        this.#cursor.at = i + 1;
        return words;
      }
      if (i - at > maxLength || byte === 34 || byte === 39 || byte === 0 || slot + words >= capacity) return -1;
      const wordStart = i;
      while (i < end) {
        byte = bytes[i]!;
        if (byte === 32 || byte === 10 || byte === 13 || byte === 9 || byte === 0 || byte === 34 || byte === 39) break;
        i++;
      }
      if (byte === 34 || byte === 39 || byte === 0) return -1;
      starts[slot + words] = wordStart;
      ends[slot + words] = i;
      words++;
    }
  }

  /** Whether the table still holds the scan `owner` made, and `frame` is exactly the bytes it covers (the same memory). */
  holds(owner: object, frame: Buffer): boolean {
    const source = this.source;
    return (
      this.owner === owner &&
      source !== null &&
      frame.buffer === source.buffer &&
      frame.byteOffset === source.byteOffset + this.start &&
      frame.length === this.end - this.start
    );
  }

  /** The table is about to hold something else: forget the scan and the read it points into. */
  invalidate(): void {
    this.owner = null;
    this.source = null;
  }
}
