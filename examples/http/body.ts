/**
 * The pieces of a request body as they arrive. Large pieces are kept as
 * they are (views of the read, no copy); small ones are copied together
 * into shared blocks, so that a body sent in tiny chunks holds about its own
 * size — not one object per chunk, each keeping a whole read alive.
 */

import { Buffer } from "node:buffer";

/** Pieces shorter than this are copied into a block; longer ones are kept as views. */
const SMALL_PIECE = 16 * 1024;
/** The size of the blocks small pieces are copied into. */
const BLOCK = 16 * 1024;

const EMPTY = Buffer.alloc(0);

/** Gathers a body's pieces and joins them once at the end. */
export class BodyPieces {
  #parts: Buffer[] = [];
  #block: Buffer | null = null;
  #blockUsed = 0;

  /** Adds the next piece. */
  add(piece: Buffer): void {
    if (piece.length >= SMALL_PIECE) {
      this.#seal();
      this.#parts.push(piece);
      return;
    }
    if (this.#block === null || this.#blockUsed + piece.length > this.#block.length) {
      this.#seal();
      this.#block = Buffer.allocUnsafe(BLOCK);
    }
    this.#blockUsed += piece.copy(this.#block, this.#blockUsed);
  }

  /** The whole body (with `last` appended, if given), and forgets it. */
  take(last: Buffer | null): Buffer {
    this.#seal();
    const parts = this.#parts;
    this.#parts = [];
    if (parts.length === 0) return last ?? EMPTY;
    if (last !== null && last.length > 0) parts.push(last);
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  /** Forgets everything gathered. */
  clear(): void {
    this.#parts = [];
    this.#block = null;
    this.#blockUsed = 0;
  }

  /** Moves the filled part of the current block into the parts. */
  #seal(): void {
    if (this.#block !== null && this.#blockUsed > 0) this.#parts.push(this.#block.subarray(0, this.#blockUsed));
    this.#block = null;
    this.#blockUsed = 0;
  }
}
