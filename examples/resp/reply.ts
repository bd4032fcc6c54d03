/**
 * Replies are written as RESP2 bytes into a shared slab, and the replies
 * to one frame's commands leave as one `push` of a view of that slab. A
 * pipeline of sixteen commands (one frame, see the scan) thus becomes one
 * buffer and one socket write, and no reply allocates anything of its own.
 */

import { Buffer } from "node:buffer";
import { decimalDigits } from "./integers";

/** Where a connection's replies go: `AsyncChat.push`. */
export interface ReplySink {
  push(data: Uint8Array): void;
  /** True once the channel takes no more output. */
  readonly closing: boolean;
}

/** Size of a fresh slab. Replies that do not fit start a new one. */
const SLAB_SIZE = 64 * 1024;
/** Gathered bytes past which they are handed to the connection at once (so its output limit can act). */
export const FLUSH_AT = 16 * 1024;
/**
 * Replies up to this long are always copied into the slab, never queued by
 * reference; longer stored values are queued as they are. The key space
 * relies on it to rewrite short entries in place.
 */
export const COPY_LIMIT = 4 * 1024;

const CRLF_CR = 13;
const CRLF_LF = 10;

/** A short reply, encoded once. */
export function encoded(text: string): Buffer {
  return Buffer.from(text, "latin1");
}

/** Replies sent often, encoded once. */
export const Replies = {
  OK: encoded("+OK\r\n"),
  PONG: encoded("+PONG\r\n"),
  NIL: encoded("$-1\r\n"),
  NIL_ARRAY: encoded("*-1\r\n"),
  ZERO: encoded(":0\r\n"),
  ONE: encoded(":1\r\n"),
  EMPTY_ARRAY: encoded("*0\r\n"),
  EMPTY_BULK: encoded("$0\r\n\r\n"),
} as const;

/**
 * Writes RESP2 replies for one connection at a time. Call {@link begin}
 * with the connection before writing its replies and {@link flush} after:
 * everything written in between reaches that connection, in order, as one
 * buffer (several when it grows large, so that the channel's output limit
 * can act).
 */
export class ReplyWriter {
  #slab: Buffer = Buffer.allocUnsafe(SLAB_SIZE);
  /** Bytes of the slab already handed out. */
  #sent = 0;
  /** End of what is written. */
  #end = 0;
  #owner: ReplySink | null = null;
  /** Bytes handed to connections so far, all of them together (a running count, for output limits). */
  #handedOver = 0;

  /**
   * Bytes handed to connections so far (pushed, not merely gathered): a
   * command loop compares it before and after to see how much output its
   * commands have queued.
   */
  get handedOver(): number {
    return this.#handedOver;
  }

