/**
 * An SMTP client (RFC 5321) on `Protocol`: one state, a reply line at a
 * time, matched in order against the commands waiting for them. EHLO with
 * a HELO fallback, STARTTLS (RFC 3207), PIPELINING (RFC 2920: MAIL, every
 * RCPT and DATA in one write, and the end of one message in the same write
 * as the envelope of the next), SIZE (RFC 1870), 8BITMIME (RFC 6152), and
 * the body from any producer through `dotStuff`.
 */

import type { Duplex } from "node:stream";
import type * as tls from "node:tls";
import { type AsyncChatOptions, type FrameTooLongError, connect } from "@asynchat/core";
import { Protocol, onClose, onError, onOverflow, onTerminator } from "@asynchat/decorators";
import { type MessageSource, dataProducers, isEightBit, prepareBody } from "./body";
import { SmtpClientError, SmtpClientErrorCode, SmtpReplyError } from "./errors";
import { ReplyReader, type SmtpReply, isPositive, parseCapabilities } from "./reply";

/** When to upgrade with STARTTLS. */
export type StartTlsPolicy =
  /** Upgrade when the server offers it (nodemailer's default). */
  | "if-offered"
  /** Upgrade, or fail with `ERR_SMTP_TLS_NOT_OFFERED`. */
  | "required"
  /** Stay on plaintext. */
  | "never";

/** Options of {@link SmtpClient.connect}. */
export interface SmtpClientOptions {
  /** The server's port. */
  port: number;
  /** The server's host. Default 127.0.0.1. */
  host?: string;
  /** The name given in EHLO/HELO. Default `localhost`. */
  name?: string;
  /** When to use STARTTLS. Default `"if-offered"`. */
  startTls?: StartTlsPolicy;
  /** TLS options for STARTTLS (`ca`, `servername`, `rejectUnauthorized`, ...). */
  tls?: tls.ConnectionOptions;
  /** Use PIPELINING when the server offers it. Default true. */
  pipelining?: boolean;
  /** Milliseconds to wait for the connection. Default 10,000. */
  connectTimeout?: number;
  /** Channel options (an `idleTimeout`, say). */
  channelOptions?: AsyncChatOptions;
}

/** A message to send. */
export interface OutgoingMessage {
  /** The envelope sender; "" for the null sender `<>` (bounces). */
  from: string;
  /** The envelope recipients (at least one). */
  to: readonly string[];
  /** The message, headers and body, with CRLF line endings; a string is sent as UTF-8. Dot-stuffed by the client. */
  message: MessageSource;
  /** Its size in bytes, for `SIZE=` when the message is a producer (known at once for strings and bytes). */
  size?: number;
  /** The message has 8-bit bytes: `BODY=8BITMIME`. Found by looking for strings and bytes; say so for a producer. */
  eightBit?: boolean;
}

/** What the server said about a message it accepted. */
export interface SendResult {
  /** The reply to the end of data (`250 ... queued as ...`). */
  response: SmtpReply;
  /** Recipients the server accepted. */
  accepted: string[];
  /** Recipients it refused, with its reply to each (the message still went to the others). */
  rejected: Array<{ recipient: string; reply: SmtpReply }>;
}

/** A command waiting for its reply. */
interface Waiting {
  resolve(reply: SmtpReply): void;
  reject(error: Error): void;
}

const FORBIDDEN_IN_ADDRESS = /[\r\n<>\0]/;

/** The state diagram has one state: every line from the server is a reply line. */
export class SmtpClient extends Protocol {
  /** The greeting's reply. */
  greeting: SmtpReply | null = null;
  /** The EHLO keywords the server offered (upper case) and their parameters; empty after a HELO fallback. */
  capabilities: ReadonlyMap<string, string> = new Map();
  /** The session runs over TLS (after STARTTLS). */
  secure = false;
  /** The server answered EHLO (false after a fallback to HELO). */
  esmtp = false;

