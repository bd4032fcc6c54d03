/**
 * Medusa's `globbing_producer`: many small pieces gathered into larger ones,
 * so a producer that hands out a line at a time still fills the socket with
 * few, large writes.
 */

import { invalidArgType } from "../errors";
import { validateByteCount } from "../terminator";
import { Gatherer } from "./gatherer";
import { pull } from "./pieces";
import { type Producer, type ProducerSource, toProducer } from "./producer";

/**
 * Gathers the pieces of `producer` into pieces of at least `bufferSize`
 * bytes (the last may be shorter). A synchronous producer is asked until the
 * buffer is full or it is exhausted; an asynchronous one is waited for only
 * until the next turn of the event loop once some bytes are in hand, so a
 * slow source is never held back to fill the buffer. At most one piece is
 * requested ahead: the inner producer is pulled only as output is taken.
 *
 * `discard()` (the channel dropping it) is passed on to the inner producer.
 */
export class GlobbingProducer implements Producer {
  readonly #inner: Producer;
  readonly #gatherer: Gatherer;

  /**
   * @param producer the producer whose pieces are gathered (a producer, or an iterable or async iterable of chunks)
   * @param bufferSize gather until this many bytes are in hand; a positive integer, default 65536
   */
  constructor(producer: ProducerSource, bufferSize = 65536) {
    this.#inner = toProducer(producer);
    if (typeof bufferSize !== "number") throw invalidArgType("bufferSize", "a number", bufferSize);
    validateByteCount(bufferSize, "bufferSize", 1);
    const inner = this.#inner;
    this.#gatherer = new Gatherer(() => pull(inner), bufferSize);
  }

  /** The next gathered piece; empty once the inner producer is exhausted. */
  more(): Buffer | Promise<Buffer> {
    return this.#gatherer.next();
  }

  /** Passes the channel's "dropped before the end" on to the inner producer. */
  discard(): void {
    this.#inner.discard?.();
  }
}
