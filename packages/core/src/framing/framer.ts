/**
 * The framing engine: cuts a byte stream into frames by the current
 * terminator, exactly as asynchat's `handle_read` does, with no I/O and no
 * events. It calls a {@link FrameSink} for each piece of frame data and each
 * frame end, and stops whenever the sink says so, keeping the rest of the
 * input for the next {@link Framer.run}.
 *
 * Invariants:
 * - input is scanned once: after a miss only the last `terminator length - 1`
 *   bytes are kept back (copied, at most a few bytes), everything else is
 *   handed on as a range of the chunk it arrived in;
 * - every piece handed on is non-empty, except the last piece of a frame that
 *   ends exactly at a chunk boundary or after held bytes;
 * - state is updated before each sink call, so a sink that changes the
 *   terminator, feeds more input, resets the engine or throws leaves it
 *   consistent: the next `run` goes on from the byte after the call.
 */

import { Buffer } from "node:buffer";
import type { NormalTerminator } from "../terminator";
import { type AnyMatch, findAny, findSequence, heldPrefixLength } from "./search";

/** Receives what the {@link Framer} cuts. Each method returns whether framing may go on. */
export interface FrameSink {
  /** `chunk[start..end)` belongs to the current frame, which goes on. Never empty. */
  data(chunk: Buffer, start: number, end: number): boolean;
  /**
   * The current frame ends with `chunk[start..end)` (possibly empty).
   * `matched` is the index of the terminator that ended it in an array
   * terminator, 0 for a single sequence, -1 for a byte count.
   */
  end(chunk: Buffer, start: number, end: number, matched: number): boolean;
  /** The current frame passed `maxLength` (`length` bytes so far); its remaining bytes will be dropped. */
  overflow(length: number): boolean;
  /** The over-long frame reported to `overflow` has ended (its terminator arrived); framing resumes after it. */
  skipped(): boolean;
  /** Asked before each chunk is started: may framing go on? */
  proceed(): boolean;
}

const ALL = 0;
const COUNT = 1;
const SEQUENCE = 2;
const ANY = 3;

const EMPTY = Buffer.alloc(0);

/** The pure framing engine. One per channel. */
export class Framer {
  #sink: FrameSink;

  #mode = ALL;
  /** Bytes still missing in COUNT mode. */
  #remaining = 0;
  /** The byte count the current COUNT frame started with. */
  #countStart = 0;
  #sequence: Buffer = EMPTY;
  #sequences: readonly Buffer[] = [];
  #longest = 0;
  readonly #anyMatch: AnyMatch = { index: -1, which: -1 };

  /** Tail of earlier input that may be the start of a terminator (shorter than the longest terminator). */
  #held: Buffer | null = null;
  /** The chunk being framed and the position in it. */
  #chunk: Buffer | null = null;
  #pos = 0;
  /** Chunks fed while another was being framed, in order. */
  #queue: Buffer[] = [];
  #queuedBytes = 0;

  /** Bytes of the current frame handed on so far (terminator modes). */
  #frameLength = 0;
  /** The current frame overflowed: drop its bytes until its terminator. */
  #discarding = false;
  #maxLength = Infinity;
  #running = false;

  /**
   * Hand held-back bytes that turn out to be data over joined with what
   * follows them, so pieces fall exactly where asynchat's do (one small copy
   * when it happens); off, they are handed over on their own, without copying.
   */
  coalesceHeld = false;

  /** @param sink receives frames; see {@link FrameSink}. */
  constructor(sink: FrameSink) {
    this.#sink = sink;
  }

  /**
   * Frames longer than this many bytes (not counting the terminator) are
   * reported through `sink.overflow` and dropped up to their terminator. A
   * frame of exactly `maxLength` bytes passes. Applies to sequence and array
   * terminators; byte counts and "collect everything" are not limited.
   */
  get maxLength(): number {
    return this.#maxLength;
  }

  set maxLength(limit: number) {
    this.#maxLength = limit;
  }