  readonly #options: SmtpClientOptions;
  readonly #reader = new ReplyReader();
  #waiting: Waiting[] = [];
  #head = 0;
  /** Settles when the previous message's body has been queued: the next envelope may follow it in the same write. */
  #turn: Promise<void> = Promise.resolve();
  #failure: Error | null = null;
  readonly #greeted: Promise<SmtpReply>;

  /**
   * @param socket the connection to the server
   * @param options the client's options
   */
  constructor(socket: Duplex, options: SmtpClientOptions) {
    super(socket, options.channelOptions);
    this.#options = options;
    // The greeting is the first reply: wait for it before anything is read.
    this.#greeted = this.#expectReply();
  }

  /** Connects, reads the greeting, says EHLO (HELO if refused), upgrades with STARTTLS as the policy says. */
  static async connect(options: SmtpClientOptions): Promise<SmtpClient> {
    const client = await connect((socket) => new SmtpClient(socket, options), {
      port: options.port,
      host: options.host,
      timeout: options.connectTimeout,
    });
    try {
      await client.#open();
      return client;
    } catch (error) {
      client.close();
      throw error;
    }
  }

  // ------------------------------------------------------------ the state

  /** One reply line. */
  @onTerminator("\r\n", { encoding: "latin1", maxLength: 8190 })
  replyLine(line: string): void {
    let reply: SmtpReply | null;
    try {
      reply = this.#reader.line(line);
    } catch (error) {
      this.#fail(error as Error);
      return;
    }
    if (reply === null) return;
    if (this.#head >= this.#waiting.length) {
      // Only a 421 may come unasked (the server is closing); anything else is out of step.
      this.#fail(
        reply.code === 421
          ? new SmtpReplyError("(none)", reply)
          : new SmtpClientError(SmtpClientErrorCode.PROTOCOL, `a reply nobody asked for: ${reply.code} ${reply.lines.join(" / ")}`),
      );
      return;
    }
    const waiting = this.#waiting[this.#head]!;
    this.#waiting[this.#head++] = undefined as unknown as Waiting;
    if (this.#head === this.#waiting.length) {
      this.#waiting = [];
      this.#head = 0;
    }
    waiting.resolve(reply);
  }

  /** A reply line of more than 8 KiB: not a server this client can follow. */
  @onOverflow
  tooLong(error: FrameTooLongError): void {
    this.#fail(new SmtpClientError(SmtpClientErrorCode.PROTOCOL, `a reply line longer than ${error.limit} bytes`, { cause: error }));
  }

  /** The channel failed (socket error, timeout): every waiting command fails with it. */
  @onError
  failed(error: Error): void {
    this.#rejectAll(new SmtpClientError(SmtpClientErrorCode.CLOSED, `the connection failed: ${error.message}`, { cause: error }));
  }

  /** The connection closed: every waiting command fails. */
  @onClose
  closedNow(): void {
    this.#rejectAll(this.#failure ?? new SmtpClientError(SmtpClientErrorCode.CLOSED, "the connection closed before the reply"));
  }

  // ------------------------------------------------------------ public API

  /**
   * Sends one command line (without CRLF) and resolves with its reply,
   * whatever its code: `NOOP`, `RSET`, `VRFY x`.
   */
  command(line: string): Promise<SmtpReply> {
    if (/[\r\n]/.test(line)) throw new SmtpClientError(SmtpClientErrorCode.INVALID_ARGUMENT, `a command line may not hold CR or LF: ${JSON.stringify(line)}`);
    const reply = this.#expectReply();
    this.push(`${line}\r\n`);
    return reply;
  }

  /**
   * Sends a message. Resolves once the server has accepted it (the reply
   * to the end of data); rejects with {@link SmtpReplyError} when the server
   * refuses the sender, every recipient, DATA or the message, with
   * `ERR_SMTP_MESSAGE_TOO_BIG` / `ERR_SMTP_8BIT_NOT_SUPPORTED` before
   * sending anything the server said it cannot take, and with
   * `ERR_SMTP_CLOSED` if the connection goes. Several calls may overlap:
   * messages go one after another, and with PIPELINING the envelope of the
   * next leaves in the same write as the end of the previous.
   */
  async send(message: OutgoingMessage): Promise<SendResult> {
    checkEnvelope(message);
    const previous = this.#turn;
    let release!: () => void;
    this.#turn = new Promise<void>((resolve) => (release = resolve));
    try {
      await previous;
      return await this.#transaction(message, release);
    } finally {
      release();
    }
  }

  /** Says QUIT, waits for the 221, and closes. */
  async quit(): Promise<SmtpReply> {
    await this.#turn;
    try {
      return await this.command("QUIT");
    } catch (error) {
      // A server that closes without its 221 has said goodbye too.
      if (error instanceof SmtpClientError && error.code === SmtpClientErrorCode.CLOSED) return { code: 221, enhanced: null, lines: [] };
      throw error;
    } finally {
      this.closeWhenDone();
    }
  }

  // ------------------------------------------------------------ internals

  async #open(): Promise<void> {
    const greeting = await this.#greeted;
    this.greeting = greeting;
    if (greeting.code !== 220) throw new SmtpReplyError("(greeting)", greeting);
    await this.#hello();
    const policy = this.#options.startTls ?? "if-offered";
    if (policy === "never" || this.secure) return;
    if (!this.capabilities.has("STARTTLS")) {
      if (policy === "required") throw new SmtpClientError(SmtpClientErrorCode.TLS_NOT_OFFERED, "the server does not offer STARTTLS");
      return;
    }
    await this.#expect("STARTTLS", this.command("STARTTLS"), 220);
    const host = this.#options.host ?? "127.0.0.1";
    await this.startTls({ isServer: false, servername: /^[\d.:]+$/.test(host) ? undefined : host, ...this.#options.tls });
    this.secure = true;
    // RFC 3207 section 4.2: forget what was learnt before, ask again.
    await this.#hello();
  }

  /** EHLO, or HELO when the server does not know EHLO. */
  async #hello(): Promise<void> {
    const name = this.#options.name ?? "localhost";
    const ehlo = await this.command(`EHLO ${name}`);
    if (isPositive(ehlo)) {
      this.esmtp = true;
      this.capabilities = parseCapabilities(ehlo);
      return;
    }
    if (ehlo.code !== 500 && ehlo.code !== 502 && ehlo.code !== 504 && ehlo.code !== 550) throw new SmtpReplyError(`EHLO ${name}`, ehlo);
    await this.#expect(`HELO ${name}`, this.command(`HELO ${name}`), 250);
    this.esmtp = false;
    this.capabilities = new Map();
  }

  async #transaction(message: OutgoingMessage, bodyQueued: () => void): Promise<SendResult> {
    const body = prepareBody(message.message);
    const size = body.bytes?.length ?? message.size;
    const eightBit = message.eightBit ?? (body.bytes !== null && isEightBit(body.bytes));
    const mail = `MAIL FROM:<${message.from}>${this.#mailParameters(size, eightBit)}`;
    const rcpts = message.to.map((recipient) => `RCPT TO:<${recipient}>`);
    const pipelining = (this.#options.pipelining ?? true) && this.capabilities.has("PIPELINING");

    let mailReply: SmtpReply;
    const rcptReplies: SmtpReply[] = [];
    let dataReply: SmtpReply;
    if (pipelining) {
      const waits = [this.#expectReply(), ...rcpts.map(() => this.#expectReply()), this.#expectReply()];
      this.push(`${mail}\r\n${rcpts.join("\r\n")}\r\nDATA\r\n`);
      const replies = await Promise.all(waits);
      mailReply = replies[0]!;
      rcptReplies.push(...replies.slice(1, -1));
      dataReply = replies[replies.length - 1]!;
    } else {
      mailReply = await this.command(mail);
      if (!isPositive(mailReply)) throw new SmtpReplyError(mail, mailReply);
      for (const rcpt of rcpts) rcptReplies.push(await this.command(rcpt));
      dataReply = rcptReplies.some(isPositive) ? await this.command("DATA") : mailReply;
    }

    const accepted: string[] = [];
    const rejected: SendResult["rejected"] = [];
    rcptReplies.forEach((reply, i) => (isPositive(reply) ? accepted.push(message.to[i]!) : rejected.push({ recipient: message.to[i]!, reply })));
    // Why the message cannot go: the first refusal, in the order the commands were sent.
    let refusal: SmtpReplyError | null = null;
    if (!isPositive(mailReply)) refusal = new SmtpReplyError(mail, mailReply);
    else if (accepted.length === 0) refusal = new SmtpReplyError(rcpts[rcptReplies.findIndex((r) => !isPositive(r))]!, rejected[0]!.reply);
    else if (dataReply.code !== 354) refusal = new SmtpReplyError("DATA", dataReply);
    if (refusal !== null) {
      if (dataReply.code === 354) {
        // DATA was accepted though nothing can be delivered (RFC 2920 section 3.1): end it empty.
        const ended = this.#expectReply();
        this.push(".\r\n");
        bodyQueued();
        await ended;
      } else if (isPositive(mailReply)) {
        // Leave no transaction open for the next message.
        const reset = this.#expectReply();
        this.push("RSET\r\n");
        bodyQueued();
        await reset;
      }
      throw refusal;
    }

    const [stuffed, end] = dataProducers(body.producer);
    const final = this.#expectReply();
    this.pushWithProducer(stuffed);
    this.pushWithProducer(end);
    bodyQueued();
    return { response: await this.#expect("end of data", final, 250), accepted, rejected };
  }

  /** The MAIL FROM parameters for what the server offers; throws before sending what it cannot take. */
  #mailParameters(size: number | undefined, eightBit: boolean): string {
    let parameters = "";
    const limit = this.capabilities.get("SIZE");
    if (limit !== undefined && size !== undefined) {
      const max = Number(limit);
      if (max > 0 && size > max) {
        throw new SmtpClientError(SmtpClientErrorCode.MESSAGE_TOO_BIG, `the message is ${size} bytes, the server takes at most ${max}`);
      }
      parameters += ` SIZE=${size}`;
    }
    if (eightBit) {
      if (!this.capabilities.has("8BITMIME")) {
        throw new SmtpClientError(SmtpClientErrorCode.EIGHT_BIT_NOT_SUPPORTED, "the message has 8-bit bytes and the server does not offer 8BITMIME");
      }
      parameters += " BODY=8BITMIME";
    }
    return parameters;
  }

  /** Waits for `reply` and checks its code. */
  async #expect(command: string, reply: Promise<SmtpReply>, code: number): Promise<SmtpReply> {
    const got = await reply;
    if (got.code !== code) throw new SmtpReplyError(command, got);
    return got;
  }

  /** A promise of the next reply not yet claimed. */
  #expectReply(): Promise<SmtpReply> {
    if (this.#failure !== null || this.closed) {
      return Promise.reject(this.#failure ?? new SmtpClientError(SmtpClientErrorCode.CLOSED, "the connection is closed"));
    }
    return new Promise<SmtpReply>((resolve, reject) => this.#waiting.push({ resolve, reject }));
  }

  /** The server broke the protocol: fail everything waiting and close. */
  #fail(error: Error): void {
    this.#failure ??= error;
    this.#rejectAll(error);
    this.close();
  }

  #rejectAll(error: Error): void {
    this.#failure ??= error;
    const waiting = this.#waiting.slice(this.#head);
    this.#waiting = [];
    this.#head = 0;
    for (const w of waiting) w.reject(error);
  }
}

/** Checks addresses before anything is sent: CR, LF, NUL or angle brackets would break the command line. */
function checkEnvelope(message: OutgoingMessage): void {
  if (message.to.length === 0) throw new SmtpClientError(SmtpClientErrorCode.INVALID_ARGUMENT, "a message needs at least one recipient");
  for (const address of [message.from, ...message.to]) {
    if (typeof address !== "string" || FORBIDDEN_IN_ADDRESS.test(address)) {
      throw new SmtpClientError(SmtpClientErrorCode.INVALID_ARGUMENT, `not usable as an address: ${JSON.stringify(address)}`);
    }
  }
}
