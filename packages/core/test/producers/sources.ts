/**
 * Test sources for the producer library: an inner producer that hands out
 * given pieces, each synchronously, as a resolved Promise or a Promise that
 * settles on a later turn of the event loop, and that counts how often it is
 * asked; and a drain that collects a producer's output, checking the
 * producer contract on the way.
 */

import fc from "fast-check";
import type { Producer, ProducerChunk } from "@asynchat/core";

/** How a scripted piece is handed out. */
export type Timing = "sync" | "microtask" | "later";

/** A producer that hands out `pieces` (never empty ones) with the given timings, counting the calls. */
export class ScriptedProducer implements Producer {
  calls = 0;
  discarded = 0;
  #next = 0;
  constructor(
    readonly pieces: ProducerChunk[],
    readonly timings: Timing[] = ["sync"],
  ) {
    for (const piece of pieces) if (piece.length === 0) throw new Error("a scripted piece must not be empty: empty ends a producer");
  }

  /** Pieces handed out so far. */
  get handedOut(): number {
    return this.#next;
  }

  more(): ProducerChunk | Promise<ProducerChunk> {
    const timing = this.timings[this.calls % this.timings.length]!;
    this.calls++;
    const piece = this.#next < this.pieces.length ? this.pieces[this.#next++]! : Buffer.alloc(0);
    if (timing === "sync") return piece;
    if (timing === "microtask") return Promise.resolve(piece);
    return new Promise((resolve) => setImmediate(() => resolve(piece)));
  }

  discard(): void {
    this.discarded++;
  }
}

/** Everything a producer hands out until its empty piece, as the pieces it gave. */
export async function drainPieces(producer: Producer, limit = 1_000_000): Promise<Buffer[]> {
  const pieces: Buffer[] = [];
  for (let i = 0; i < limit; i++) {
    const chunk = await producer.more();
    if (typeof chunk !== "string" && !(chunk instanceof Uint8Array)) throw new Error(`more() returned ${typeof chunk}`);
    if (chunk.length === 0) {
      const after = await producer.more();
      if (after.length !== 0) throw new Error("more() gave data after its empty piece");
      return pieces;
    }
    pieces.push(typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk));
  }
  throw new Error(`no end after ${limit} pieces`);
}

/** Everything a producer hands out, joined. */
export async function drain(producer: Producer): Promise<Buffer> {
  return Buffer.concat(await drainPieces(producer));
}

/** Cuts `data` at the given offsets (taken modulo its length, sorted), dropping empty pieces. */
export function cut(data: Uint8Array, offsets: number[]): Buffer[] {
  const buffer = Buffer.from(data);
  if (buffer.length === 0) return [];
  const points = [...new Set(offsets.map((o) => o % buffer.length))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let start = 0;
  for (const point of [...points, buffer.length]) {
    if (point > start) pieces.push(buffer.subarray(start, point));
    start = Math.max(start, point);
  }
  return pieces;
}

/** The pieces as given, except that ASCII pieces marked in `asString` (cyclically) are handed out as strings. */
export function mixKinds(pieces: Buffer[], asString: boolean[]): ProducerChunk[] {
  return pieces.map((piece, i) =>
    asString.length > 0 && asString[i % asString.length] && piece.every((b) => b < 0x80) ? piece.toString("latin1") : piece,
  );
}

/** Bytes drawn mostly from `alphabet`, so that the sequences a producer looks for occur often. */
export function bytesFrom(alphabet: string, maxLength = 200): fc.Arbitrary<Buffer> {
  const letters = [...Buffer.from(alphabet, "latin1")];
  return fc
    .array(fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...letters) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }) }), {
      maxLength,
    })
    .map((bytes) => Buffer.from(bytes));
}

/** A chunking of some input: the cut offsets, the timings and which pieces are strings. */
export const splitting = fc.record({
  offsets: fc.array(fc.nat(), { maxLength: 30 }),
  timings: fc.array(fc.constantFrom<Timing>("sync", "microtask", "later"), { minLength: 1, maxLength: 6 }),
  asString: fc.array(fc.boolean(), { maxLength: 4 }),
});

/** The scripted producer for `data` cut as `split` says. */
export function scripted(data: Uint8Array, split: { offsets: number[]; timings: Timing[]; asString: boolean[] }): ScriptedProducer {
  return new ScriptedProducer(mixKinds(cut(data, split.offsets), split.asString), split.timings);
}
