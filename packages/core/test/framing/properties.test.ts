/**
 * Properties checked with fast-check: whatever the bytes and however they
 * are split, and however the terminator switches (strings, bytes, arrays,
 * byte counts), a channel gives the frames that a naive reading of the
 * whole input gives, and the same frames in every chunking.
 */

import * as fc from "fast-check";
import type { Terminator } from "@asynchat/core";
import { assertSameFramesInEveryChunking, FrameRecorder, recordFrames } from "@asynchat/core/testing";

/** A frame as compared: its bytes and the terminator that ended it, both as latin1 strings (null for a count). */
type Frame = [data: string, matched: string | null];

interface Outcome {
  frames: Frame[];
  /** Overflowed (too long) frames. */
  overflows: number;
  /** Everything after the last frame: the unfinished frame, collected or held back. */
  rest: string;
}

const SENTINEL = "\x7f";

function asText(terminator: string | Uint8Array): string {
  return typeof terminator === "string" ? terminator : Buffer.from(terminator).toString("latin1");
}

/** The earliest position from which the rest of `data` is a proper prefix of a terminator, or -1. */
function heldFrom(data: string, from: number, terminators: string[]): number {
  for (let at = from; at < data.length; at++) {
    const tail = data.slice(at);
    if (terminators.some((t) => t.length > tail.length && t.startsWith(tail))) return at;
  }
  return -1;
}

/**
 * The specification, read naively off the whole input: at each step find the
 * earliest occurrence of any terminator (the longest at one position, the
 * first listed among equals), or take `n` bytes for a count; stop when the
 * terminator cannot end a frame in what is left, or cannot yet be sure.
 */
function model(data: string, initial: Terminator, script: Terminator[], maxLength = Infinity): Outcome {
  const frames: Frame[] = [];
  let overflows = 0;
  let terminator = initial;
  let pos = 0;
  let step = 0;
  for (;;) {
    if (terminator === null || terminator === 0) break;
    if (typeof terminator === "number") {
      if (data.length - pos < terminator) break;
      frames.push([data.slice(pos, pos + terminator), null]);
      pos += terminator;
    } else {
      const candidates = (Array.isArray(terminator) ? terminator : [terminator]) as Array<string | Uint8Array>;
      let best = -1;
      let bestText = "";
      let bestItem: string | Uint8Array = "";
      for (const item of candidates) {
        const text = asText(item);
        const at = data.indexOf(text, pos);
        if (at >= 0 && (best < 0 || at < best || (at === best && text.length > bestText.length))) {
          best = at;
          bestText = text;
          bestItem = item;
        }
      }
      // Bytes that may be the start of a terminator are held back: a match is
      // only certain when no terminator can still complete before it, or at
      // its position and longer.
      const held = heldFrom(data, pos, candidates.map(asText));
      if (best < 0 || (held >= 0 && held <= best)) {
        // The unfinished frame is reported as too long as soon as its known data passes the limit.
        if ((held >= 0 ? held : data.length) - pos > maxLength) overflows++;
        break;
      }
      const frame = data.slice(pos, best);
      pos = best + bestText.length;
      if (frame.length > maxLength) {
        // Dropped and reported; user code sees no frame, so the script does not move on.
        overflows++;
        continue;
      }
      frames.push([frame, asText(bestItem)]);
    }
    terminator = script[step++ % script.length]!;
  }
  return { frames, overflows, rest: data.slice(pos) };
}

/** Frames `chunks` with a recorder that switches terminators by `script` after every frame. */
function channel(chunks: Buffer[], initial: Terminator, script: Terminator[], maxLength = Infinity): Outcome {
  let step = 0;
  const recorder = recordFrames(chunks, {
    terminator: initial,
    maxLength,
    onFrame: (_frame, self) => self.setTerminator(script[step++ % script.length]!),
  });
  return outcome(recorder);
}

