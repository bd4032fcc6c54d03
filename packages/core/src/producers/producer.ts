/**
 * Producers: the objects a channel's output FIFO pulls data from.
 */

import { Buffer } from "node:buffer";
import { invalidArgType } from "../errors";
import { validateByteCount } from "../terminator";

/** What a producer hands out: a string (sent as UTF-8) or bytes. Empty means exhausted. */
export type ProducerChunk = string | Uint8Array;

/**
 * asynchat's producer: `more()` returns the next piece of output, or an empty
 * string/bytes once exhausted. It may return a Promise (an async producer):
 * the channel waits for it, and sends nothing queued behind it meanwhile.
 * The channel calls `more()` only while the socket has room, so a producer
 * is never asked for more than the peer can take.
 */
export interface Producer {
  /** The next piece of output; empty when there is no more. */
  more(): ProducerChunk | Promise<ProducerChunk>;
  /**
   * Optional: called when the channel drops the producer before it is
   * exhausted (`discardBuffers`, close), so it can release what it holds
   * (a file, a stream).
   */
  discard?(): void;
}

/** Anything {@link AsyncChat.pushWithProducer} accepts: a producer, or an (async) iterable of chunks such as a Node `Readable`. */
export type ProducerSource = Producer | AsyncIterable<ProducerChunk> | Iterable<ProducerChunk>;

/**
 * asynchat's `simple_producer`: hands out `data` in successive pieces of at
 * most `bufferSize` bytes (a string is encoded as UTF-8 first). The pieces
 * are views of one buffer, not copies.
 */
export class SimpleProducer implements Producer {
  #data: Buffer;
  readonly #bufferSize: number;

  /**
   * @param data the whole output, a string (UTF-8) or bytes
   * @param bufferSize the largest piece `more()` returns, a positive integer (default 512)
   */
  constructor(data: string | Uint8Array, bufferSize = 512) {
    if (typeof data === "string") this.#data = Buffer.from(data, "utf8");
    else if (data instanceof Uint8Array) this.#data = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    else throw invalidArgType("data", "a string or bytes", data);
    if (typeof bufferSize !== "number") throw invalidArgType("bufferSize", "a number", bufferSize);
    this.#bufferSize = validateByteCount(bufferSize, "bufferSize", 1);
  }

  /** The next piece of at most `bufferSize` bytes; an empty Buffer once all is handed out. */
  more(): Buffer {
    const data = this.#data;
    if (data.length <= this.#bufferSize) {
      this.#data = data.subarray(data.length);
      return data;
    }
    this.#data = data.subarray(this.#bufferSize);
    return data.subarray(0, this.#bufferSize);
  }
}

/** Whether `value` has a `more()` method, i.e. is a {@link Producer}. */
export function isProducer(value: unknown): value is Producer {
  return typeof value === "object" && value !== null && typeof (value as Producer).more === "function";
}

/**
 * Wraps an async iterable (a Node `Readable`, an async generator) or a sync
 * iterable of chunks as a {@link Producer}. Empty chunks are skipped, so they
 * do not end the output early; the iterator's end does.
 */
export function producerFromIterable(source: AsyncIterable<ProducerChunk> | Iterable<ProducerChunk>): Producer {
  if (typeof (source as AsyncIterable<ProducerChunk>)[Symbol.asyncIterator] === "function") {
    const iterator = (source as AsyncIterable<ProducerChunk>)[Symbol.asyncIterator]();
    return {
      async more(): Promise<ProducerChunk> {
        for (;;) {
          const step = await iterator.next();
          if (step.done) return "";
          if (step.value.length > 0) return step.value;
        }
      },
      discard(): void {
        void iterator.return?.()?.catch(() => undefined);
      },
    };
  }
  if (typeof (source as Iterable<ProducerChunk>)[Symbol.iterator] === "function") {
    const iterator = (source as Iterable<ProducerChunk>)[Symbol.iterator]();
    return {
      more(): ProducerChunk {
        for (;;) {
          const step = iterator.next();
          if (step.done) return "";
          if (step.value.length > 0) return step.value;
        }
      },
      discard(): void {
        iterator.return?.();
      },
    };
  }
  throw invalidArgType("producer", "a producer (an object with more()), an iterable or an async iterable", source);
}

/** Turns anything `pushWithProducer` accepts into a {@link Producer}; throws `TypeError` otherwise. */
export function toProducer(source: unknown): Producer {
  if (isProducer(source)) return source;
  if (typeof source === "string" || source instanceof Uint8Array || typeof source !== "object" || source === null) {
    throw invalidArgType("producer", "a producer (an object with more()), an iterable or an async iterable", source);
  }
  return producerFromIterable(source as AsyncIterable<ProducerChunk>);
}
