/**
 * The PROXY protocol header at the start of a connection, read as its bytes
 * arrive in any chunking. Pure: no sockets, no timers (the deadline is the
 * caller's).
 */

import { invalidArgValue } from "../errors";
import { ProxyHeaderError } from "./errors";
import type { ProxyHeader } from "./header";
import { parseV1, V1_PREFIX } from "./v1";
import { DEFAULT_V2_MAX_LENGTH, V2_FIXED_LENGTH, V2_SIGNATURE, parseV2, v2HeaderLength } from "./v2";

/** Options of a {@link ProxyHeaderParser}. */
export interface ProxyHeaderParserOptions {
  /**
   * The largest version 2 length field accepted (bytes of addresses and
   * TLVs after the 16 fixed bytes). Default 2048; at most 65535.
   */
  maxV2Length?: number;
}

/** What {@link ProxyHeaderParser.push} returns once the header is complete. */
export interface ProxyHeaderResult {
  /** The header. */
  header: ProxyHeader;
  /** The bytes that arrived after it: the start of the connection's own data (possibly empty). */
  rest: Buffer;
}

/** Whether `bytes` agrees with `signature` over their common length. */
function agrees(bytes: Uint8Array, signature: Uint8Array): boolean {
  const n = Math.min(bytes.length, signature.length);
  for (let i = 0; i < n; i++) if (bytes[i] !== signature[i]) return false;
  return true;
}

/**
 * Reads one PROXY protocol header (v1 or v2), fed the connection's first
 * bytes in any chunking. Each `push` returns null while more bytes are
 * needed, or the header and the bytes after it; it throws
 * {@link ProxyHeaderError} as soon as the bytes cannot begin a valid header
 * (no signature: the header is missing; malformed; longer than 107 bytes
 * for v1 or than `maxV2Length` for v2). Never holds more than the header's
 * bound: at most 107 bytes (v1) or 16 + `maxV2Length` (v2) plus one read.
 *
 * ```ts
 * const parser = new ProxyHeaderParser();
 * const done = parser.push(chunk); // null: wait for more
 * if (done) useClient(done.header.source, done.rest);
 * ```
 */
export class ProxyHeaderParser {
  readonly #maxV2Length: number;
  #pieces: Buffer[] = [];
  #length = 0;
  /** For v2, the whole header's length once its fixed part is in; until then -1. */
  #v2Length = -1;
  #done = false;

  /** @param options see {@link ProxyHeaderParserOptions} */
  constructor(options: ProxyHeaderParserOptions = {}) {
    const max = options.maxV2Length ?? DEFAULT_V2_MAX_LENGTH;
    if (typeof max !== "number" || !Number.isInteger(max) || max < 0 || max > 0xffff) {
      throw invalidArgValue("options.maxV2Length", "must be an integer 0..65535", max);
    }
    this.#maxV2Length = max;
  }

  /** Bytes held so far (never more than the header's bound plus the last read). */
  get bufferedLength(): number {
    return this.#length;
  }

  /** The bytes held so far (a copy of at most the first 64), for an error about an incomplete header. */
  get buffered(): Buffer {
    return Buffer.concat(this.#pieces, this.#length).subarray(0, 64);
  }

  /**
   * Feeds the next bytes of the connection. Returns null while the header is
   * incomplete, then once the header and whatever followed it. Throws
   * {@link ProxyHeaderError} for a missing, malformed or over-long header;
   * after that, or after the result, it must not be fed again.
   */
  push(chunk: Uint8Array): ProxyHeaderResult | null {
    if (this.#done) throw new Error("ProxyHeaderParser.push called after the header was complete or rejected");
    if (chunk.length === 0) return null;
    this.#pieces.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    this.#length += chunk.length;
    // A v2 header whose length is known: wait, without re-reading, until all of it is here.
    if (this.#v2Length >= 0 && this.#length < this.#v2Length) return null;
    const bytes = this.#pieces.length === 1 ? this.#pieces[0]! : Buffer.concat(this.#pieces, this.#length);
    this.#pieces = [bytes];
    try {
      return this.#parse(bytes);
    } catch (error) {
      this.#done = true;
      this.#pieces = [];
      throw error;
    }
  }

  #parse(bytes: Buffer): ProxyHeaderResult | null {
    if (bytes[0] === V2_SIGNATURE[0]) {
      if (!agrees(bytes, V2_SIGNATURE)) throw missing(bytes);
      if (this.#v2Length < 0) {
        const length = v2HeaderLength(bytes.subarray(0, V2_FIXED_LENGTH), this.#maxV2Length);
        if (length === null) return null;
        this.#v2Length = length;
      }
      if (bytes.length < this.#v2Length) return null;
      return this.#finish(parseV2(bytes.subarray(0, this.#v2Length)), bytes);
    }
    if (!agrees(bytes, V1_PREFIX)) throw missing(bytes);
    if (bytes.length <= V1_PREFIX.length) return null;
    const header = parseV1(bytes);
    return header === null ? null : this.#finish(header, bytes);
  }

  #finish(header: ProxyHeader, bytes: Buffer): ProxyHeaderResult {
    this.#done = true;
    this.#pieces = [];
    this.#length = 0;
    return { header, rest: bytes.subarray(header.length) };
  }
}

function missing(bytes: Uint8Array): ProxyHeaderError {
  return new ProxyHeaderError("malformed", "No PROXY protocol header: the connection starts with neither the v1 nor the v2 signature", Buffer.from(bytes));
}

/**
 * Parses a header from bytes that are all there: the header, the rest, or
 * null when `bytes` is only the beginning of one. Throws as
 * {@link ProxyHeaderParser.push} does.
 */
export function parseProxyHeader(bytes: Uint8Array, options?: ProxyHeaderParserOptions): ProxyHeaderResult | null {
  return new ProxyHeaderParser(options).push(bytes);
}
