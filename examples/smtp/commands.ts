/**
 * The SMTP commands (RFC 5321 section 4.1.1, RFC 3207 STARTTLS), one
 * function each, looked up by verb in one Map. Each replies through the
 * session and returns the next state (`"body"` after an accepted DATA) or
 * nothing to stay on commands.
 */

import { isHeloName, parseMailFrom, parseRcptTo } from "./envelope";
import { REPLY } from "./replies";
import type { SmtpSession } from "./session";

/** A command: gets the session and the text after the verb (without CRLF). */
export type Command = (session: SmtpSession, argument: string) => "body" | undefined;

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
    session.transaction = null;
    const { replies } = session.context;
    session.push(esmtp ? (session.secure ? replies.ehloSecure : replies.ehlo) : replies.helo);
    return undefined;
  };
}

const mail: Command = (session, argument) => {
  if (session.helo === null) return session.refuse(REPLY.heloFirst);
  if (session.transaction !== null) return session.refuse(REPLY.nestedMail);
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
  if (transaction.recipients.length === 0) return session.refuse(REPLY.needRecipient);
  return session.beginMessage(transaction);
};

const rset: Command = (session, argument) => {
  if (!isBlank(argument)) return session.refuse(REPLY.noArguments);
  session.transaction = null;
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
  ["RSET", rset],
  ["NOOP", noop],
  ["QUIT", quit],
  ["VRFY", vrfy],
  ["HELP", help],
  ["EXPN", expn],
  ["STARTTLS", starttls],
]);
