/**
 * Medusa's `hooked_producer`: passes a producer's output through unchanged
 * and reports how many bytes it produced, for a log line or accounting.
 */

import { invalidArgType } from "../errors";
import { EMPTY, isThenable, pull } from "./pieces";
import { type Producer, type ProducerSource, toProducer } from "./producer";

/**
 * Called once by a {@link HookedProducer}: `bytes` is how many bytes passed
 * through; `complete` is true when the inner producer was exhausted, false
 * when the channel dropped the producer before its end (the connection
 * closed, `discardBuffers`).
 */
export type OnDone = (bytes: number, complete: boolean) => void;

/**
 * Passes the pieces of `producer` through, then calls `onDone(bytes, true)`
 * once it is exhausted (before handing out the empty piece that ends it).
 * If the channel drops it first (`discard()`), `onDone(bytes, false)` is
 * called instead, with the bytes handed out so far; either way exactly once.
 * An exception from `onDone` fails the producer (the channel reports
 * `ERR_PRODUCER_FAILED`).
 */
export class HookedProducer implements Producer {
  readonly #inner: Producer;
  readonly #onDone: OnDone;
  #bytes = 0;
  #done = false;

  /**
   * @param producer the producer passed through (a producer, or an iterable or async iterable of chunks)
   * @param onDone called once at the end with the number of bytes produced
   */
  constructor(producer: ProducerSource, onDone: OnDone) {
    this.#inner = toProducer(producer);
    if (typeof onDone !== "function") throw invalidArgType("onDone", "a function", onDone);
    this.#onDone = onDone;
  }

  /** Bytes handed out so far. */
  get bytes(): number {
    return this.#bytes;
  }

  /** The inner producer's next piece, counted. */
  more(): Buffer | Promise<Buffer> {
    if (this.#done) return EMPTY;
    const piece = pull(this.#inner);
    if (isThenable<Buffer>(piece)) return piece.then((p) => this.#count(p));
    return this.#count(piece);
  }

  /** Passes the drop on to the inner producer and reports the bytes so far as incomplete. */
  discard(): void {
    if (this.#done) return;
    this.#done = true;
    this.#inner.discard?.();
    this.#onDone(this.#bytes, false);
  }

  #count(piece: Buffer): Buffer {
    if (this.#done) return EMPTY;
    if (piece.length === 0) {
      this.#done = true;
      this.#onDone(this.#bytes, true);
      return EMPTY;
    }
    this.#bytes += piece.length;
    return piece;
  }
}
