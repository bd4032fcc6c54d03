/**
 * The body of a 206 Partial Content answer (RFC 9110 §14.6, §15.3.7): the
 * bytes of one range, or several ranges as a `multipart/byteranges` body,
 * each part with its own `Content-Type` and `Content-Range`. Its length is
 * known before anything is read, so it goes out with a Content-Length. The
 * bytes are read by `FileProducer`s, one range after another through a
 * `CompositeProducer`, only as the socket takes them.
 */

import { randomBytes } from "node:crypto";
import type { FileHandle } from "node:fs/promises";
import { type CompositePart, CompositeProducer, FileProducer, type Producer } from "@asynchat/core";
import type { ByteRange } from "./ranges";
import { sharedViews } from "./shared-file";

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
 * `multipart/byteranges` body with a random boundary for several. Pieces
 * of at most `readSize` bytes are read; the handle is closed once the last
 * range is read, or when the channel drops the body.
 */
export function rangeBody(handle: FileHandle, ranges: readonly ByteRange[], size: number, contentType: string, readSize: number): RangeBody {
  if (ranges.length === 1) {
    const { start, end } = ranges[0]!;
    return {
      contentType,
      contentRange: `bytes ${start}-${end}/${size}`,
      length: end - start + 1,
      body: new FileProducer(handle, { start, end, chunkSize: readSize }),
    };
  }
  const boundary = randomBytes(12).toString("hex");
  const views = sharedViews(handle, ranges.length);
  const parts: CompositePart[] = [];
  let length = 0;
  ranges.forEach(({ start, end }, i) => {
    const head = `\r\n--${boundary}\r\nContent-Type: ${contentType}\r\nContent-Range: bytes ${start}-${end}/${size}\r\n\r\n`;
    parts.push(head, new FileProducer(views[i]!, { start, end, chunkSize: readSize }));
    length += head.length + end - start + 1;
  });
  const closing = `\r\n--${boundary}--\r\n`;
  parts.push(closing);
  length += closing.length;
  return { contentType: `multipart/byteranges; boundary=${boundary}`, contentRange: null, length, body: new CompositeProducer(parts) };
}