  /** Switches to a new terminator; bytes already received are framed with it. */
  setTerminator(terminator: NormalTerminator): void {
    // Held bytes were kept back for the old terminator; they are plain input for the new one.
    this.#unhold();
    switch (terminator.kind) {
      case "all":
        this.#mode = ALL;
        this.#remaining = 0;
        this.#discarding = false;
        break;
      case "count":
        this.setCount(terminator.value);
        break;
      case "sequence":
        this.#mode = SEQUENCE;
        this.#sequence = terminator.bytes;
        this.#longest = terminator.bytes.length;
        break;
      case "any":
        if (terminator.bytes.length === 1) {
          this.#mode = SEQUENCE;
          this.#sequence = terminator.bytes[0]!;
          this.#longest = this.#sequence.length;
        } else {
          this.#mode = ANY;
          this.#sequences = terminator.bytes;
          this.#longest = Math.max(...terminator.bytes.map((b) => b.length));
        }
        break;
    }
  }

  /** Switches to a byte count `n > 0` (the caller has validated it): the next `n` bytes are a frame. */
  setCount(n: number): void {
    this.#unhold();
    this.#mode = COUNT;
    this.#remaining = n;
    this.#countStart = n;
    this.#discarding = false;
  }

  /** In byte-count mode, the bytes still missing; 0 otherwise. */
  get remaining(): number {
    return this.#mode === COUNT ? this.#remaining : 0;
  }

