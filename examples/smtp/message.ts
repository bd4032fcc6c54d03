/**
 * The body of one message as it arrives, after DATA line by line (the lone
 * "." that ends it, dot-unstuffing) or in BDAT chunks as they are; the size
 * limit; the trace headers; and the way to its Maildir file (one per
 * recipient). Nothing is held in memory past {@link FLUSH_BYTES} (the
 * rest is already on disk) or past the size limit (the rest is counted and
 * dropped).
 */

import { rm } from "node:fs/promises";
import type { Maildir, MaildirDelivery } from "./maildir";

/** Body bytes gathered in memory before they are written to the message's file. */
export const FLUSH_BYTES = 64 * 1024;

const DOT = 0x2e;
const CRLF = Buffer.from("\r\n", "latin1");

/** What {@link IncomingMessage.add} asks the session to do next. */
export const Step = Object.freeze({
  /** Go on reading. */
  more: 0,
  /** Call {@link IncomingMessage.flush} (and wait for it) before reading on. */
  flush: 1,
  /** The body is complete: call {@link IncomingMessage.finish}. */
  end: 2,
});
/** One of the values of {@link Step}. */
export type Step = (typeof Step)[keyof typeof Step];

/** How a message ended. */
export type Outcome =
  /** It is in the Maildir's `new/` folder. */
  | "delivered"
  /** It grew past the size limit (552). */
  | "too-big"
  /** A line of it held a bare CR or LF (554). */
  | "bare-line-ending"
  /** Writing it failed (451). */
  | "io-error";

/** The envelope facts a delivered file starts with. */
export interface TraceHeaders {
  /** The envelope sender ("" for the null sender), written as `Return-Path: <sender>`. */
  sender: string;
  /** The envelope recipients: one file each, each starting with its own `Delivered-To:`. */
  recipients: readonly string[];
  /** The `Received:` header (CRLF included), the same in every copy. */
  received: string;
}

/** `Return-Path:` and `Delivered-To:` for one recipient's file. */
function envelopeHeaders(sender: string, recipient: string): Buffer {
  return Buffer.from(`Return-Path: <${sender}>\r\nDelivered-To: ${recipient}\r\n`, "latin1");
}

/**
 * One message being received. {@link add} takes each piece of each body
 * line (without its CRLF) as the streamed DATA state delivers it;
 * {@link addChunk} takes BDAT data as it is.
 */
export class IncomingMessage {
  /** The queue id, named in the Received header and the 250 reply. */
  readonly id: string;
  readonly #maildir: Maildir;
  readonly #maxSize: number;
  readonly #trace: TraceHeaders;
  /** The first recipient's envelope headers, written before the Received header. */
  readonly #envelope: Buffer;
  #header: Buffer | null;
  #delivery: MaildirDelivery | null = null;

  #chunks: Buffer[] = [];
  #held = 0;
  #peakHeld = 0;
  #size = 0;

  /** Bytes of the current line so far, as received (before unstuffing). */
  #lineLength = 0;
  /** The current line began with a dot (removed). */
  #dotted = false;
  /** Why the message will be refused, once known; the rest of the body is then only counted. */
  #problem: Exclude<Outcome, "delivered"> | null = null;
  #finished = false;

  /**
   * @param maildir where the message goes
   * @param id its queue id
   * @param trace the headers written before the body
   * @param maxSize the largest body accepted, in bytes (after unstuffing, CRLFs included)
   * @param chunked the body comes in BDAT chunks ({@link addChunk}), not after DATA ({@link add})
   */
  constructor(maildir: Maildir, id: string, trace: TraceHeaders, maxSize: number, readonly chunked = false) {
    this.#maildir = maildir;
    this.id = id;
    this.#trace = trace;
    this.#envelope = envelopeHeaders(trace.sender, trace.recipients[0] ?? "");
    this.#header = Buffer.concat([this.#envelope, Buffer.from(trace.received, "latin1")]);
    this.#maxSize = maxSize;
    // Create the file in tmp/ now, while the client is still sending the body: the
    // message then waits for two file operations at its end instead of three.
    this.#delivery = maildir.begin();
    this.#delivery.prepare();
  }

  /** Body bytes received so far (after unstuffing). */
  get size(): number {
    return this.#size;
  }

  /** The most body bytes this message has held in memory at once. */
  get peakHeld(): number {
    return this.#peakHeld;
  }

  /** Why the message will be refused, or null while it is fine. */
  get problem(): Exclude<Outcome, "delivered"> | null {
    return this.#problem;
  }

