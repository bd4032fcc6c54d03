/**
 * One SMTP connection, declared as a terminator state machine: command
 * lines until DATA is accepted, then body lines until the lone ".", then
 * command lines again.
 */

import type { Duplex } from "node:stream";
import type * as tls from "node:tls";
import { ChannelTimeoutError } from "@asynchat/core";
import { type FrameRejection, Protocol, onClose, onConnect, onError, onOverflow, onTerminator } from "@asynchat/decorators";
import { COMMANDS } from "./commands";
import { MAX_COMMAND_LINE, type SmtpContext } from "./config";
import type { Transaction } from "./envelope";
import { IncomingMessage, type Outcome, Step, newQueueId } from "./message";
import { REPLY, type Reply, queuedReply } from "./replies";
import { addressLiteral, receivedHeader } from "./trace";

const CR = 13;
const LF = 10;

/** The reply to each way a message can be refused once its body has ended. */
const REFUSED: Readonly<Record<Exclude<Outcome, "delivered">, Reply>> = Object.freeze({
  "too-big": REPLY.tooBig,
  "bare-line-ending": REPLY.bareLineEnding,
  "io-error": REPLY.localError,
});

/**
 * An SMTP server session (RFC 5321). States:
 *
 * - `command`: a command line, at most 512 octets with its CRLF. Lines are
 *   split at LF so that a line without its CR gets an answer (500) instead
 *   of waiting for a CRLF that never comes. Verbs are looked up in
 *   {@link COMMANDS}.
 * - `body`: the message after `354`, one line at a time and streamed, so a
 *   long line is never buffered whole; bare CR or LF inside a line is
 *   refused (`lineEndings: "crlf"`), the defence against SMTP smuggling
 *   (CVE-2023-51764). The line "." ends it.
 *
 * Replies pushed while one read is being framed leave in one write, so a
 * pipelining client gets its replies in one segment, in order.
 */
export class SmtpSession extends Protocol {
  /** What every session of this server shares. */
  readonly context: SmtpContext;
  /** The client's IP address as an address literal, for the Received header. */
  readonly clientAddress: string | null;
  /** The name from HELO/EHLO; null before one (and again after STARTTLS). */
  helo: string | null = null;
  /** The client greeted with EHLO. */
  esmtp = false;
  /** The session runs over TLS (from the STARTTLS command on). */
  secure = false;
  /** The mail transaction under way (after MAIL FROM), or null. */
  transaction: Transaction | null = null;

  #message: IncomingMessage | null = null;
  #errors = 0;
  #leaveAfterMessage = false;
  #peakBodyBytes = 0;
  /** Bytes dropped so far of an over-long command line after its 500, or -1 when no line is being dropped. */
  #discarded = -1;

  /**
   * @param socket the accepted connection
   * @param context the server's shared context
   */
  constructor(socket: Duplex, context: SmtpContext) {
    super(socket, context.channelOptions);
    this.context = context;
    this.clientAddress = addressLiteral(this.remoteAddress); // the PROXY header's client when the server takes them
  }

