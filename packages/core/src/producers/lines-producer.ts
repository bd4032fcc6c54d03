/**
 * Lines, each followed by a line ending, coalesced into large pieces: a
 * listing, a multi-line reply, a log, from an array, a generator or an async
 * source such as a database cursor.
 */

import { invalidArgType } from "../errors";
import { validateByteCount } from "../terminator";
import { Gatherer } from "./gatherer";
import { EMPTY, isThenable, toPiece } from "./pieces";
import type { Producer } from "./producer";

/** One line for a {@link LinesProducer}: a string (UTF-8) or bytes, without its line ending. */
export type Line = string | Uint8Array;

/** Options of a {@link LinesProducer}. */
export interface LinesProducerOptions {
  /** Written after every line, the last one included: a string (UTF-8) or bytes, default `"\r\n"`; may be empty. */
  lineEnding?: string | Uint8Array;
  /** Lines are coalesced into pieces of about this many bytes; a positive integer, default 16384. */
  bufferSize?: number;
}

/**
 * Hands out each line of `lines` followed by `lineEnding`. Lines are
 * coalesced: one piece holds as many lines as fit in `bufferSize` bytes (a
 * longer line is a piece of its own). From an async iterable, the lines
 * ready within one turn of the event loop are coalesced and a piece never
 * waits for a slow source to fill it. The source is iterated only as output
 * is taken (at most one line ahead), so an endless generator is fine.
 *
 * Lines are not checked: a line that contains the line ending goes out as it
 * is. `discard()` (the channel dropping the producer before the end) calls
 * the iterator's `return()`, so a generator's `finally` runs.
 */
export class LinesProducer implements Producer {
  readonly #iterator: Iterator<Line> | AsyncIterator<Line>;
  readonly #ending: Buffer;
  readonly #gatherer: Gatherer;
  /** The line ending is owed after the line just handed out. */
  #owesEnding = false;

  /**
   * @param lines an iterable or async iterable of lines (strings or bytes), without their line endings
   * @param options `lineEnding` (default `"\r\n"`) and `bufferSize` (default 16384)
   */
  constructor(lines: Iterable<Line> | AsyncIterable<Line>, options: LinesProducerOptions = {}) {
    if (typeof lines === "string" || typeof lines !== "object" || lines === null) {
      throw invalidArgType("lines", "an iterable or async iterable of strings or bytes", lines);
    }
    if (typeof (lines as AsyncIterable<Line>)[Symbol.asyncIterator] === "function") {
      this.#iterator = (lines as AsyncIterable<Line>)[Symbol.asyncIterator]();
    } else if (typeof (lines as Iterable<Line>)[Symbol.iterator] === "function") {
      this.#iterator = (lines as Iterable<Line>)[Symbol.iterator]();
    } else {
      throw invalidArgType("lines", "an iterable or async iterable of strings or bytes", lines);
    }
    const { lineEnding = "\r\n", bufferSize = 16384 } = options;
    if (typeof lineEnding === "string") this.#ending = Buffer.from(lineEnding, "utf8");
    else if (lineEnding instanceof Uint8Array) this.#ending = toPiece(lineEnding);
    else throw invalidArgType("options.lineEnding", "a string or bytes", lineEnding);
    if (typeof bufferSize !== "number") throw invalidArgType("options.bufferSize", "a number", bufferSize);
    validateByteCount(bufferSize, "options.bufferSize", 1);
    this.#gatherer = new Gatherer(() => this.#nextPiece(), bufferSize);
  }

  /** The next piece: whole lines with their endings; empty once the lines are exhausted. */
  more(): Buffer | Promise<Buffer> {
    return this.#gatherer.next();
  }

  /** Stops the iteration (the iterator's `return()`), when the channel drops the producer before the end. */
  discard(): void {
    try {
      const result = this.#iterator.return?.();
      if (isThenable(result)) Promise.resolve(result).catch(() => undefined);
    } catch {
      // A generator's clean-up that throws has nobody left to report to: the channel is gone.
    }
  }

  /** The next line or line ending, never empty until the end. */
  #nextPiece(): Buffer | Promise<Buffer> {
    if (this.#owesEnding) {
      this.#owesEnding = false;
      if (this.#ending.length > 0) return this.#ending;
    }
    for (;;) {
      const step = this.#iterator.next();
      if (isThenable<IteratorResult<Line>>(step)) return Promise.resolve(step).then((s) => this.#lineOf(s) ?? this.#nextPiece());
      const piece = this.#lineOf(step);
      if (piece !== null) return piece;
    }
  }

  /** The piece for one iteration step: the line (its ending owed), the ending of an empty line, EMPTY at the end, or null to skip. */
  #lineOf(step: IteratorResult<Line>): Buffer | null {
    if (step.done === true) return EMPTY;
    const line = step.value;
    if (typeof line !== "string" && !(line instanceof Uint8Array)) {
      throw invalidArgType("lines", "an iterable of strings or bytes", line);
    }
    if (line.length > 0) {
      this.#owesEnding = true;
      return toPiece(line);
    }
    return this.#ending.length > 0 ? this.#ending : null;
  }
}
