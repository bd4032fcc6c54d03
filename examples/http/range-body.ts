/**
 * The body of a 206 Partial Content answer (RFC 9110 §14.6, §15.3.7): the
 * bytes of one range, or several ranges as a `multipart/byteranges` body,
 * each part with its own `Content-Type` and `Content-Range`. Its length is
 * known before anything is read, so it goes out with a Content-Length.
 */

import { randomBytes } from "node:crypto";
import type { FileHandle } from "node:fs/promises";
import type { Producer, ProducerChunk } from "@asynchat/core";
import type { ByteRange } from "./ranges";

/** Bytes of a file to send, after a text `prefix` (a part's head, or ""). */
interface Slice {
  readonly prefix: string;
  readonly start: number;
  readonly end: number;
}

/** A body for a 206 answer: its Content-Type (multipart or the file's), length and producer. */
export interface RangeBody {
  readonly contentType: string;
  /** `Content-Range` for a single range; null for multipart (each part has its own). */
  readonly contentRange: string | null;
  readonly length: number;
  readonly body: Producer;
}

/**
 * The body for `ranges` of the file open as `handle` (`size` bytes,
 * `contentType`): the bytes themselves for one range, a
 * `multipart/byteranges` body with a random boundary for several. The
 * producer reads `readSize` bytes at a time, only when the connection
 * asks, and closes the handle when it is done or dropped.
 */
export function rangeBody(handle: FileHandle, ranges: readonly ByteRange[], size: number, contentType: string, readSize: number): RangeBody {
  if (ranges.length === 1) {
    const { start, end } = ranges[0]!;
    return {
      contentType,
      contentRange: `bytes ${start}-${end}/${size}`,
      length: end - start + 1,
      body: new FileSlicesProducer(handle, [{ prefix: "", start, end }], "", readSize),
    };
  }
  const boundary = randomBytes(12).toString("hex");
  const slices = ranges.map(({ start, end }) => ({
    prefix: `\r\n--${boundary}\r\nContent-Type: ${contentType}\r\nContent-Range: bytes ${start}-${end}/${size}\r\n\r\n`,
    start,
    end,
  }));
  const closing = `\r\n--${boundary}--\r\n`;
  let length = closing.length;
  for (const slice of slices) length += slice.prefix.length + slice.end - slice.start + 1;
  return {
    contentType: `multipart/byteranges; boundary=${boundary}`,
    contentRange: null,
    length,
    body: new FileSlicesProducer(handle, slices, closing, readSize),
  };
}

/**
 * Produces each slice's prefix and then its bytes, read from the file
 * `readSize` at a time, then `suffix`. The handle is closed at the end, or
 * when the channel drops the producer. A file that turns out shorter than a
 * slice fails the producer (the connection closes rather than send a
 * short part).
 */
export class FileSlicesProducer implements Producer {
  readonly #handle: FileHandle;
  readonly #slices: readonly Slice[];
  readonly #readSize: number;
  #suffix: string;
  #index = 0;
  /** Next byte of the current slice to read; -1 before its prefix went out. */
  #position = -1;
  #closed = false;

  constructor(handle: FileHandle, slices: readonly Slice[], suffix: string, readSize: number) {
    this.#handle = handle;
    this.#slices = slices;
    this.#suffix = suffix;
    this.#readSize = readSize;
  }

  /** The next prefix, piece of file or the suffix; "" once all is sent. */
  more(): ProducerChunk | Promise<ProducerChunk> {
    const slice = this.#slices[this.#index];
    if (slice === undefined) {
      const suffix = this.#suffix;
      this.#suffix = "";
      if (suffix === "") this.#close();
      return suffix;
    }
    if (this.#position < 0) {
      this.#position = slice.start;
      if (slice.prefix !== "") return slice.prefix;
    }
    return this.#read(slice);
  }

  /** Closes the file: the connection no longer wants the rest. */
  discard(): void {
    this.#close();
  }

  async #read(slice: Slice): Promise<ProducerChunk> {
    const position = this.#position;
    const want = Math.min(this.#readSize, slice.end - position + 1);
    const buffer = Buffer.allocUnsafe(want);
    const { bytesRead } = await this.#handle.read(buffer, 0, want, position);
    if (bytesRead === 0) {
      this.#close();
      throw new Error(`The file ended at byte ${position}, before the end of the range ${slice.start}-${slice.end}`);
    }
    this.#position += bytesRead;
    if (this.#position > slice.end) {
      this.#index++;
      this.#position = -1;
    }
    return bytesRead === want ? buffer : buffer.subarray(0, bytesRead);
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    void this.#handle.close().catch(() => undefined);
  }
}
