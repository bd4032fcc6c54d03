/**
 * A message body on its way out after DATA: from a string, bytes or any
 * producer, dot-stuffed as it goes (`dotStuff` from @asynchat/core), then
 * ended with the `.` line — after a CRLF of its own if the body does not
 * end with one, which is only known once the body has been produced.
 */

import { type Producer, type ProducerChunk, type ProducerSource, dotStuff, isProducer, producerFromIterable } from "@asynchat/core";

const CR = 13;
const LF = 10;

/** What can be sent as a message: the whole message (headers and body, CRLF line endings) as text, bytes or a producer. */
export type MessageSource = string | Uint8Array | ProducerSource;

/** A body in the form the client sends: its bytes when known at once, else a producer. */
export interface PreparedBody {
  /** The bytes, for a string or byte body; null for a producer (size and 8-bit unknown). */
  readonly bytes: Buffer | null;
  /** A producer of the body, not yet dot-stuffed. */
  readonly producer: Producer;
}

/** Turns a message source into a {@link PreparedBody}. */
export function prepareBody(source: MessageSource): PreparedBody {
  if (typeof source === "string" || source instanceof Uint8Array) {
    const bytes = typeof source === "string" ? Buffer.from(source, "utf8") : Buffer.from(source.buffer, source.byteOffset, source.byteLength);
    return { bytes, producer: producerFromIterable([bytes]) };
  }
  return { bytes: null, producer: isProducer(source) ? source : producerFromIterable(source) };
}

/** Whether `bytes` holds any byte over 127 (an 8-bit body: BODY=8BITMIME). */
export function isEightBit(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i]! > 127) return true;
  return false;
}

/** Passes a producer's chunks through, remembering whether the last bytes were a CRLF. */
class TailWatcher implements Producer {
  readonly #source: Producer;
  /** The last two bytes seen, as `(second-last << 8) | last`; -1 before any. */
  #tail = -1;

  constructor(source: Producer) {
    this.#source = source;
  }

  /** The body so far ends with CRLF (true for an empty body: the `.` line may follow at once). */
  get endsWithCrlf(): boolean {
    return this.#tail === -1 || this.#tail === ((CR << 8) | LF);
  }

  more(): ProducerChunk | Promise<ProducerChunk> {
    const chunk = this.#source.more();
    if (typeof chunk === "object" && chunk !== null && "then" in chunk) return chunk.then((c) => this.#see(c));
    return this.#see(chunk);
  }

  #see(chunk: ProducerChunk): ProducerChunk {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
    if (bytes.length >= 2) this.#tail = (bytes[bytes.length - 2]! << 8) | bytes[bytes.length - 1]!;
    else if (bytes.length === 1) this.#tail = ((this.#tail & 0xff) << 8) | bytes[0]!;
    return bytes;
  }
}

/** The producers that send `body` after DATA's 354: the dot-stuffed body, then the end-of-data line. */
export function dataProducers(body: Producer): [Producer, Producer] {
  const watcher = new TailWatcher(body);
  let ended = false;
  const end: Producer = {
    more() {
      if (ended) return "";
      ended = true;
      return watcher.endsWithCrlf ? ".\r\n" : "\r\n.\r\n";
    },
  };
  return [dotStuff(watcher), end];
}
