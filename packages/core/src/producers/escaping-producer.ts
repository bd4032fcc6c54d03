/**
 * Medusa's `escaping_producer`: a byte sequence replaced by another in a
 * producer's output, even where the sequence is split across pieces; and
 * SMTP's dot-stuffing built on it.
 */

import { invalidArgType, invalidArgValue } from "../errors";
import { EMPTY, isThenable, pull, toPiece } from "./pieces";
import { type Producer, type ProducerSource, toProducer } from "./producer";

function bytesArgument(name: string, value: unknown): Buffer {
  if (typeof value === "string") return Buffer.from(value, "utf8");
  if (value instanceof Uint8Array) return Buffer.from(toPiece(value)); // a copy: the caller may reuse theirs
  throw invalidArgType(name, "a string or bytes", value);
}

/**
 * The length of the longest tail of `data[start..]` that is a proper prefix
 * of `from`: bytes that may be the start of a match completed by the next
 * piece, so they are held back.
 */
function heldBack(data: Buffer, start: number, from: Buffer): number {
  const first = from[0];
  for (let at = Math.max(start, data.length - from.length + 1); at < data.length; at++) {
    if (data[at] !== first) continue;
    const length = data.length - at;
    if (data.compare(from, 0, length, at) === 0) return length;
  }
  return 0;
}

/**
 * Replaces every occurrence of `from` in the output of `producer` with `to`,
 * left to right without overlaps (as `String.prototype.replaceAll`), in
 * whatever pieces the output comes: the few bytes at the end of a piece that
 * could begin an occurrence (at most `from.length - 1`) are held back until
 * the next piece says whether they do. Pieces without an occurrence pass
 * through without a copy. `discard()` is passed on to the inner producer.
 */
export class EscapingProducer implements Producer {
  readonly #inner: Producer;
  readonly #from: Buffer;
  readonly #to: Buffer;
  /** Held-back bytes that may begin an occurrence. */
  #carry: Buffer;
  /** Bytes still to drop from the front of the output (the assumed context, see {@link dotStuff}). */
  #skip: number;
  #done = false;

  /**
   * @param producer the producer whose output is escaped (a producer, or an iterable or async iterable of chunks)
   * @param from the sequence to replace: a non-empty string (UTF-8) or bytes
   * @param to its replacement: a string (UTF-8) or bytes, may be empty
   */
  constructor(producer: ProducerSource, from: string | Uint8Array, to: string | Uint8Array) {
    this.#inner = toProducer(producer);
    this.#from = bytesArgument("from", from);
    if (this.#from.length === 0) throw invalidArgValue("from", "must not be empty", from);
    this.#to = bytesArgument("to", to);
    this.#carry = EMPTY;
    this.#skip = 0;
  }

  /**
   * Matches as though `context` came before the output (matched against,
   * never produced): how {@link dotStuff} treats the very start as the
   * start of a line. `context` must begin both `from` and `to`.
   */
  protected assumeBefore(context: Buffer): void {
    this.#carry = context;
    this.#skip = context.length;
  }

  /** The next escaped piece; empty once the inner producer is exhausted and the held-back bytes are out. */
  more(): Buffer | Promise<Buffer> {
    for (;;) {
      if (this.#done) return EMPTY;
      const piece = pull(this.#inner);
      if (isThenable<Buffer>(piece)) return piece.then((p) => this.#escape(p) ?? this.more());
      const out = this.#escape(piece);
      if (out !== null) return out;
    }
  }

  /** Passes the drop on to the inner producer. */
  discard(): void {
    if (this.#done) return;
    this.#done = true;
    this.#carry = EMPTY;
    this.#inner.discard?.();
  }

  /** The escaped output for one inner piece; null when it was all held back (ask again). */
  #escape(piece: Buffer): Buffer | null {
    if (this.#done) return EMPTY;
    if (piece.length === 0) {
      this.#done = true;
      const rest = this.#trim(this.#carry);
      this.#carry = EMPTY;
      return rest;
    }
    const from = this.#from;
    const data = this.#carry.length === 0 ? piece : Buffer.concat([this.#carry, piece]);
    let at = data.indexOf(from);
    let start = 0;
    const parts: Buffer[] = [];
    while (at !== -1) {
      parts.push(data.subarray(start, at), this.#to);
      start = at + from.length;
      at = data.indexOf(from, start);
    }
    const keep = heldBack(data, start, from);
    // A copy: the held-back bytes are few, the piece they came from may be large.
    this.#carry = keep === 0 ? EMPTY : Buffer.from(data.subarray(data.length - keep));
    const out = parts.length === 0 ? (keep === 0 ? data : data.subarray(0, data.length - keep)) : Buffer.concat([...parts, data.subarray(start, data.length - keep)]);
    const trimmed = this.#trim(out);
    return trimmed.length === 0 ? null : trimmed;
  }

  #trim(out: Buffer): Buffer {
    if (this.#skip === 0) return out;
    const drop = Math.min(this.#skip, out.length);
    this.#skip -= drop;
    return out.subarray(drop);
  }
}

const CRLF_DOT = Buffer.from("\r\n.", "latin1");
const CRLF_DOT_DOT = Buffer.from("\r\n..", "latin1");
const CRLF = Buffer.from("\r\n", "latin1");

/** {@link EscapingProducer} for SMTP: the output's start counts as the start of a line. */
class DotStuffer extends EscapingProducer {
  constructor(producer: ProducerSource) {
    super(producer, CRLF_DOT, CRLF_DOT_DOT);
    this.assumeBefore(CRLF);
  }
}

/**
 * SMTP's dot-stuffing (RFC 5321, section 4.5.2) of a message body: a "." at
 * the start of the body and every "." right after a CRLF is doubled, so that
 * no line of the body reads as the end-of-data line `.`. Split pieces are
 * handled (a CRLF at the end of one piece and the "." at the start of the
 * next). Only CRLF starts a line here; bare LFs and CRs are left as they are,
 * and so is the end of the body: the caller writes the final `.\r\n` (after a
 * CRLF if the body does not end with one).
 *
 * @param producer the body (a producer, or an iterable or async iterable of chunks)
 */
export function dotStuff(producer: ProducerSource): Producer {
  return new DotStuffer(producer);
}
