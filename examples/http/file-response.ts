/**
 * How an open file becomes a response: its validators and the request's
 * preconditions (304, 412), then a GET's `Range` (206, 416), then the
 * content coding the client accepts (gzip, deflate, br), then the bytes,
 * read by a `FileProducer` only as the socket takes them.
 */

import type { FileHandle } from "node:fs/promises";
import type { Stats } from "node:fs";
import { CompressedProducer, FileProducer } from "@asynchat/core";
import { NOT_MODIFIED, PROCEED, type Validators, evaluatePreconditions, fileValidators, rangeAllowed } from "./conditional";
import { MIN_COMPRESSED_SIZE, isCompressible, negotiateEncoding } from "./content-coding";
import { rangeBody } from "./range-body";
import { type ByteRange, UNSATISFIABLE, parseRange } from "./ranges";
import type { HttpRequest } from "./request";
import { type HttpResponse, text } from "./response";

const PRECONDITION_FAILED = text(412, "412 Precondition Failed\n");

/** A HEAD answer for a compressed file: a body of unknown length (chunked, as GET's), never read. */
const UNKNOWN_LENGTH: readonly Buffer[] = Object.freeze([]);

/** How {@link fileResponse} answers. */
export interface FileResponseOptions {
  /** Bytes read from the file at a time. */
  readonly readSize: number;
  /** Compress text files of at least 512 bytes for clients that accept it. */
  readonly compress: boolean;
}

/**
 * The response to a GET or HEAD of the regular file open as `handle`
 * (`stat` its metadata, `contentType` its media type). The handle is the
 * response's from then on: closed at once when no body is sent, else by the
 * body's producer when it is done or dropped.
 *
 * Order (RFC 9110 §13.2.2): a GET's `Range` is honoured when `If-Range`
 * allows it and it is well formed, and then the answer is never
 * compressed; otherwise the coding is negotiated from `Accept-Encoding`.
 * The preconditions are evaluated against the validators of the
 * representation chosen (a compressed one has its own ETag). Compressible
 * files carry `Vary: Accept-Encoding` whatever the outcome.
 */
export async function fileResponse(request: HttpRequest, handle: FileHandle, stat: Stats, contentType: string, options: FileResponseOptions): Promise<HttpResponse> {
  const size = stat.size;
  const identity = fileValidators(size, stat.mtimeMs, null);
  const rangeHeader = request.method === "GET" ? request.header("range") : undefined;
  let ranges: ByteRange[] | typeof UNSATISFIABLE | null = null;
  if (rangeHeader !== undefined && rangeAllowed(request, identity)) ranges = parseRange(rangeHeader, size);

  const varies = options.compress && isCompressible(contentType);
  const coding = varies && ranges === null && size >= MIN_COMPRESSED_SIZE ? negotiateEncoding(request.header("accept-encoding")) : null;
  const validators = coding === null ? identity : fileValidators(size, stat.mtimeMs, coding);
  const vary: Record<string, string> = varies ? { Vary: "Accept-Encoding" } : {};

  const condition = evaluatePreconditions(request, validators);
  if (condition !== PROCEED) {
    await handle.close();
    return condition === NOT_MODIFIED ? notModified(validators, vary) : PRECONDITION_FAILED;
  }
  const headers: Record<string, string> = { "Content-Type": contentType, "Last-Modified": validators.lastModified, ETag: validators.etag, "Accept-Ranges": "bytes", ...vary };
  if (ranges === UNSATISFIABLE) {
    await handle.close();
    return text(416, "416 Range Not Satisfiable\n", { "Content-Range": `bytes */${size}` });
  }
  if (ranges !== null) {
    const part = rangeBody(handle, ranges, size, contentType, options.readSize);
    const range: Record<string, string> = part.contentRange === null ? {} : { "Content-Range": part.contentRange };
    return { status: 206, headers: { ...headers, "Content-Type": part.contentType, ...range }, body: part.body, length: part.length };
  }
  if (coding !== null) {
    const encoded = { ...headers, "Content-Encoding": coding };
    if (request.method === "HEAD") {
      await handle.close();
      return { status: 200, headers: encoded, body: UNKNOWN_LENGTH };
    }
    // The compressed length is known only at the end: chunked (or, to HTTP/1.0, up to the close).
    const file = new FileProducer(handle, { start: 0, end: size - 1, chunkSize: options.readSize });
    return { status: 200, headers: encoded, body: new CompressedProducer(file, { format: coding }) };
  }
  if (request.method === "HEAD" || size === 0) {
    await handle.close();
    return { status: 200, headers, body: null, length: size };
  }
  // Exactly the size announced, even if the file grows meanwhile.
  return { status: 200, headers, body: new FileProducer(handle, { start: 0, end: size - 1, chunkSize: options.readSize }), length: size };
}

/** 304: the client's copy is current; only the validators (and Vary) are sent again (RFC 9110 §15.4.5). */
function notModified(validators: Validators, vary: Record<string, string>): HttpResponse {
  return { status: 304, headers: { ETag: validators.etag, "Last-Modified": validators.lastModified, ...vary } };
}