  /**
   * Takes one piece of a body line; `last` marks the end of the line (the
   * piece may then be empty). A line that is a lone "." ends the body; a
   * leading dot is removed from any other line (RFC 5321 section 4.5.2).
   */
  add(piece: Buffer, last: boolean): Step {
    let start = 0;
    if (this.#lineLength === 0 && piece.length > 0 && piece[0] === DOT) {
      this.#dotted = true;
      start = 1;
    }
    this.#lineLength += piece.length;
    if (last && this.#dotted && this.#lineLength === 1) {
      this.#lineLength = 0;
      this.#dotted = false;
      return Step.end;
    }
    let added = piece.length - start;
    if (last) added += 2;
    this.#size += added;
    if (this.#problem === null) {
      if (this.#size > this.#maxSize) {
        this.#refuse("too-big");
      } else {
        if (piece.length > start) this.#chunks.push(start === 0 ? piece : piece.subarray(start));
        if (last) this.#chunks.push(CRLF);
        this.#held += added;
        if (this.#held > this.#peakHeld) this.#peakHeld = this.#held;
      }
    }
    if (last) {
      this.#lineLength = 0;
      this.#dotted = false;
    }
    return this.#held >= FLUSH_BYTES ? Step.flush : Step.more;
  }

  /** Takes a piece of a BDAT chunk: bytes as they are, no lines, no dots (RFC 3030). */
  addChunk(piece: Buffer): Step {
    this.#size += piece.length;
    if (this.#problem === null) {
      if (this.#size > this.#maxSize) {
        this.#refuse("too-big");
      } else if (piece.length > 0) {
        this.#chunks.push(piece);
        this.#held += piece.length;
        if (this.#held > this.#peakHeld) this.#peakHeld = this.#held;
      }
    }
    return this.#held >= FLUSH_BYTES ? Step.flush : Step.more;
  }

  /**
   * The rest of the current line was dropped because it held a bare CR or
   * LF: the message will be refused, and the next piece starts a new line.
   */
  rejectLine(): void {
    this.#lineLength = 0;
    this.#dotted = false;
    if (this.#problem === null) this.#refuse("bare-line-ending");
  }

  /** Writes what is held in memory to the message's file in `tmp/` (the Received header first). */
  async flush(): Promise<void> {
    if (this.#problem !== null || this.#held === 0) return;
    const chunks = this.#take();
    try {
      await this.#deliveryFor(chunks).write(chunks);
    } catch {
      this.#refuse("io-error");
    }
  }

  /** The body is complete: deliver the message into `new/`, or drop it if it was refused. */
  async finish(): Promise<Outcome> {
    this.#finished = true;
    if (this.#problem !== null) {
      await this.#delivery?.abort();
      return this.#problem;
    }
    const chunks = this.#take();
    const delivery = this.#deliveryFor(chunks);
    let first: string;
    try {
      await delivery.write(chunks);
      first = await delivery.commit();
    } catch {
      await delivery.abort();
      return "io-error";
    }
    // Every further recipient gets a copy of its own, with its own Delivered-To.
    const recipients = this.#trace.recipients;
    const delivered = [first];
    try {
      for (let i = 1; i < recipients.length; i++) {
        delivered.push(await this.#maildir.deliverCopy(first, this.#envelope.length, envelopeHeaders(this.#trace.sender, recipients[i]!)));
      }
    } catch {
      // All or nothing: the client will send the message again after the 451.
      await Promise.all(delivered.map((file) => rm(file, { force: true }).catch(() => undefined)));
      return "io-error";
    }
    return "delivered";
  }

  /**
   * {@link finish} without waiting, when it can be done at once: a message
   * for one recipient, nothing wrong with it, and a Maildir whose file calls
   * are synchronous (`fileIo: "sync"`). Returns null when it cannot; then
   * call {@link finish}.
   */
  finishNow(): Outcome | null {
    const delivery = this.#delivery;
    if (this.#problem !== null || this.#trace.recipients.length !== 1 || delivery === null || !delivery.immediate) return null;
    this.#finished = true;
    try {
      const chunks = this.#take();
      this.#deliveryFor(chunks); // puts the header first
      delivery.commitNow(chunks);
      return "delivered";
    } catch {
      return "io-error";
    }
  }

  /** The connection went away: drop the message and its file. Never rejects. */
  async abort(): Promise<void> {
    if (this.#finished) return;
    this.#finished = true;
    this.#chunks = [];
    this.#held = 0;
    await this.#delivery?.abort();
  }

  #refuse(problem: Exclude<Outcome, "delivered">): void {
    this.#problem = problem;
    this.#chunks = [];
    this.#held = 0;
    // The file written so far is removed when the body ends (or the connection does).
  }

  /** Takes the chunks held in memory. */
  #take(): Buffer[] {
    const chunks = this.#chunks;
    this.#chunks = [];
    this.#held = 0;
    return chunks;
  }

  /** The delivery, started on first use; its first write begins with the Received header. */
  #deliveryFor(chunks: Buffer[]): MaildirDelivery {
    if (this.#header !== null) {
      chunks.unshift(this.#header);
      this.#header = null;
    }
    return (this.#delivery ??= this.#maildir.begin());
  }
}

let queueCount = 0;

/** A short id for a message, unique within this process: the time and a counter, base 36. */
export function newQueueId(): string {
  queueCount = (queueCount + 1) % 1_679_616; // 36^4
  return `${Date.now().toString(36)}${queueCount.toString(36).padStart(4, "0")}`.toUpperCase();
}
