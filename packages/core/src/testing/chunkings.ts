/**
 * Feeding the same bytes in every chunking: the property every framer must
 * have is that frames do not depend on how the input was split.
 */

import { AssertionError } from "node:assert";
import { isDeepStrictEqual } from "node:util";

/** One way of splitting the input, with a name that says which. */
export interface Chunking {
  /** E.g. `"whole"`, `"1-byte"`, `"split at 17"`, `"random #3 (seed 42)"`. */
  name: string;
  /** The pieces, in order; their concatenation is the input. */
  chunks: Buffer[];
}

/** Options of {@link chunkings}. */
export interface ChunkingOptions {
  /** Inputs up to this length are also split in two at every position. Default 256. */
  exhaustiveUpTo?: number;
  /** Fixed piece sizes to try. Default `[1, 2, 3, 7]`. */
  sizes?: number[];
  /** Number of random chunkings. Default 20. */
  randomRuns?: number;
  /** Seed of the random chunkings, so a failure can be replayed. Default 1. */
  seed?: number;
}

/** A small, fast, seeded PRNG (mulberry32) returning numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Splits `data` into pieces of `size` bytes (the last may be shorter). */
export function splitEvery(data: Uint8Array, size: number): Buffer[] {
  const buffer = Buffer.from(data);
  const chunks: Buffer[] = [];
  for (let i = 0; i < buffer.length; i += size) chunks.push(buffer.subarray(i, i + size));
  return chunks;
}

/**
 * Every chunking worth trying for `data`: whole; fixed sizes (one byte at a
 * time, two, ...); every split point in two for short inputs; seeded random
 * splits.
 */
export function* chunkings(data: Uint8Array, options: ChunkingOptions = {}): Generator<Chunking> {
  const buffer = Buffer.from(data);
  const n = buffer.length;
  yield { name: "whole", chunks: n === 0 ? [] : [buffer] };
  for (const size of options.sizes ?? [1, 2, 3, 7]) {
    if (size < n) yield { name: `${size}-byte`, chunks: splitEvery(buffer, size) };
  }
  if (n <= (options.exhaustiveUpTo ?? 256)) {
    for (let at = 1; at < n; at++) yield { name: `split at ${at}`, chunks: [buffer.subarray(0, at), buffer.subarray(at)] };
  }
  const seed = options.seed ?? 1;
  const random = seededRandom(seed);
  const runs = options.randomRuns ?? 20;
  for (let run = 0; run < runs && n > 1; run++) {
    const chunks: Buffer[] = [];
    let at = 0;
    const scale = 1 + Math.floor(random() * Math.min(n, 64));
    while (at < n) {
      const size = 1 + Math.floor(random() * scale);
      chunks.push(buffer.subarray(at, at + size));
      at += size;
    }
    yield { name: `random #${run} (seed ${seed})`, chunks };
  }
}

/**
 * Runs `frame` on `data` whole and in every chunking of {@link chunkings},
 * and throws an `AssertionError` naming the chunking if any result differs
 * (deep equality) from the whole-input result. Returns that result.
 *
 * ```ts
 * const frames = assertSameFramesInEveryChunking(bytes, (chunks) => recordFrames(chunks, "\r\n").frames);
 * ```
 */
export function assertSameFramesInEveryChunking<T>(data: Uint8Array, frame: (chunks: Buffer[]) => T, options?: ChunkingOptions): T {
  let expected: T | undefined;
  let first = true;
  for (const chunking of chunkings(data, options)) {
    const actual = frame(chunking.chunks);
    if (first) {
      expected = actual;
      first = false;
      continue;
    }
    if (!isDeepStrictEqual(actual, expected)) {
      throw new AssertionError({
        message: `Frames differ when the input is fed ${chunking.name} (${chunking.chunks.map((c) => c.length).join("+")} bytes)`,
        actual,
        expected,
        operator: "deepStrictEqual",
      });
    }
  }
  return expected as T;
}