  /** The most bytes of a message body this session has held in memory at once. */
  get peakBodyBytesInMemory(): number {
    return Math.max(this.#peakBodyBytes, this.#message?.peakHeld ?? 0);
  }

  // ------------------------------------------------------------ states

  /** A command line (LF-terminated; it must end in CRLF). */
  @onTerminator("\n", { encoding: "latin1", maxLength: MAX_COMMAND_LINE - 1, next: ["body"] })
  command(line: string): "body" | undefined {
    const end = line.length - 1;
    if (end < 0 || line.charCodeAt(end) !== CR) return this.refuse(REPLY.bareLineFeed);
    const space = line.indexOf(" ");
    const verb = space < 0 ? line.slice(0, end) : line.slice(0, space);
    const run = COMMANDS.get(verb) ?? COMMANDS.get(verb.toUpperCase());
    if (run === undefined) return this.refuse(REPLY.unknownCommand);
    return run(this, space < 0 ? "" : line.slice(space + 1, end));
  }

  /** A piece of a body line; `last` at its CRLF. */
  @onTerminator("\r\n", { stream: true, lineEndings: "crlf", next: ["command"] })
  body(piece: Buffer, last: boolean): Promise<"command" | void> | undefined {
    // Set by beginMessage() before this state is entered.
    const message = this.#message!;
    const step = message.add(piece, last);
    if (step === Step.more) return undefined;
    if (step === Step.flush) return message.flush();
    return this.#endMessage(message);
  }

  // ------------------------------------------------------------ connection events

  /** Sends the greeting (or 421 while the server shuts down). */
  @onConnect
  greet(): void {
    if (this.context.closing) this.#leave(REPLY.shuttingDown);
    else this.push(this.context.replies.greeting);
  }

  /** A line was rejected: too long (500, and carry on), or a body line with a bare CR/LF (the message will get 554). */
  @onOverflow
  lineRejected(_error: FrameRejection, state: string): undefined {
    if (state === "body") {
      this.#message?.rejectLine();
      return undefined;
    }
    this.#discarded = 0;
    return this.refuse(REPLY.lineTooLong);
  }

  /** On an idle or frame timeout, tells the client why before the channel closes. */
  @onError
  failed(error: Error): void {
    if (!(error instanceof ChannelTimeoutError)) return;
    // The channel closes right after this and drops queued output, so the reply goes to the socket directly.
    const socket = this.socket;
    if (socket !== null && socket.writable) socket.write(REPLY.timeout);
  }

  /** Drops a message cut off by the end of the connection. */
  @onClose
  dropUnfinishedMessage(): void {
    const message = this.#message;
    this.#message = null;
    if (message !== null) void message.abort();
  }

  // ------------------------------------------------------------ over-long command lines

  /**
   * Counts what arrives of an over-long command line after its 500: past
   * `maxDiscardedLine` bytes the client is told 421 and dropped, and the
   * rest of its input is not framed at all.
   */
  override handleRead(data: Uint8Array): void {
    if (this.#discarded >= 0 && !this.#countDiscarded(data)) return;
    super.handleRead(data);
  }

  /** The dropped line (or body line) has ended. */
  override handleDiscardedFrameEnd(): void {
    this.#discarded = -1;
    super.handleDiscardedFrameEnd();
  }

  /** Adds the bytes of `data` up to the line's LF; false once the client has been dropped. */
  #countDiscarded(data: Uint8Array): boolean {
    if (this.closing) return false;
    const end = data.indexOf(LF);
    this.#discarded += end < 0 ? data.length : end;
    if (this.#discarded <= this.context.maxDiscardedLine) return true;
    // #discarded stays set: whatever else arrives before the close is not framed.
    this.#leave(REPLY.lineNeverEnds);
    return false;
  }

  // ------------------------------------------------------------ used by the commands

  /** Sends an error reply; past `maxErrors` failed commands, also 421 and close. */
  refuse(reply: Reply): undefined {
    this.push(reply);
    if (++this.#errors > this.context.maxErrors) this.#leave(REPLY.tooManyErrors);
    return undefined;
  }

  /** DATA was accepted: sends 354 and starts receiving the body. */
  beginMessage(transaction: Transaction): "body" {
    const { hostname, maildir, maxMessageSize } = this.context;
    const id = newQueueId();
    const header = receivedHeader({
      helo: this.helo ?? "unknown",
      clientAddress: this.clientAddress,
      hostname,
      esmtp: this.esmtp,
      secure: this.secure,
      id,
      recipients: transaction.recipients,
      date: new Date(),
    });
    this.#message = new IncomingMessage(maildir, id, header, maxMessageSize);
    this.push(REPLY.startData);
    return "body";
  }

  /**
   * STARTTLS was accepted: sends 220 in plaintext, then upgrades. Whatever
   * the client learnt or said before is forgotten (RFC 3207 section 4.2),
   * and plaintext it sent after the command is refused by the channel
   * (which then closes), so nothing injected before the handshake can run
   * as if it had come over TLS.
   */
  beginTls(secureContext: tls.SecureContext): void {
    this.push(REPLY.readyToStartTls);
    this.helo = null;
    this.esmtp = false;
    this.transaction = null;
    this.secure = true;
    void this.startTls({
      isServer: true,
      secureContext,
      handshakeTimeout: this.context.tlsHandshakeTimeout,
      plaintextLeftover: "reject",
    });
  }

  /** QUIT: 221, then close once it is written. */
  quit(): void {
    this.#leave(REPLY.bye);
  }

  /** The server is shutting down: 421 and close, once the message under way (if any) is dealt with. */
  shutDown(): void {
    if (this.closing) return;
    if (this.#message !== null) this.#leaveAfterMessage = true;
    else this.#leave(REPLY.shuttingDown);
  }

  // ------------------------------------------------------------ internals

  #leave(reply: Reply): void {
    this.push(reply);
    this.closeWhenDone();
  }

  /** The lone "." arrived: deliver or refuse, reply, and go back to commands. */
  async #endMessage(message: IncomingMessage): Promise<"command"> {
    let outcome: Outcome;
    try {
      outcome = await message.finish();
    } catch {
      outcome = "io-error";
    }
    this.#peakBodyBytes = Math.max(this.#peakBodyBytes, message.peakHeld);
    this.#message = null;
    this.transaction = null;
    if (this.closing) return "command";
    if (outcome === "delivered") {
      this.#errors = 0;
      this.push(queuedReply(message.id));
    } else {
      this.push(REFUSED[outcome]);
    }
    if (this.#leaveAfterMessage) this.#leave(REPLY.shuttingDown);
    return "command";
  }
}
