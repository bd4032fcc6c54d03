/**
 * Medusa's `compressed_producer`, with node:zlib's streaming compressors:
 * gzip, deflate (zlib format, HTTP's `deflate`) and Brotli.
 */

import * as zlib from "node:zlib";
import { invalidArgType, invalidArgValue } from "../errors";
import { EMPTY, join, pull } from "./pieces";
import { type Producer, type ProducerSource, toProducer } from "./producer";

/** The formats of a {@link CompressedProducer}: HTTP's content codings `gzip`, `deflate` (zlib, RFC 1950) and `br`. */
export type CompressionFormat = "gzip" | "deflate" | "br";

/** Options of a {@link CompressedProducer}. */
export interface CompressedProducerOptions {
  /** `"gzip"`, `"deflate"` (the zlib format, as HTTP's `deflate` coding) or `"br"` (Brotli). */
  format: CompressionFormat;
  /**
   * Compression level: 0–9 for gzip and deflate (default zlib's, 6), 0–11 for
   * Brotli (default 4: Brotli's own default, 11, is meant for compressing
   * once ahead of time and is far too slow for output made on the fly).
   */
  level?: number;
}

/** Brotli quality used when none is given. */
export const DEFAULT_BROTLI_QUALITY = 4;

type Compressor = zlib.Gzip | zlib.Deflate | zlib.BrotliCompress;

function createCompressor(format: CompressionFormat, level: number | undefined): Compressor {
  if (format === "br") {
    const quality = level ?? DEFAULT_BROTLI_QUALITY;
    return zlib.createBrotliCompress({ params: { [zlib.constants.BROTLI_PARAM_QUALITY]: quality } });
  }
  const options = level === undefined ? {} : { level };
  return format === "gzip" ? zlib.createGzip(options) : zlib.createDeflate(options);
}

function checkedOptions(options: unknown): CompressedProducerOptions {
  if (typeof options !== "object" || options === null) throw invalidArgType("options", "an object with a format", options);
  const { format, level } = options as CompressedProducerOptions;
  if (format !== "gzip" && format !== "deflate" && format !== "br") {
    throw invalidArgValue("options.format", 'must be "gzip", "deflate" or "br"', format);
  }
  if (level !== undefined) {
    if (typeof level !== "number") throw invalidArgType("options.level", "a number", level);
    const max = format === "br" ? 11 : 9;
    if (!Number.isInteger(level) || level < 0 || level > max) {
      throw invalidArgValue("options.level", `must be an integer from 0 to ${max} for ${format}`, level);
    }
  }
  return { format, level };
}

/**
 * Compresses the output of `producer` as it is taken: each inner piece is
 * written to a node:zlib compressor and whatever compressed bytes it has
 * given out by then are handed out; inner pieces are asked for until there
 * is some output, so the inner producer is pulled only as the socket takes
 * the compressed bytes. At the end the compressor is finished (flushed) and
 * the rest handed out, so the output is one complete gzip member, zlib
 * stream or Brotli stream. `more()` always answers with a Promise (the work
 * runs on libuv's thread pool).
 *
 * `discard()` (the channel dropping it before the end) destroys the
 * compressor and passes the drop on to the inner producer. A compressor
 * error or an inner failure rejects `more()`.
 */
export class CompressedProducer implements Producer {
  readonly #inner: Producer;
  readonly #compressor: Compressor;
  /** Compressed output not yet handed out. */
  #output: Buffer[] = [];
  #outputBytes = 0;
  #inputEnded = false;
  #outputEnded = false;
  #finished = false;
  #error: Error | null = null;
  #wake: (() => void) | null = null;

  /**
   * @param producer the uncompressed output (a producer, or an iterable or async iterable of chunks)
   * @param options `format` (required) and `level`
   */
  constructor(producer: ProducerSource, options: CompressedProducerOptions) {
    this.#inner = toProducer(producer);
    const { format, level } = checkedOptions(options);
    const compressor = (this.#compressor = createCompressor(format, level));
    compressor.on("data", (data: Buffer) => {
      this.#output.push(data);
      this.#outputBytes += data.length;
      this.#wakeUp();
    });
    compressor.on("end", () => {
      this.#outputEnded = true;
      this.#wakeUp();
    });
    compressor.on("error", (error: Error) => {
      this.#error ??= error;
      this.#wakeUp();
    });
  }

  /** The next compressed piece; empty once everything, the compressor's final bytes included, is out. */
  more(): Promise<Buffer> {
    return this.#next();
  }

  /** Destroys the compressor and passes the drop on to the inner producer. */
  discard(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#output = [];
    this.#compressor.destroy();
    this.#inner.discard?.();
    this.#wakeUp();
  }

  async #next(): Promise<Buffer> {
    for (;;) {
      if (this.#finished) return EMPTY;
      if (this.#error !== null) throw this.#fail();
      if (this.#outputBytes > 0) return this.#take();
      if (this.#outputEnded) {
        this.#finished = true;
        return EMPTY;
      }
      if (this.#inputEnded) {
        await new Promise<void>((resolve) => (this.#wake = resolve));
        continue;
      }
      let piece: Buffer;
      try {
        piece = await pull(this.#inner);
      } catch (error) {
        this.#compressor.destroy();
        this.#finished = true;
        throw error;
      }
      if (this.#finished) return EMPTY;
      if (piece.length === 0) {
        this.#inputEnded = true;
        this.#compressor.end();
        continue;
      }
      await new Promise<void>((resolve) => this.#compressor.write(piece, () => resolve()));
    }
  }

  #take(): Buffer {
    const out = join(this.#output, this.#outputBytes);
    this.#output = [];
    this.#outputBytes = 0;
    return out;
  }

  #fail(): Error {
    this.#finished = true;
    this.#compressor.destroy();
    this.#inner.discard?.();
    return this.#error!;
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }
}