  /** Whether a frame has begun and not ended (bytes handed on, held back, or being dropped). */
  get frameInProgress(): boolean {
    if (this.#mode === COUNT) return this.#remaining < this.#countStart;
    if (this.#mode === ALL) return false;
    return this.#frameLength > 0 || this.#held !== null || this.#discarding;
  }

  /** Bytes of the current, unfinished frame: handed on plus held back. */
  get partialLength(): number {
    if (this.#mode === COUNT) return this.#countStart - this.#remaining;
    if (this.#mode === ALL) return 0;
    return this.#frameLength + (this.#held?.length ?? 0);
  }

  /** Input received but not yet framed (paused or queued), not counting held terminator bytes. */
  get pendingBytes(): number {
    const current = this.#chunk === null ? 0 : this.#chunk.length - this.#pos;
    return current + this.#queuedBytes;
  }

  /** Whether {@link run} is on the stack (a sink callback is running). */
  get running(): boolean {
    return this.#running;
  }

  /** Adds received bytes behind any input not yet framed. Does not frame them: call {@link run}. */
  feed(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.#chunk === null) {
      this.#chunk = chunk;
      this.#pos = 0;
    } else {
      this.#queue.push(chunk);
      this.#queuedBytes += chunk.length;
    }
  }

  /**
   * Frames pending input until it is used up (returns true) or the sink asks
   * to stop (returns false; the rest waits for the next call). A call made
   * from inside a sink callback returns at once; the outer call goes on.
   * An exception from the sink propagates with the engine consistent.
   */
  run(): boolean {
    if (this.#running) return true;
    this.#running = true;
    try {
      while (this.#chunk !== null) {
        if (!this.#sink.proceed()) return false;
        if (!this.#frameChunk()) return false;
      }
      return true;
    } finally {
      this.#running = false;
    }
  }

  /** Drops all input: pending chunks, held bytes and the frame in progress. */
  reset(): void {
    this.#chunk = null;
    this.#pos = 0;
    this.#queue = [];
    this.#queuedBytes = 0;
    this.#held = null;
    this.#frameLength = 0;
    this.#discarding = false;
    if (this.#mode === COUNT) this.#countStart = this.#remaining;
  }

  /**
   * Removes and returns the input not framed yet (the rest of the current
   * chunk, then queued chunks), leaving the terminator and the frame in
   * progress as they are. Used when the rest of the stream changes hands,
   * as in a TLS upgrade.
   */
  takeUnframed(): Buffer[] {
    const taken: Buffer[] = [];
    // Held bytes (a possible start of the terminator) stay: they belong to the frame in
    // progress, and the input after the hand-over decides whether they end it.
    if (this.#chunk !== null && this.#pos < this.#chunk.length) taken.push(this.#chunk.subarray(this.#pos));
    for (const chunk of this.#queue) taken.push(chunk);
    this.#chunk = null;
    this.#pos = 0;
    this.#queue = [];
    this.#queuedBytes = 0;
    return taken;
  }

  /**
   * The input has ended. With `deliver`, an unfinished frame is handed on
   * (its held bytes as data, then an end with `matched` -1) as if terminated.
   * Returns the length of the unfinished frame (0 if none).
   */
  finish(deliver: boolean): number {
    if (!this.frameInProgress) return 0;
    const length = this.partialLength;
    const held = this.#held;
    const discarding = this.#discarding;
    this.#held = null;
    this.#frameLength = 0;
    this.#discarding = false;
    if (this.#mode === COUNT) {
      this.#mode = ALL;
      this.#remaining = 0;
    }
    if (deliver && !discarding) {
      if (held !== null && !this.#sink.data(held, 0, held.length)) return length;
      this.#sink.end(EMPTY, 0, 0, -1);
    }
    return length;
  }

  #nextChunk(): void {
    const next = this.#queue.shift();
    if (next === undefined) {
      this.#chunk = null;
    } else {
      this.#chunk = next;
      this.#queuedBytes -= next.length;
    }
    this.#pos = 0;
  }

  /** Puts held bytes back in front of the input, to be framed again. */
  #unhold(): void {
    const held = this.#held;
    if (held === null) return;
    this.#held = null;
    if (this.#chunk !== null && this.#pos < this.#chunk.length) {
      const rest = this.#chunk.subarray(this.#pos);
      this.#queue.unshift(rest);
      this.#queuedBytes += rest.length;
    }
    this.#chunk = held;
    this.#pos = 0;
  }

  /** Frames the current chunk; false if the sink asked to stop. */
  #frameChunk(): boolean {
    for (;;) {
      const chunk = this.#chunk;
      if (chunk === null) return true;
      const pos = this.#pos;
      if (pos >= chunk.length) {
        this.#nextChunk();
        return true;
      }
      switch (this.#mode) {
        case ALL:
          this.#pos = chunk.length;
          if (!this.#sink.data(chunk, pos, chunk.length)) return false;
          break;
        case COUNT: {
          const available = chunk.length - pos;
          const missing = this.#remaining;
          if (available < missing) {
            this.#remaining = missing - available;
            this.#pos = chunk.length;
            if (!this.#sink.data(chunk, pos, chunk.length)) return false;
          } else {
            // Reached: the terminator reads 0 (collect everything) until the sink sets another.
            this.#remaining = 0;
            this.#mode = ALL;
            this.#pos = pos + missing;
            if (!this.#sink.end(chunk, pos, pos + missing, -1)) return false;
          }
          break;
        }
        case SEQUENCE:
          if (!this.#frameSequence(chunk, pos)) return false;
          break;
        default:
          if (!this.#frameAny(chunk, pos)) return false;
      }
    }
  }

  /**
   * Held bytes and at least `longest - 1` new bytes are needed to decide
   * whether a terminator starts in the held bytes. With a shorter rest of
   * chunk, the two are merged into one small chunk and framed again.
   * Returns the combined window to search, or null after merging.
   */
  #window(held: Buffer, chunk: Buffer, pos: number): Buffer | null {
    const need = this.#longest - 1;
    if (chunk.length - pos < need) {
      this.#held = null;
      this.#chunk = Buffer.concat([held, chunk.subarray(pos)]);
      this.#pos = 0;
      return null;
    }
    return Buffer.concat([held, chunk.subarray(pos, pos + need)]);
  }

  #frameSequence(chunk: Buffer, pos: number): boolean {
    const sequence = this.#sequence;
    const length = sequence.length;
    const held = this.#held;
    if (held !== null) {
      const window = this.#window(held, chunk, pos);
      if (window === null) return true;
      this.#held = null;
      const at = findSequence(window, sequence, 0);
      if (at >= 0 && at < held.length) {
        this.#pos = pos + at + length - held.length;
        return this.#endFrame(held, 0, at, 0);
      }
      // No terminator starts in the held bytes: they are frame data.
      if (this.coalesceHeld) return this.#releaseHeld(held, chunk, pos);
      return this.#addData(held, 0, held.length);
    }
    // Every frame of this chunk in one loop, for as long as the callbacks leave things as they are.
    for (;;) {
      const at = findSequence(chunk, sequence, pos);
      if (at < 0) break;
      this.#pos = at + length;
      if (!this.#endFrame(chunk, pos, at, 0)) return false;
      if (this.#chunk !== chunk || this.#mode !== SEQUENCE || this.#sequence !== sequence || this.#held !== null) return true;
      pos = this.#pos;
      if (pos >= chunk.length) return true;
    }
    const keep = heldPrefixLength(chunk, pos, sequence);
    const dataEnd = chunk.length - keep;
    this.#pos = chunk.length;
    if (keep > 0) this.#held = Buffer.from(chunk.subarray(dataEnd));
    return dataEnd > pos ? this.#addData(chunk, pos, dataEnd) : true;
  }

  #frameAny(chunk: Buffer, pos: number): boolean {
    const sequences = this.#sequences;
    const match = this.#anyMatch;
    const held = this.#held;
    if (held !== null) {
      const window = this.#window(held, chunk, pos);
      if (window === null) return true;
      this.#held = null;
      findAny(window, sequences, this.#longest, 0, match);
      if (match.which >= 0 && match.index < held.length) {
        const matchEnd = match.index + sequences[match.which]!.length;
        if (matchEnd < held.length) {
          // A shorter terminator ended inside the held bytes (they were held for a longer
          // one that did not come): the rest of them is input again, in front of the chunk.
          this.#queue.unshift(chunk.subarray(pos));
          this.#queuedBytes += chunk.length - pos;
          this.#chunk = held.subarray(matchEnd);
          this.#pos = 0;
        } else {
          this.#pos = pos + matchEnd - held.length;
        }
        return this.#endFrame(held, 0, match.index, match.which);
      }
      if (this.coalesceHeld) return this.#releaseHeld(held, chunk, pos);
      return this.#addData(held, 0, held.length);
    }
    findAny(chunk, sequences, this.#longest, pos, match);
    if (match.which >= 0) {
      this.#pos = match.index + sequences[match.which]!.length;
      return this.#endFrame(chunk, pos, match.index, match.which);
    }
    const dataEnd = match.index >= 0 ? match.index : chunk.length;
    this.#pos = chunk.length;
    if (dataEnd < chunk.length) this.#held = Buffer.from(chunk.subarray(dataEnd));
    return dataEnd > pos ? this.#addData(chunk, pos, dataEnd) : true;
  }

  /**
   * Held bytes that turned out not to start a terminator, handed on joined
   * with the data after them up to the next terminator or held-back tail:
   * one piece, as asynchat's `collect_incoming_data` sees it.
   */
  #releaseHeld(held: Buffer, chunk: Buffer, pos: number): boolean {
    let end: number;
    let matched = -1;
    let after: number;
    if (this.#mode === SEQUENCE) {
      end = findSequence(chunk, this.#sequence, pos);
      if (end >= 0) {
        matched = 0;
        after = end + this.#sequence.length;
      } else {
        end = chunk.length - heldPrefixLength(chunk, pos, this.#sequence);
        after = chunk.length;
      }
    } else {
      const match = findAny(chunk, this.#sequences, this.#longest, pos, this.#anyMatch);
      if (match.which >= 0) {
        matched = match.which;
        end = match.index;
        after = end + this.#sequences[matched]!.length;
      } else {
        end = match.index >= 0 ? match.index : chunk.length;
        after = chunk.length;
      }
    }
    const piece = Buffer.concat([held, chunk.subarray(pos, end)]);
    this.#pos = after;
    if (matched >= 0) return this.#endFrame(piece, 0, piece.length, matched);
    if (end < chunk.length) this.#held = Buffer.from(chunk.subarray(end));
    return this.#addData(piece, 0, piece.length);
  }

  /** Hands on frame data, or drops it while discarding; detects overflow. */
  #addData(chunk: Buffer, start: number, end: number): boolean {
    if (this.#discarding) return true;
    const length = this.#frameLength + (end - start);
    if (length > this.#maxLength) {
      this.#discarding = true;
      this.#frameLength = 0;
      return this.#sink.overflow(length);
    }
    this.#frameLength = length;
    return this.#sink.data(chunk, start, end);
  }

  /** A terminator was found after `chunk[start..end)`. */
  #endFrame(chunk: Buffer, start: number, end: number, matched: number): boolean {
    const length = this.#frameLength + (end - start);
    this.#frameLength = 0;
    if (this.#discarding) {
      // The end of an over-long frame: dropped; framing resumes after it.
      this.#discarding = false;
      return this.#sink.skipped();
    }
    if (length > this.#maxLength) {
      // Too long, though complete: report it, then its end, as for a frame dropped piece by piece.
      this.#sink.overflow(length);
      return this.#sink.skipped();
    }
    return this.#sink.end(chunk, start, end, matched);
  }
}
