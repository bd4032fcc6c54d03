/**
 * Gathers the pieces of a source into larger ones: the engine of
 * {@link GlobbingProducer} and {@link LinesProducer}.
 *
 * A synchronous source is read until `limit` bytes are gathered or it ends.
 * An asynchronous one is read the same way, except that once some bytes are
 * in hand it waits for the next piece only until the next turn of the event
 * loop: output never waits for a slow source to fill a buffer, and what a fast
 * one has ready still leaves in one write. A piece whose wait ran past that
 * turn is kept, not lost: the next call starts with it. At most one piece is
 * ever requested ahead, so the source is pulled only as output is taken.
 */

import { EMPTY, TURN, isThenable, join, nextTurn } from "./pieces";

/** Where a {@link Gatherer} gets pieces from: a Buffer, or a Promise of one; empty means the end. */
export type PieceSource = () => Buffer | Promise<Buffer>;

const ignore = (): void => {};

/** Gathers the pieces of a {@link PieceSource} into pieces of at least `limit` bytes (except the last). */
export class Gatherer {
  readonly #pull: PieceSource;
  readonly #limit: number;
  /** A piece requested by an earlier call that was not ready within its turn. */
  #waiting: Promise<Buffer> | null = null;
  #done = false;

  /**
   * @param pull gives the source's next piece
   * @param limit gather until this many bytes are in hand
   */
  constructor(pull: PieceSource, limit: number) {
    this.#pull = pull;
    this.#limit = limit;
  }

  /** Whether the source has ended and everything was handed out. */
  get done(): boolean {
    return this.#done;
  }

  /** The next gathered piece (empty once the source is exhausted); synchronous while the source is. */
  next(): Buffer | Promise<Buffer> {
    if (this.#done) return EMPTY;
    const waiting = this.#waiting;
    if (waiting !== null) {
      this.#waiting = null;
      return this.#gatherAsync([], 0, waiting);
    }
    const pieces: Buffer[] = [];
    let total = 0;
    for (;;) {
      const piece = this.#pull();
      if (isThenable<Buffer>(piece)) return this.#gatherAsync(pieces, total, piece);
      if (piece.length === 0) {
        this.#done = true;
        return total === 0 ? EMPTY : join(pieces, total);
      }
      pieces.push(piece);
      total += piece.length;
      if (total >= this.#limit) return join(pieces, total);
    }
  }

  async #gatherAsync(pieces: Buffer[], total: number, pending: Promise<Buffer>): Promise<Buffer> {
    let turn: Promise<typeof TURN> | null = null;
    for (;;) {
      let piece: Buffer;
      if (total === 0) piece = await pending;
      else {
        turn ??= nextTurn();
        const first = await Promise.race([pending, turn]);
        if (first === TURN) {
          // Hand out what is here; the piece still coming is the next call's first.
          pending.catch(ignore); // its failure is reported by that next call, not as an unhandled rejection
          this.#waiting = pending;
          return join(pieces, total);
        }
        piece = first;
      }
      for (;;) {
        if (piece.length === 0) {
          this.#done = true;
          return total === 0 ? EMPTY : join(pieces, total);
        }
        pieces.push(piece);
        total += piece.length;
        if (total >= this.#limit) return join(pieces, total);
        const next = this.#pull();
        if (isThenable<Buffer>(next)) {
          pending = next;
          break;
        }
        piece = next;
      }
    }
  }
}
