/**
 * Medusa's `chunked_producer`: HTTP/1.1 chunked transfer coding (RFC 9112,
 * section 7.1) for a body whose length is not known in advance.
 */

import { EMPTY, isThenable, pull } from "./pieces";
import { type Producer, type ProducerSource, toProducer } from "./producer";

const CRLF = Buffer.from("\r\n", "latin1");
/** The last chunk: size 0, no trailer fields, the final CRLF. */
const LAST_CHUNK = Buffer.from("0\r\n\r\n", "latin1");

/**
 * Encodes the output of `producer` as HTTP/1.1 chunks: each piece becomes
 * `<size in hex>\r\n<piece>\r\n` (one piece in, one chunk out, no copy
 * beyond the framing), and the end becomes the last chunk `0\r\n\r\n` (no
 * trailer fields). An empty inner piece is the end, so no zero-size chunk
 * appears before the last. `discard()` is passed on to the inner producer.
 */
export class ChunkedProducer implements Producer {
  readonly #inner: Producer;
  /** 0: chunks, 1: the last chunk was handed out, 2: dropped. */
  #state = 0;

  /** @param producer the body (a producer, or an iterable or async iterable of chunks) */
  constructor(producer: ProducerSource) {
    this.#inner = toProducer(producer);
  }

  /** The next chunk, then the last chunk, then empty. */
  more(): Buffer | Promise<Buffer> {
    if (this.#state !== 0) return EMPTY;
    const piece = pull(this.#inner);
    if (isThenable<Buffer>(piece)) return piece.then((p) => this.#encode(p));
    return this.#encode(piece);
  }

  /** Passes the drop on to the inner producer. */
  discard(): void {
    if (this.#state === 2) return;
    this.#state = 2;
    this.#inner.discard?.();
  }

  #encode(piece: Buffer): Buffer {
    if (this.#state !== 0) return EMPTY;
    if (piece.length === 0) {
      this.#state = 1;
      return LAST_CHUNK;
    }
    const size = Buffer.from(`${piece.length.toString(16)}\r\n`, "latin1");
    return Buffer.concat([size, piece, CRLF], size.length + piece.length + 2);
  }
}
