/**
 * The fast path for pipelines: once the `*<count>` line of a multibulk
 * command has been framed, look at the rest of the read and find how many
 * complete, well-formed multibulk commands follow in it. Their arguments go
 * into the argument table as ranges of the read (nothing is copied), and the
 * protocol takes all of them as one byte-count frame instead of two frames
 * per argument.
 *
 * The scan is strict and gives up early: at anything that is not a
 * complete `*<n>\r\n` followed by `n` complete `$<len>\r\n<bytes>\r\n`
 * (inline commands, `*0`, a command cut by the end of the read, a malformed
 * header, a limit exceeded). What it leaves is framed by the ordinary
 * states, which also report every protocol error.
 */

import type { Args } from "./args";

/** Most commands taken in one scan (the rest of the read is scanned next time). */
export const MAX_SCANNED_COMMANDS = 4096;

/** Limits the scan respects (those of the server). */
export interface ScanLimits {
  readonly maxBulkLength: number;
  readonly maxMultibulkLength: number;
}

/**
 * A canonical non-negative decimal at `bytes[at..]` ended by CR LF, below
 * 2^31: returns its value and puts the offset after the LF in `next.at`,
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
  /** The read scanned, and the range of it the commands cover. */
  source: Buffer | null = null;
  start = 0;
  end = 0;
  /** Number of commands found. */
  commands = 0;
  /** For each command, its first slot in the argument table and its number of arguments. */
  readonly firstSlots = new Int32Array(MAX_SCANNED_COMMANDS);
  readonly counts = new Int32Array(MAX_SCANNED_COMMANDS);
  readonly #cursor = { at: 0 };

  /** @param args the argument table the scan fills */
  constructor(readonly args: Args) {}

  /**
   * Scans `bytes[start..end)` for complete commands, the first of which has
   * `firstCount` arguments (its `*` line already read). Returns the offset
   * after the last complete command, or `start` if not even the first is
   * complete and well-formed. The table then holds the commands for `owner`.
   */
  scan(owner: object, bytes: Buffer, start: number, end: number, firstCount: number, limits: ScanLimits): number {
    const args = this.args;
    this.owner = null;
    this.commands = 0;
    args.reserve(firstCount);
    const buffers = args.buffers;
    const starts = args.starts;
    const ends = args.ends;
    const capacity = starts.length;
    const cursor = this.#cursor;
    const maxBulk = limits.maxBulkLength;
    let slot = 0;
    let done = start;
    let at = start;
    let count = firstCount;
    for (;;) {
      if (slot + count > capacity) break;
      const first = slot;
      let complete = true;
      for (let i = 0; i < count; i++) {
        if (at >= end || bytes[at] !== 36) {
          complete = false;
          break;
        }
        const length = readCount(bytes, at + 1, end, cursor);
        if (length < 0 || length > maxBulk) {
          complete = false;
          break;
        }
        const dataStart = cursor.at;
        const dataEnd = dataStart + length;
        if (dataEnd + 2 > end || bytes[dataEnd] !== 13 || bytes[dataEnd + 1] !== 10) {
          complete = false;
          break;
        }
        buffers[slot] = bytes;
        starts[slot] = dataStart;
        ends[slot] = dataEnd;
        slot++;
        at = dataEnd + 2;
      }
      if (!complete) break;
      this.firstSlots[this.commands] = first;
      this.counts[this.commands] = count;
      this.commands++;
      done = at;
      if (this.commands === MAX_SCANNED_COMMANDS || at >= end || bytes[at] !== 42) break;
      count = readCount(bytes, at + 1, end, cursor);
      if (count < 1 || count > limits.maxMultibulkLength) break;
      at = cursor.at;
    }
    if (this.commands > 0) {
      this.owner = owner;
      this.source = bytes;
      this.start = start;
      this.end = done;
    }
    return done;
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
