/**
 * One SMTP connection, declared as a terminator state machine: command
 * lines; after DATA, body lines until the lone "."; after BDAT, a chunk of
 * exactly the announced size; during AUTH, the client's response lines;
 * then command lines again.
 */

import type { Duplex } from "node:stream";
import type * as tls from "node:tls";
import { ChannelTimeoutError } from "@asynchat/core";
import { type FrameRejection, Protocol, onBytes, onClose, onConnect, onError, onOverflow, onTerminator } from "@asynchat/decorators";
import { AuthExchange, type AuthStep, type Credentials } from "./auth";
import { COMMANDS, type CommandResult } from "./commands";
import { MAX_COMMAND_LINE, type SmtpContext } from "./config";
import type { Transaction } from "./envelope";
import { IncomingMessage, type Outcome, Step, newQueueId } from "./message";
import { REPLY, type Reply, chunkReply, queuedReply } from "./replies";
import { addressLiteral, receivedHeader } from "./trace";

const CR = 13;
const LF = 10;

/** RFC 4954 section 4: the longest AUTH response line the server must accept, CRLF included. */
const MAX_AUTH_LINE = 12288;

/** A BDAT chunk being received. */
interface Chunk {
  /** Its size, from the command. */
  readonly size: number;
  /** BDAT ... LAST: the message ends with it. */
  readonly last: boolean;
  /** Why it will be refused once read (it is read and dropped all the same), or null. */
  readonly refusal: Reply | null;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

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
 *   of waiting for a CRLF that never comes; a CR anywhere else in the line
 *   is refused the same way, whatever the command. Verbs are looked up in
 *   {@link COMMANDS}.
 * - `body`: the message after `354`, one line at a time and streamed, so a
 *   long line is never buffered whole; bare CR or LF inside a line is
 *   refused (`lineEndings: "crlf"`), the defence against SMTP smuggling
 *   (CVE-2023-51764). The line "." ends it.
 * - `chunk`: the bytes of one BDAT chunk (RFC 3030), streamed, taken as
 *   they are: no dots, no line endings to check.
 * - `authResponse`: one response line of an AUTH exchange (RFC 4954).
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
  /** The user name the client authenticated as (AUTH), or null. */
  authenticated: string | null = null;
  /** The size of the BDAT chunk being received (read when the `chunk` state is entered). */
  chunkSize = 0;

  #message: IncomingMessage | null = null;
  #errors = 0;
  #leaveAfterMessage = false;
  #peakBodyBytes = 0;
  /** Bytes dropped so far of an over-long command line after its 500, or -1 when no line is being dropped. */
  #discarded = -1;
  #chunk: Chunk | null = null;
  #auth: AuthExchange | null = null;

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
  @onTerminator("\n", { encoding: "latin1", maxLength: MAX_COMMAND_LINE - 1, next: ["body", "chunk", "authResponse"] })
  command(line: string): CommandResult {
    const end = this.#endOfText(line);
    if (end < 0) return undefined;
    const space = line.indexOf(" ");
    const verb = space < 0 || space > end ? line.slice(0, end) : line.slice(0, space);
    const run = COMMANDS.get(verb) ?? COMMANDS.get(verb.toUpperCase());
    if (run === undefined) return this.refuse(REPLY.unknownCommand);
    return run(this, space < 0 || space > end ? "" : line.slice(space + 1, end));
  }

  /** One BDAT chunk, piece by piece; `last` once its announced size has arrived. */
  @onBytes((self: SmtpSession) => self.chunkSize, { stream: true, next: ["command"] })
  chunk(piece: Buffer, last: boolean): Promise<"command" | void> | "command" | undefined {
    // Set by beginChunk() before this state is entered.
    const chunk = this.#chunk!;
    const message = chunk.refusal === null ? this.#message : null;
    if (message !== null) {
      const step = message.addChunk(piece);
      if (!last) return step === Step.flush ? message.flush() : undefined;
    } else if (!last) {
      return undefined;
    }
    return this.#endChunk(chunk, message);
  }

  /** The client's response line in an AUTH exchange. */
  @onTerminator("\n", { encoding: "latin1", maxLength: MAX_AUTH_LINE - 1, next: ["command"] })
  authResponse(line: string): Promise<"command"> | "command" | undefined {
    const end = this.#endOfText(line);
    const exchange = this.#auth!;
    if (end < 0) {
      this.#auth = null;
      return "command";
    }
    return this.#authStep(exchange.respond(line.slice(0, end)));
  }

