/**
 * The output side of a lingering close (RFC 9112 §9.6): a last answer, then
 * the end of our side of the connection, while the peer's side stays open
 * so the server can go on reading (and dropping) what the peer still sends.
 * Closing both sides at once while the peer is sending makes the kernel
 * reset the connection, and a reset can destroy the answer in the peer's
 * receive buffer before it has read it.
 */

import type { Duplex } from "node:stream";
import type { Producer, ProducerChunk } from "@asynchat/core";

/**
 * A producer that gives `answer`, then ends the socket's writable side
 * (a FIN after the answer) and is exhausted. Queue it last: nothing can be
 * written after it.
 */
export class HalfCloseAfter implements Producer {
  readonly #socket: Duplex | null;
  #answer: string | null;

  /**
   * @param socket the connection whose writable side ends after the answer
   * @param answer the last bytes sent on it
   */
  constructor(socket: Duplex | null, answer: string) {
    this.#socket = socket;
    this.#answer = answer;
  }

  /** The answer, then a promise of the end: it settles after the channel has handed the answer to the socket. */
  more(): ProducerChunk | Promise<ProducerChunk> {
    const answer = this.#answer;
    if (answer !== null) {
      this.#answer = null;
      return answer;
    }
    // A microtask later the answer has been written (the channel writes what it
    // gathered before waiting on a promise); `end` sends the FIN after it.
    return Promise.resolve().then(() => {
      const socket = this.#socket;
      if (socket !== null && socket.writable) socket.end();
      return "";
    });
  }
}
