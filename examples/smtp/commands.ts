/**
 * The SMTP commands (RFC 5321 section 4.1.1, RFC 3207 STARTTLS, RFC 3030
 * BDAT, RFC 4954 AUTH), one function each, looked up by verb in one Map.
 * Each replies through the session and returns the next state (`"body"`
 * after an accepted DATA, `"chunk"` after BDAT, `"authResponse"` during
 * AUTH), a promise of one (while AUTH checks a password), or nothing to stay
 * on commands.
 */

import { parseAuthCommand } from "./auth";
import { isHeloName, parseMailFrom, parseRcptTo } from "./envelope";
import { REPLY } from "./replies";
import type { SmtpSession } from "./session";

/** What a command returns: the next state, a promise of going back to commands, or nothing (stay). */
export type CommandResult = "body" | "chunk" | "authResponse" | Promise<"command"> | undefined;

/** A command: gets the session and the text after the verb (without CRLF). */
export type Command = (session: SmtpSession, argument: string) => CommandResult;

/** `BDAT <size> [LAST]`: a size of up to 15 digits (a safe integer). */
const BDAT_ARGUMENT = /^([0-9]{1,15})(?: +(LAST))? *$/i;

function isBlank(argument: string): boolean {
  return argument.length === 0 || argument.trim().length === 0;
}

/** HELO and EHLO: a new session start, any transaction is dropped. */
function greeting(esmtp: boolean): Command {
  return (session, argument) => {
    const name = argument.trim();
    if (!isHeloName(name)) return session.refuse(esmtp ? REPLY.ehloSyntax : REPLY.heloSyntax);
    session.helo = name;
    session.esmtp = esmtp;
    session.resetTransaction();
    const { replies } = session.context;
    session.push(esmtp ? (session.secure ? replies.ehloSecure : replies.ehlo) : replies.helo);
    return undefined;
  };
}

const mail: Command = (session, argument) => {
  if (session.helo === null) return session.refuse(REPLY.heloFirst);
  if (session.transaction !== null) return session.refuse(REPLY.nestedMail);
  if (session.context.requireAuth && session.authenticated === null) return session.refuse(REPLY.authRequired);
  const parsed = parseMailFrom(argument, session.context.maxMessageSize);
  if (typeof parsed === "string") return session.refuse(parsed);
  session.transaction = parsed;
  session.push(REPLY.senderOk);
  return undefined;
};

const rcpt: Command = (session, argument) => {
  const transaction = session.transaction;
  if (transaction === null) return session.refuse(session.helo === null ? REPLY.heloFirst : REPLY.needMail);
  const parsed = parseRcptTo(argument);
  if (typeof parsed === "string") return session.refuse(parsed);
  if (transaction.recipients.length >= session.context.maxRecipients) {
    // Not a client error: it sends the rest in another transaction (RFC 5321 section 4.5.3.1.10).
    session.push(REPLY.tooManyRecipients);
    return undefined;
  }
  transaction.recipients.push(parsed.recipient);
  session.push(REPLY.recipientOk);
  return undefined;
};

const data: Command = (session, argument) => {
  if (!isBlank(argument)) return session.refuse(REPLY.noArguments);
  const transaction = session.transaction;
  if (transaction === null) return session.refuse(session.helo === null ? REPLY.heloFirst : REPLY.needMail);
  if (transaction.chunked) return session.refuse(REPLY.dataAfterBdat);
  if (transaction.recipients.length === 0) return session.refuse(REPLY.needRecipient);
  return session.beginMessage(transaction);
};

/**
 * BDAT: the chunk that follows is always read (it cannot be told apart from
 * commands otherwise) and then answered; without a readable size nothing
 * after the command can be trusted, so the session ends.
 */
const bdat: Command = (session, argument) => {
  const match = BDAT_ARGUMENT.exec(argument);
  if (match === null) return session.abandon(REPLY.bdatSyntax);
  const transaction = session.transaction;
  const refusal =
    session.helo === null ? REPLY.heloFirst : transaction === null ? REPLY.needMail : transaction.recipients.length === 0 ? REPLY.needRecipient : null;
  return session.beginChunk(Number(match[1]), match[2] !== undefined, refusal);
};

const auth: Command = (session, argument) => {
  const { authOffer } = session.context;
  if (authOffer === "off") return session.refuse(REPLY.authNotEnabled);
  if (authOffer === "tls" && !session.secure) return session.refuse(REPLY.encryptionRequired);
  if (session.helo === null || !session.esmtp) return session.refuse(REPLY.heloFirst);
  if (session.authenticated !== null) return session.refuse(REPLY.alreadyAuthenticated);
  if (session.transaction !== null) return session.refuse(REPLY.authInTransaction);
  const parsed = parseAuthCommand(argument);
  if (parsed === null) return session.refuse(REPLY.authSyntax);
  return session.beginAuth(parsed.mechanism, parsed.initial);
};

const rset: Command = (session, argument) => {
  if (!isBlank(argument)) return session.refuse(REPLY.noArguments);
  session.resetTransaction();
  session.push(REPLY.ok);
  return undefined;
};

const noop: Command = (session) => {
  session.push(REPLY.ok);
  return undefined;
};

const quit: Command = (session) => {
  session.quit();
  return undefined;
};

const vrfy: Command = (session, argument) => {
  if (isBlank(argument)) return session.refuse(REPLY.vrfySyntax);
  session.push(REPLY.cannotVerify);
  return undefined;
};

const help: Command = (session) => {
  session.push(session.context.replies.help);
  return undefined;
};

const expn: Command = (session) => session.refuse(REPLY.notImplemented);

const starttls: Command = (session, argument) => {
  const secureContext = session.context.secureContext;
  if (secureContext === null) return session.refuse(REPLY.tlsNotAvailable);
  if (!isBlank(argument)) return session.refuse(REPLY.noArguments);
  if (session.secure) return session.refuse(REPLY.tlsActive);
  session.beginTls(secureContext);
  return undefined;
};

/** Every command by its upper-case verb. */
export const COMMANDS: ReadonlyMap<string, Command> = new Map<string, Command>([
  ["EHLO", greeting(true)],
  ["HELO", greeting(false)],
  ["MAIL", mail],
  ["RCPT", rcpt],
  ["DATA", data],
  ["BDAT", bdat],
  ["RSET", rset],
  ["NOOP", noop],
  ["QUIT", quit],
  ["VRFY", vrfy],
  ["HELP", help],
  ["EXPN", expn],
  ["STARTTLS", starttls],
  ["AUTH", auth],
]);