  /** A piece of a body line; `last` at its CRLF. */
  @onTerminator("\r\n", { stream: true, lineEndings: "crlf", next: ["command"] })
  body(piece: Buffer, last: boolean): Promise<"command" | void> | "command" | undefined {
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
  lineRejected(_error: FrameRejection, state: string): "command" | undefined {
    if (state === "body") {
      this.#message?.rejectLine();
      return undefined;
    }
    this.#discarded = 0;
    this.refuse(REPLY.lineTooLong);
    if (state !== "authResponse") return undefined;
    this.#auth = null;
    return "command";
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
    this.#message = this.#newMessage(transaction);
    this.push(REPLY.startData);
    return "body";
  }

  /**
   * BDAT was read: its chunk follows, `size` bytes, which are read (and
   * dropped, if `refusal` is set) before any reply. The first accepted
   * chunk of a transaction starts its message.
   */
  beginChunk(size: number, last: boolean, refusal: Reply | null): "chunk" {
    const transaction = this.transaction;
    if (refusal === null && transaction !== null) {
      transaction.chunked = true;
      this.#message ??= this.#newMessage(transaction);
    }
    this.#chunk = { size, last, refusal };
    this.chunkSize = size;
    return "chunk";
  }

  /** A command that cannot be told apart from what follows it (a BDAT without a size): the reply, then close. */
  abandon(reply: Reply): undefined {
    this.#leave(reply);
    return undefined;
  }

  /** Ends the transaction under way (RSET, EHLO, STARTTLS), dropping a message begun with BDAT. */
  resetTransaction(): void {
    this.transaction = null;
    const message = this.#message;
    this.#message = null;
    if (message !== null) void message.abort();
  }

  /** AUTH was accepted: starts the exchange (`AUTH <mechanism> [initial-response]`). */
  beginAuth(mechanism: string, initial: string | null): "authResponse" | Promise<"command"> | undefined {
    const started = AuthExchange.start(mechanism, initial);
    if ("refusal" in started) return this.refuse(started.refusal);
    this.#auth = started.exchange;
    const next = this.#authStep(started.step);
    return next === "command" ? undefined : next ?? "authResponse";
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
    this.resetTransaction();
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
    // A message is under way while its body or a chunk of it is being read.
    if (this.#message !== null && (this.#chunk !== null || !this.#message.chunked)) this.#leaveAfterMessage = true;
    else this.#leave(REPLY.shuttingDown);
  }

  // ------------------------------------------------------------ internals

  #leave(reply: Reply): void {
    this.push(reply);
    this.closeWhenDone();
  }

  /**
   * Where the text of a command or response line ends (before its CRLF), or
   * -1 after refusing it: the line must end in CRLF and hold no other CR.
   * One rule for every command, so no CR can end up inside an argument.
   */
  #endOfText(line: string): number {
    const end = line.length - 1;
    if (end < 0 || line.charCodeAt(end) !== CR) {
      this.refuse(REPLY.bareLineFeed);
      return -1;
    }
    if (line.indexOf("\r") < end) {
      this.refuse(REPLY.bareCarriageReturn);
      return -1;
    }
    return end;
  }

  /** A new message for `transaction`, its trace headers filled in. */
  #newMessage(transaction: Transaction): IncomingMessage {
    const { hostname, maildir, maxMessageSize } = this.context;
    const id = newQueueId();
    const received = receivedHeader({
      helo: this.helo ?? "unknown",
      clientAddress: this.clientAddress,
      hostname,
      esmtp: this.esmtp,
      secure: this.secure,
      authenticated: this.authenticated !== null,
      id,
      recipients: transaction.recipients,
      date: new Date(),
    });
    return new IncomingMessage(maildir, id, { sender: transaction.sender, recipients: transaction.recipients, received }, maxMessageSize, transaction.chunked);
  }

  /** A BDAT chunk has been read: reply, ending the message with the LAST one. */
  #endChunk(chunk: Chunk, message: IncomingMessage | null): Promise<"command"> | "command" {
    this.#chunk = null;
    if (chunk.refusal !== null || message === null) {
      this.refuse(chunk.refusal ?? REPLY.needMail);
      return "command";
    }
    if (chunk.last) return this.#endMessage(message);
    const problem = message.problem;
    if (problem !== null) {
      // The transaction has failed: later chunks of it get 503 until a new MAIL.
      this.resetTransaction();
      this.push(REFUSED[problem]);
    } else {
      this.push(chunkReply(chunk.size));
    }
    if (this.#leaveAfterMessage) {
      this.resetTransaction();
      this.#leave(REPLY.shuttingDown);
    }
    return "command";
  }

  /** Acts on a step of the AUTH exchange: a challenge (stay), a refusal, or credentials to check. */
  #authStep(step: AuthStep): Promise<"command"> | "command" | undefined {
    if ("challenge" in step) {
      this.push(step.challenge);
      return undefined;
    }
    this.#auth = null;
    if ("refusal" in step) {
      this.refuse(step.refusal);
      return "command";
    }
    return this.#checkCredentials(step.credentials);
  }

  /** Runs the configured check; 235, or 535 after the failure delay, or 454 if the check itself failed. */
  async #checkCredentials(credentials: Credentials): Promise<"command"> {
    const { authenticate, authFailureDelay } = this.context;
    let good: boolean;
    try {
      good = (await authenticate!(credentials, { clientAddress: this.clientAddress, secure: this.secure })) === true;
    } catch {
      if (!this.closing) this.refuse(REPLY.authTemporaryFailure);
      return "command";
    }
    if (good) {
      if (!this.closing) {
        this.authenticated = credentials.username;
        this.push(REPLY.authSucceeded);
      }
      return "command";
    }
    if (authFailureDelay > 0) await sleep(authFailureDelay);
    if (!this.closing) this.refuse(REPLY.authFailed);
    return "command";
  }

  /**
   * The lone "." arrived: deliver or refuse, reply, and go back to commands.
   * At once when the delivery can be finished without waiting (synchronous
   * file I/O): the reply then leaves in one write with the replies to the
   * commands pipelined after the message.
   */
  #endMessage(message: IncomingMessage): Promise<"command"> | "command" {
    const now = message.finishNow();
    return now === null ? this.#finishMessage(message) : this.#afterMessage(message, now);
  }

  async #finishMessage(message: IncomingMessage): Promise<"command"> {
    let outcome: Outcome;
    try {
      outcome = await message.finish();
    } catch {
      outcome = "io-error";
    }
    return this.#afterMessage(message, outcome);
  }

  /** Replies to the message's end and forgets its transaction. */
  #afterMessage(message: IncomingMessage, outcome: Outcome): "command" {
    this.#peakBodyBytes = Math.max(this.#peakBodyBytes, message.peakHeld);
    if (this.#message === message) this.#message = null;
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