  /** Makes `sink` the connection replies are written for (handing over what another one has gathered). */
  begin(sink: ReplySink): void {
    if (this.#owner === sink) return;
    if (this.#end > this.#sent) this.flush();
    this.#owner = sink;
  }

  /** Hands what has gathered to its connection now. */
  flush(): void {
    const end = this.#end;
    if (end === this.#sent) return;
    const owner = this.#owner;
    const view = this.#slab.subarray(this.#sent, end);
    this.#handedOver += end - this.#sent;
    this.#sent = end;
    if (owner !== null && !owner.closing) owner.push(view);
  }

  /** Hands over what has gathered for `sink`, if anything (before it closes). */
  flushFor(sink: ReplySink): void {
    if (this.#owner === sink) this.flush();
  }

  /** Drops what has gathered for `sink` (it is gone). */
  forget(sink: ReplySink): void {
    if (this.#owner !== sink) return;
    this.#sent = this.#end;
    this.#owner = null;
  }

  /** Room for `size` more bytes; returns where to write them. */
  #reserve(size: number): number {
    let end = this.#end;
    if (end + size > this.#slab.length) {
      this.flush();
      this.#slab = Buffer.allocUnsafe(Math.max(SLAB_SIZE, size));
      this.#sent = 0;
      end = 0;
    }
    return end;
  }

  #advance(end: number): void {
    this.#end = end;
    if (end - this.#sent >= FLUSH_AT) this.flush();
  }

  /** Appends encoded bytes (a reply made once, such as `+OK\r\n`). */
  raw(bytes: Uint8Array): void {
    const length = bytes.length;
    let at = this.#reserve(length);
    const slab = this.#slab;
    if (length <= 16) for (let i = 0; i < length; i++) slab[at++] = bytes[i]!;
    else {
      slab.set(bytes, at);
      at += length;
    }
    this.#advance(at);
  }

  /**
   * Appends a reply already in wire form, `bytes[start..]`, that is never
   * changed afterwards (a stored value, `$3\r\nfoo\r\n`): copied when short,
   * queued as it is when long.
   */
  encodedValue(bytes: Buffer, start: number): void {
    const length = bytes.length - start;
    if (length > COPY_LIMIT) {
      this.flush();
      const owner = this.#owner;
      this.#handedOver += length;
      if (owner !== null && !owner.closing) owner.push(bytes.subarray(start));
      return;
    }
    let at = this.#reserve(length);
    const slab = this.#slab;
    if (length <= 32) for (let i = start; i < bytes.length; i++) slab[at++] = bytes[i]!;
    else {
      slab.set(start === 0 ? bytes : bytes.subarray(start), at);
      at += length;
    }
    this.#advance(at);
  }

  /** `:<n>\r\n` for a safe integer or a BigInt. */
  integer(value: number | bigint): void {
    if (typeof value === "bigint" || !Number.isSafeInteger(value)) {
      this.raw(encoded(`:${value}\r\n`));
      return;
    }
    if (value === 0) return this.raw(Replies.ZERO);
    if (value === 1) return this.raw(Replies.ONE);
    this.#header(58, value);
  }

  /** `*<n>\r\n`, the header of an array of `n` replies. */
  arrayHeader(count: number): void {
    this.#header(42, count);
  }

  /** A status reply `+<text>\r\n` (TYPE's answer); the text must hold no CR or LF. */
  status(text: string): void {
    const length = text.length;
    let at = this.#reserve(length + 3);
    const slab = this.#slab;
    slab[at++] = 43;
    at += slab.write(text, at, length, "latin1");
    slab[at++] = CRLF_CR;
    slab[at++] = CRLF_LF;
    this.#advance(at);
  }

  /** `$-1\r\n`. */
  nil(): void {
    this.raw(Replies.NIL);
  }

  /** A bulk string of `bytes[start..end)`. */
  bulk(bytes: Uint8Array, start: number, end: number): void {
    const length = end - start;
    if (length > COPY_LIMIT) {
      this.#header(36, length);
      this.flush();
      const owner = this.#owner;
      this.#handedOver += length;
      // Received buffers are never reused, so a view of one can be queued as it is.
      if (owner !== null && !owner.closing) owner.push(bytes.subarray(start, end));
      this.raw(CRLF);
      return;
    }
    let at = this.#reserve(length + 24);
    at = this.#writeHeader(at, 36, length);
    const slab = this.#slab;
    if (length <= 16) for (let i = start; i < end; i++) slab[at++] = bytes[i]!;
    else {
      slab.set(bytes.subarray(start, end), at);
      at += length;
    }
    slab[at++] = CRLF_CR;
    slab[at++] = CRLF_LF;
    this.#advance(at);
  }

  /** A bulk string of a latin1 string (keys, INFO text, config values). */
  bulkText(text: string): void {
    const length = text.length;
    let at = this.#reserve(length + 24);
    at = this.#writeHeader(at, 36, length);
    const slab = this.#slab;
    at += slab.write(text, at, length, "latin1");
    slab[at++] = CRLF_CR;
    slab[at++] = CRLF_LF;
    this.#advance(at);
  }

  /**
   * An error reply `-<text>\r\n`. CR and LF in the text become spaces, as
   * Redis does, so the reply stays one line.
   */
  error(text: string): void {
    const length = text.length;
    let at = this.#reserve(length + 3);
    const slab = this.#slab;
    slab[at++] = 45;
    for (let i = 0; i < length; i++) {
      const code = text.charCodeAt(i);
      slab[at++] = code === CRLF_CR || code === CRLF_LF ? 32 : code;
    }
    slab[at++] = CRLF_CR;
    slab[at++] = CRLF_LF;
    this.#advance(at);
  }

  #header(type: number, value: number): void {
    const at = this.#reserve(24);
    this.#advance(this.#writeHeader(at, type, value));
  }

  /** Writes `<type><value>\r\n` at `at` (room reserved); returns the end. */
  #writeHeader(at: number, type: number, value: number): number {
    const slab = this.#slab;
    slab[at++] = type;
    if (value < 0) {
      slab[at++] = 45;
      value = -value;
    }
    const digits = decimalDigits(value);
    let i = at + digits;
    at = i;
    do {
      const rest = Math.floor(value / 10);
      slab[--i] = 48 + (value - rest * 10);
      value = rest;
    } while (value > 0);
    slab[at++] = CRLF_CR;
    slab[at++] = CRLF_LF;
    return at;
  }
}

const CRLF = encoded("\r\n");

/** The one writer: commands run one at a time on Node's single thread. */
export const replies = new ReplyWriter();
