/**
 * A file's bytes, read as the socket takes them: one read per piece, none
 * ahead, so a large file never sits in memory and a stalled peer stops the
 * reading.
 */

import { open, type FileHandle } from "node:fs/promises";
import { invalidArgType, invalidArgValue } from "../errors";
import { validateByteCount } from "../terminator";
import { EMPTY } from "./pieces";
import type { Producer } from "./producer";

/** Options of a {@link FileProducer}. */
export interface FileProducerOptions {
  /** Offset of the first byte to send; default 0. */
  start?: number;
  /** Offset of the last byte to send, inclusive (as in `fs.createReadStream`); default: to the end of the file. */
  end?: number;
  /** The largest piece read at once, in bytes; default 65536. */
  chunkSize?: number;
}

/** The largest piece a {@link FileProducer} reads at once, unless told otherwise. */
export const DEFAULT_FILE_CHUNK_SIZE = 64 * 1024;

function isFileHandle(value: unknown): value is FileHandle {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as FileHandle).read === "function" &&
    typeof (value as FileHandle).close === "function" &&
    typeof (value as FileHandle).fd === "number"
  );
}

function optionalOffset(options: FileProducerOptions, name: "start" | "end" | "chunkSize", min: number): number | undefined {
  const value = options[name];
  if (value === undefined) return undefined;
  if (typeof value !== "number") throw invalidArgType(`options.${name}`, "a number", value);
  return validateByteCount(value, `options.${name}`, min);
}

/**
 * Hands out the bytes of a file from `start` to `end` (inclusive), at most
 * `chunkSize` at a time. Each `more()` is one read at the next position
 * (positioned reads: the handle's own file position is not used, nor moved).
 * Nothing is read ahead: the channel asks only while the socket has room, so
 * reading follows the peer's pace. A file shorter than `end` ends where it
 * ends.
 *
 * The producer owns the file: a path is opened at the first `more()`, and
 * the handle (opened here or given) is closed as soon as the last byte is
 * read, or when the channel drops the producer before its end. A channel
 * tells a producer it is dropped by calling its `discard()`: when the
 * connection closes or fails, on `discardBuffers()`, or when a producer
 * ahead of it in the queue fails. A read in flight at that moment finishes
 * first, then the handle is closed. A failure to open or read rejects
 * `more()` (the channel reports `ERR_PRODUCER_FAILED` with it as the cause),
 * and the handle is closed.
 */
export class FileProducer implements Producer {
  readonly #path: string | URL | Buffer | null;
  #handle: FileHandle | null;
  #position: number;
  /** Offset of the last byte to send (inclusive). */
  readonly #end: number;
  readonly #chunkSize: number;
  #bytesRead = 0;
  /** A read or an open is under way; a discard waits for it. */
  #busy = false;
  /** No more reads: the end was reached, or the producer was dropped. */
  #finished = false;
  #closed = false;
  #closing: Promise<void> | null = null;

  /**
   * @param file a path (string, URL or Buffer) opened for reading at the first `more()`, or an open `FileHandle`, which the producer then owns
   * @param options `start`, `end` (inclusive) and `chunkSize`
   */
  constructor(file: string | URL | Buffer | FileHandle, options: FileProducerOptions = {}) {
    if (isFileHandle(file)) {
      this.#handle = file;
      this.#path = null;
    } else if (typeof file === "string" || file instanceof URL || Buffer.isBuffer(file)) {
      this.#handle = null;
      this.#path = file;
    } else {
      throw invalidArgType("file", "a path (string, URL or Buffer) or a FileHandle", file);
    }
    if (typeof options !== "object" || options === null) throw invalidArgType("options", "an object", options);
    const start = optionalOffset(options, "start", 0) ?? 0;
    const end = optionalOffset(options, "end", 0) ?? Infinity;
    if (end < start) throw invalidArgValue("options.end", `must be >= start (${start})`, end);
    this.#position = start;
    this.#end = end;
    this.#chunkSize = optionalOffset(options, "chunkSize", 1) ?? DEFAULT_FILE_CHUNK_SIZE;
  }

  /** Bytes read from the file so far. */
  get bytesRead(): number {
    return this.#bytesRead;
  }

  /** Whether the file handle has been closed (or, for a path, will never be opened). */
  get closed(): boolean {
    return this.#closed;
  }

  /** The next piece of the file (a Promise), or an empty Buffer once it is all out. */
  more(): Buffer | Promise<Buffer> {
    if (this.#finished) return EMPTY;
    return this.#read();
  }

  /**
   * Called by the channel when it drops the producer before its end: closes
   * the handle (after a read in flight, if any). Close errors have nobody to
   * go to and are ignored.
   */
  discard(): void {
    if (this.#finished) return;
    this.#finished = true;
    if (!this.#busy) this.#close().catch(() => undefined);
  }

  async #read(): Promise<Buffer> {
    this.#busy = true;
    let data: Buffer;
    try {
      const handle = (this.#handle ??= await open(this.#path!, "r"));
      const want = Math.min(this.#chunkSize, this.#end - this.#position + 1);
      if (this.#finished) data = EMPTY;
      else {
        const buffer = Buffer.allocUnsafe(want);
        const { bytesRead } = await handle.read(buffer, 0, want, this.#position);
        data = bytesRead === want ? buffer : buffer.subarray(0, bytesRead);
      }
    } catch (error) {
      this.#busy = false;
      this.#finished = true;
      await this.#close().catch(() => undefined);
      throw error;
    }
    this.#busy = false;
    if (this.#finished) {
      // Dropped while reading: the read is of no use, the handle goes now.
      await this.#close().catch(() => undefined);
      return EMPTY;
    }
    this.#position += data.length;
    this.#bytesRead += data.length;
    if (data.length === 0 || this.#position > this.#end) {
      this.#finished = true;
      await this.#close();
    }
    return data;
  }

  #close(): Promise<void> {
    if (this.#closing !== null) return this.#closing;
    const handle = this.#handle;
    this.#closing = (handle === null ? Promise.resolve() : handle.close()).then(() => {
      this.#closed = true;
    });
    return this.#closing;
  }
}
