/**
 * A channel that records the frames it receives: the simplest correct
 * asynchat subclass, for tests.
 */

import type { Duplex } from "node:stream";
import { AsyncChat } from "../channel/async-chat";
import type { AsyncChatOptions } from "../channel/options";
import type { FrameTooLongError } from "../errors";
import type { Terminator } from "../terminator";

/** One frame as a {@link FrameRecorder} saw it. */
export interface RecordedFrame {
  /** The frame's bytes, without its terminator. */
  data: Buffer;
  /** The terminator that ended it (see `getMatchedTerminator`), or null for a byte count. */
  terminator: string | Uint8Array | null;
}

/** Options of a {@link FrameRecorder}. */
export interface FrameRecorderOptions extends AsyncChatOptions {
  /** The initial terminator. Default `"\r\n"`. */
  terminator?: Terminator;
  /** Called after each frame is recorded; may change the terminator, push, close... */
  onFrame?: (frame: RecordedFrame, recorder: FrameRecorder) => void;
  /** Socket to read from and write to; none to feed `handleRead` by hand. */
  socket?: Duplex | null;
}

/**
 * Records every frame: `frames` holds the finished ones, `pending` the bytes
 * of the frame under way, `overflows` the over-long frames reported.
 */
export class FrameRecorder extends AsyncChat {
  /** Finished frames, in order. */
  readonly frames: RecordedFrame[] = [];
  /** Over-long frames reported (they are dropped; the recorder goes on). */
  readonly overflows: FrameTooLongError[] = [];
  #parts: Buffer[] = [];
  readonly #onFrame: FrameRecorderOptions["onFrame"];

  /** @param options the terminator, a per-frame callback, an optional socket, channel options */
  constructor(options: FrameRecorderOptions = {}) {
    super(options.socket ?? null, options);
    this.#onFrame = options.onFrame;
    this.setTerminator(options.terminator === undefined ? "\r\n" : options.terminator);
  }

  /** The bytes of the frame under way. */
  get pending(): Buffer {
    return Buffer.concat(this.#parts);
  }

  /** The finished frames' data as strings (UTF-8), for short assertions. */
  get strings(): string[] {
    return this.frames.map((frame) => frame.data.toString("utf8"));
  }

  override collectIncomingData(data: Buffer): void {
    this.#parts.push(Buffer.from(data));
  }

  override foundTerminator(): void {
    const frame: RecordedFrame = { data: Buffer.concat(this.#parts), terminator: this.getMatchedTerminator() };
    this.#parts = [];
    this.frames.push(frame);
    this.#onFrame?.(frame, this);
  }

  /** Records the overflow, forgets the partial frame and goes on. */
  override handleFrameTooLong(error: FrameTooLongError): void {
    this.overflows.push(error);
    this.#parts = [];
  }
}

/**
 * Feeds `chunks` to a socketless {@link FrameRecorder} and returns it, with
 * its `frames` and `pending` bytes.
 */
export function recordFrames(chunks: Iterable<Uint8Array>, options: FrameRecorderOptions = {}): FrameRecorder {
  const recorder = new FrameRecorder(options);
  for (const chunk of chunks) recorder.handleRead(chunk);
  return recorder;
}
