/**
 * Frames as text for states with an `encoding`: latin1 frames as slices of
 * one decoded window of the read (one decode for many frames), and the
 * pieces of a streamed frame through one decoder per frame, so a character
 * split between reads comes out whole.
 */

import { StringDecoder } from "node:string_decoder";

/** Node's Buffer has `latin1Slice` (what `toString("latin1", ...)` calls) without the argument checks; it is not in the typings. */
type FastSlices = Buffer & { latin1Slice(start: number, end: number): string };
/** Read once: looked up per call on Buffers of several V8 maps, it would be a generic property load each time. */
const nativeLatin1Slice = (Buffer.prototype as FastSlices).latin1Slice;
/** Likewise for the window's text, whose V8 string kinds vary with the read. */
const stringSlice = String.prototype.slice;
/** How much of a read is decoded at once for latin1 states: frames are then string slices of it. */
const LATIN1_WINDOW = 16 * 1024;

/** `chunk[start..end)` decoded as latin1, without the argument checks of `toString`. */
export function latin1Slice(chunk: Buffer, start: number, end: number): string {
  return nativeLatin1Slice.call(chunk, start, end);
}

/** The text decoding of one channel's frames. Final: one per channel. */
export class FrameText {
  #decoder: StringDecoder | null = null;
  /** The latin1 decoding window: `#windowText` is `#windowChunk[#windowStart..#windowEnd)`. */
  #windowChunk: Buffer | null = null;
  #windowStart = 0;
  #windowEnd = 0;
  #windowText = "";

  /** A new read: the window belongs to the previous one (whose buffer a caller may reuse). */
  forgetWindow(): void {
    this.#windowChunk = null;
  }

  /** The frame under way is dropped: so is its decoder's state. */
  dropDecoder(): void {
    this.#decoder = null;
  }

  /** A latin1 frame as a slice of a decoded window of the read. */
  latin1(chunk: Buffer, start: number, end: number): string {
    if (chunk !== this.#windowChunk || start < this.#windowStart || end > this.#windowEnd) {
      const windowEnd = Math.min(chunk.length, Math.max(end, start + LATIN1_WINDOW));
      this.#windowText = latin1Slice(chunk, start, windowEnd);
      this.#windowChunk = chunk;
      this.#windowStart = start;
      this.#windowEnd = windowEnd;
    }
    return stringSlice.call(this.#windowText, start - this.#windowStart, end - this.#windowStart);
  }

  /** One piece of a streamed frame in `encoding` (`last`: the frame ends with it). */
  piece(encoding: BufferEncoding, latin1: boolean, chunk: Buffer, start: number, end: number, last: boolean): string {
    if (latin1) return latin1Slice(chunk, start, end);
    // Multi-byte characters may be split between pieces: decode with one decoder per frame.
    const decoder = (this.#decoder ??= new StringDecoder(encoding));
    const text = decoder.write(chunk.subarray(start, end));
    if (!last) return text;
    this.#decoder = null;
    return text + decoder.end();
  }
}
