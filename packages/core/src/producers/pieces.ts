/**
 * Internal helpers shared by the producer library: pulling a piece from an
 * inner producer as a Buffer (synchronously when the producer answers
 * synchronously), and the event-loop turn that bounds how long a gathering
 * producer waits for an async source.
 */

import { Buffer } from "node:buffer";
import { ProducerError } from "../errors";
import type { Producer, ProducerChunk } from "./producer";

/** The empty piece: a producer's "no more". */
export const EMPTY: Buffer = Buffer.alloc(0);

/** Whether `value` is a thenable (a producer's async answer). */
export function isThenable<T>(value: unknown): value is PromiseLike<T> {
  return typeof value === "object" && value !== null && typeof (value as PromiseLike<T>).then === "function";
}

/** A producer's piece as a Buffer: strings as UTF-8, bytes as a view (no copy). Anything else is a `ProducerError`. */
export function toPiece(chunk: unknown): Buffer {
  if (typeof chunk === "string") return Buffer.from(chunk, "utf8");
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new ProducerError(`A producer's more() returned ${chunk === null ? "null" : typeof chunk}, not a string or bytes`);
}

/** Asks `producer` for its next piece, as a Buffer; a Promise only when the producer answered with one. */
export function pull(producer: Producer): Buffer | Promise<Buffer> {
  const chunk: ProducerChunk | Promise<ProducerChunk> = producer.more();
  if (isThenable<ProducerChunk>(chunk)) return Promise.resolve(chunk).then(toPiece);
  return toPiece(chunk);
}

/** Joins pieces, without a copy when there is only one. */
export function join(pieces: Buffer[], total: number): Buffer {
  if (pieces.length === 1) return pieces[0]!;
  return Buffer.concat(pieces, total);
}

/** What {@link nextTurn} resolves with. */
export const TURN: unique symbol = Symbol("turn");

/** Resolves with {@link TURN} on the next turn of the event loop (after I/O callbacks). */
export function nextTurn(): Promise<typeof TURN> {
  return new Promise((resolve) => setImmediate(resolve, TURN));
}
