/**
 * The chunked transfer coding for response bodies of unknown length
 * (RFC 9112 §7.1): a producer that wraps another and frames each of its
 * pieces as `size CRLF data CRLF`, ending with `0 CRLF CRLF`.
 */

import { Buffer } from "node:buffer";
import { type Producer, type ProducerChunk, type ProducerSource, isProducer, producerFromIterable } from "@asynchat/core";

const LAST_CHUNK = "0\r\n\r\n";

/**
 * Frames the pieces of `source` as chunks. Each piece is handed on as it
 * is, between its size line and a CRLF, so nothing is copied; an empty
 * piece from the source (its end) becomes the last chunk.
 */
export class ChunkedProducer implements Producer {
  readonly #source: Producer;
  /** The piece whose size line went out and which goes next, or null. */
  #pending: ProducerChunk | null = null;
  /** A CRLF is owed after the piece just sent. */
  #owesCrlf = false;
  #done = false;

  /** @param source the body: a producer, a Node Readable or an (async) iterable of pieces */
  constructor(source: ProducerSource) {
    this.#source = isProducer(source) ? source : producerFromIterable(source);
  }

  /** The next part of the chunked body: a size line, a piece, a CRLF, the last chunk, then "". */
  more(): ProducerChunk | Promise<ProducerChunk> {
    if (this.#pending !== null) {
      const piece = this.#pending;
      this.#pending = null;
      this.#owesCrlf = true;
      return piece;
    }
    if (this.#done) return "";
    const piece = this.#source.more();
    return typeof piece === "object" && "then" in piece ? piece.then((p) => this.#frame(p)) : this.#frame(piece);
  }

  /** Lets the source release what it holds when the channel drops the response. */
  discard(): void {
    this.#source.discard?.();
  }

  #frame(piece: ProducerChunk): string {
    const crlf = this.#owesCrlf ? "\r\n" : "";
    this.#owesCrlf = false;
    const length = typeof piece === "string" ? Buffer.byteLength(piece, "utf8") : piece.length;
    if (length === 0) {
      this.#done = true;
      return crlf + LAST_CHUNK;
    }
    this.#pending = piece;
    return `${crlf}${length.toString(16)}\r\n`;
  }
}
