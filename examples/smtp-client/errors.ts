/**
 * The SMTP client's errors. Each has a stable `code`; a refusal by the
 * server is an {@link SmtpReplyError} carrying the whole reply, so every
 * reply code reaches the caller.
 */

import type { SmtpReply } from "./reply";

/** Stable codes of the client's errors. */
export const SmtpClientErrorCode = Object.freeze({
  /** The server answered a command with a reply other than the one expected (`SmtpReplyError`). */
  REPLY: "ERR_SMTP_REPLY",
  /** The server sent something that is not an SMTP reply. */
  PROTOCOL: "ERR_SMTP_PROTOCOL",
  /** The connection closed (or failed) while commands were waiting for their replies. */
  CLOSED: "ERR_SMTP_CLOSED",
  /** The message is larger than the server's advertised SIZE. */
  MESSAGE_TOO_BIG: "ERR_SMTP_MESSAGE_TOO_BIG",
  /** An 8-bit message, and the server does not offer 8BITMIME. */
  EIGHT_BIT_NOT_SUPPORTED: "ERR_SMTP_8BIT_NOT_SUPPORTED",
  /** STARTTLS was required and the server does not offer it. */
  TLS_NOT_OFFERED: "ERR_SMTP_TLS_NOT_OFFERED",
  /** An argument is unusable (an address with CR/LF or angle brackets, no recipients). */
  INVALID_ARGUMENT: "ERR_SMTP_INVALID_ARGUMENT",
});

/** The base class of the client's errors. */
export class SmtpClientError extends Error {
  /** One of {@link SmtpClientErrorCode}. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The server refused a command: the reply, the command, and whether trying again later may work (4xx). */
export class SmtpReplyError extends SmtpClientError {
  /** The reply that refused it. */
  readonly reply: SmtpReply;
  /** The command it answered (its verb and argument, without credentials), e.g. `RCPT TO:<b@example.test>`. */
  readonly command: string;

  constructor(command: string, reply: SmtpReply) {
    super(SmtpClientErrorCode.REPLY, `${command}: the server answered ${reply.code} ${reply.lines.join(" / ")}`);
    this.command = command;
    this.reply = reply;
  }

  /** The three-digit reply code. */
  get replyCode(): number {
    return this.reply.code;
  }

  /** A 4xx reply: the same command may succeed later. */
  get transient(): boolean {
    return this.reply.code >= 400 && this.reply.code < 500;
  }
}
