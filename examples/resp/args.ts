/**
 * The arguments of commands as byte ranges, not strings: slot `i` is
 * `buffer[starts[i]..ends[i])`. For a pipeline scanned in one read every
 * slot points into the read itself (`source`); for a command gathered
 * frame by frame, each slot is one received bulk string (`buffers[i]`).
 * Commands see a window of the table (`base`, `count`) and read arguments
 * through it, decoding only what they need (numbers straight from bytes,
 * strings only for messages and patterns).
 */

import { type Int64, parseInteger, parseSafeInteger } from "./integers";

const EMPTY = Buffer.alloc(0);

/** Slots kept between commands; a table grown past this for one huge command shrinks back afterwards. */
const KEPT_CAPACITY = 64 * 1024;

/** Node's Buffer has `latin1Slice` (what `toString("latin1", ...)` ends in) without the argument checks; it is not in the typings. */
type Latin1Slicing = Buffer & { latin1Slice(start: number, end: number): string };

/** `bytes[start..end)` as a latin1 string: one character per byte, so any bytes survive a round trip. */
export function latin1(bytes: Buffer, start: number, end: number): string {
  return (bytes as Latin1Slicing).latin1Slice(start, end);
}

/** A table of argument slots and the window of it the current command owns. */
export class Args {
  /** When set, every slot lies in this one buffer (a scanned read, an inline line); else slot `i` lies in `buffers[i]`. */
  source: Buffer | null = null;
  buffers: Buffer[] = [];
  starts = new Int32Array(1024);
  ends = new Int32Array(1024);
  /** The current command's first slot. */
  base = 0;
  /** The current command's number of arguments (its name included). */
  count = 0;

  /** Makes room for `slots` slots (contents are not kept). */
  reserve(slots: number): void {
    if (slots <= this.starts.length) return;
    let capacity = this.starts.length;
    while (capacity < slots) capacity *= 2;
    this.starts = new Int32Array(capacity);
    this.ends = new Int32Array(capacity);
  }

  /**
   * The command in slots `[0, used)` has run: lets go of the buffers they
   * point into (a read, a large value), and of a table grown for one huge command.
   */
  release(used: number): void {
    if (this.source !== null) this.source = null;
    else {
      const buffers = this.buffers;
      for (let i = 0; i < used; i++) buffers[i] = EMPTY;
    }
    if (this.starts.length > KEPT_CAPACITY) {
      this.starts = new Int32Array(1024);
      this.ends = new Int32Array(1024);
      this.buffers = [];
    }
  }

  /** Points the window at `count` slots from `base`. */
  select(base: number, count: number): this {
    this.base = base;
    this.count = count;
    return this;
  }

  #bufferOf(slot: number): Buffer {
    return this.source ?? this.buffers[slot]!;
  }

  /** Argument `i` as a latin1 string (one character per byte: any bytes survive the round trip). */
  text(i: number): string {
    const slot = this.base + i;
    return latin1(this.#bufferOf(slot), this.starts[slot]!, this.ends[slot]!);
  }

  /** Length in bytes of argument `i`. */
  length(i: number): number {
    const slot = this.base + i;
    return this.ends[slot]! - this.starts[slot]!;
  }

  /** The buffer argument `i` lies in (see {@link start}, {@link end}). */
  buffer(i: number): Buffer {
    return this.#bufferOf(this.base + i);
  }

  /** Offset of argument `i` in its buffer. */
  start(i: number): number {
    return this.starts[this.base + i]!;
  }

  /** End offset of argument `i` in its buffer. */
  end(i: number): number {
    return this.ends[this.base + i]!;
  }

  /** Whether argument `i` is `keyword` (given in lower case, ASCII letters and digits), ignoring case. */
  is(i: number, keyword: string): boolean {
    const slot = this.base + i;
    const start = this.starts[slot]!;
    const length = keyword.length;
    if (this.ends[slot]! - start !== length) return false;
    const bytes = this.#bufferOf(slot);
    for (let j = 0; j < length; j++) {
      const byte = bytes[start + j]!;
      const want = keyword.charCodeAt(j);
      if (byte !== want && !(want >= 97 && want <= 122 && byte === want - 32)) return false;
    }
    return true;
  }

  /** Argument `i` as an integer within the safe range, or NaN (see `parseSafeInteger`). */
  safeInteger(i: number): number {
    const slot = this.base + i;
    return parseSafeInteger(this.#bufferOf(slot), this.starts[slot]!, this.ends[slot]!);
  }

  /** Argument `i` as a signed 64-bit integer, or null if it is not one. */
  integer(i: number): Int64 | null {
    const slot = this.base + i;
    return parseInteger(this.#bufferOf(slot), this.starts[slot]!, this.ends[slot]!);
  }
}