function outcome(recorder: FrameRecorder): Outcome {
  const frames = recorder.frames.map((frame): Frame => [
    frame.data.toString("latin1"),
    frame.terminator === null ? null : asText(frame.terminator),
  ]);
  // Turn held-back terminator bytes into data: everything after the last frame shows up as pending.
  recorder.setTerminator(null);
  recorder.handleRead(Buffer.from(SENTINEL, "latin1"));
  const pending = recorder.pending.toString("latin1");
  return { frames, overflows: recorder.overflows.length, rest: pending.slice(0, -1) };
}

/** Splits `data` by cycling through `sizes`. */
function split(data: Buffer, sizes: number[]): Buffer[] {
  const chunks: Buffer[] = [];
  let at = 0;
  let i = 0;
  while (at < data.length) {
    const size = sizes.length === 0 ? data.length : sizes[i++ % sizes.length]!;
    chunks.push(data.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

/** Input made of terminators, their prefixes and the bytes they are made of. */
const input = fc
  .array(fc.constantFrom("\r\n", "\r\n.\r\n", "\r\n\r\n", "aab", "abab", "a", "b", "\r", "\n", ".", "x", "\x00\xff"), {
    maxLength: 40,
  })
  .map((pieces) => pieces.join(""));

const sequence = fc.constantFrom<string | Uint8Array>(
  "\r\n",
  "\n",
  "\r",
  "aab",
  "abab",
  "ab",
  "\r\n.\r\n",
  "\r\n\r\n",
  Buffer.from("\x00\xff", "latin1"),
  Uint8Array.of(0x61, 0x61),
);

const terminator: fc.Arbitrary<Terminator> = fc.oneof(
  { arbitrary: sequence, weight: 4 },
  { arbitrary: fc.integer({ min: 1, max: 9 }), weight: 3 },
  { arbitrary: fc.array(sequence, { minLength: 1, maxLength: 3 }), weight: 3 },
  { arbitrary: fc.constantFrom<Terminator>(0, null), weight: 1 },
);

const script = fc.array(terminator, { minLength: 1, maxLength: 6 });
const sizes = fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 8 });

describe("framing properties", () => {
  it("gives the frames of a naive reading of the whole input, however the input is split", () => {
    fc.assert(
      fc.property(input, terminator, script, sizes, (text, initial, steps, chunkSizes) => {
        const data = Buffer.from(text, "latin1");
        expect(channel(split(data, chunkSizes), initial, steps)).toEqual(model(text, initial, steps));
      }),
      { numRuns: 600 },
    );
  });

  it("gives identical frames in every chunking while the terminator switches", () => {
    fc.assert(
      fc.property(input, terminator, script, (text, initial, steps) => {
        const data = Buffer.from(text, "latin1");
        assertSameFramesInEveryChunking(data, (chunks) => channel(chunks, initial, steps), {
          exhaustiveUpTo: 48,
          randomRuns: 4,
          seed: text.length,
        });
      }),
      { numRuns: 150 },
    );
  });

  it("feeds one byte at a time and whole to the same frames for random bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.constantFrom<Terminator>("\r\n", ["\r\n", "\n"], 3), (data, initial) => {
        const whole = channel([Buffer.from(data)], initial, [initial]);
        const bytewise = channel(
          [...data].map((byte) => Buffer.of(byte)),
          initial,
          [initial],
        );
        expect(bytewise).toEqual(whole);
      }),
      { numRuns: 200 },
    );
  });

  it("drops exactly the frames longer than maxLength, in every chunking", () => {
    const limited = fc.oneof(sequence, fc.array(sequence, { minLength: 1, maxLength: 3 }));
    fc.assert(
      fc.property(input, limited, fc.array(limited, { minLength: 1, maxLength: 4 }), fc.integer({ min: 0, max: 6 }), sizes, (text, initial, steps, max, chunkSizes) => {
        const data = Buffer.from(text, "latin1");
        const expected = model(text, initial, steps, max);
        const actual = channel(split(data, chunkSizes), initial, steps, max);
        expect(actual.frames).toEqual(expected.frames);
        expect(actual.overflows).toBe(expected.overflows);
      }),
      { numRuns: 400 },
    );
  });
});
