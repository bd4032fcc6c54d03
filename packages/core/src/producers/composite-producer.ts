/**
 * Medusa's `composite_producer`: one producer after another, as one. A
 * response's head (a string) followed by its body (a file), say.
 */

import { invalidArgType } from "../errors";
import { EMPTY, isThenable, pull, toPiece } from "./pieces";
import { type Producer, type ProducerSource, SimpleProducer, isProducer, toProducer } from "./producer";

/** One part of a {@link CompositeProducer}: a producer, an (async) iterable of chunks, or data as it is. */
export type CompositePart = ProducerSource | string | Uint8Array;

/**
 * Hands out the output of each part in turn: each is asked until it is
 * exhausted, then the next. Parts may be producers, iterables or async
 * iterables of chunks, or plain strings and bytes. `producers` is iterated
 * lazily, one part at a time, so it may be a generator that makes each part
 * only when its turn comes (opening files one by one, say).
 *
 * `discard()` (the channel dropping it before the end) discards the current
 * part and every part not yet started that is a producer, and stops the
 * iteration of `producers`.
 */
export class CompositeProducer implements Producer {
  readonly #parts: Iterator<CompositePart>;
  #current: Producer | null = null;
  #finished = false;

  /** @param producers the parts, in order: an array or any iterable */
  constructor(producers: Iterable<CompositePart>) {
    if (typeof producers !== "object" || producers === null || typeof producers[Symbol.iterator] !== "function") {
      throw invalidArgType("producers", "an iterable of producers, iterables, strings or bytes", producers);
    }
    this.#parts = producers[Symbol.iterator]();
  }

  /** The current part's next piece; empty once every part is exhausted. */
  more(): Buffer | Promise<Buffer> {
    for (;;) {
      if (this.#finished) return EMPTY;
      let current = this.#current;
      if (current === null) {
        const step = this.#parts.next();
        if (step.done === true) {
          this.#finished = true;
          return EMPTY;
        }
        current = this.#current = partToProducer(step.value);
      }
      const piece = pull(current);
      if (isThenable<Buffer>(piece)) return piece.then((p) => this.#after(current, p));
      if (piece.length > 0) return piece;
      this.#current = null;
    }
  }

  /** Drops the current part and every later one that is a producer. */
  discard(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#current?.discard?.();
    this.#current = null;
    for (let step = this.#parts.next(); step.done !== true; step = this.#parts.next()) {
      if (isProducer(step.value)) step.value.discard?.();
    }
  }

  /** After an async piece of `part`: the piece, or (the part being exhausted) the next part's. */
  #after(part: Producer, piece: Buffer): Buffer | Promise<Buffer> {
    if (this.#current !== part) return EMPTY; // dropped while the piece was on its way
    if (piece.length > 0) return piece;
    this.#current = null;
    return this.more();
  }
}

function partToProducer(part: CompositePart): Producer {
  if (typeof part === "string" || part instanceof Uint8Array) return new SimpleProducer(toPiece(part), Math.max(1, part.length));
  return toProducer(part);
}
