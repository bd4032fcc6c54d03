/**
 * The envelope: parsing the arguments of HELO/EHLO, MAIL FROM and RCPT TO
 * (RFC 5321 section 4.1.2 syntax, RFC 1870 SIZE, RFC 6152 BODY), and the
 * mail transaction they build up.
 */

import { REPLY, type Reply } from "./replies";

const ATEXT = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]";
const DOT_STRING = `${ATEXT}+(?:\\.${ATEXT}+)*`;
const QUOTED_STRING = '"(?:[\\x20\\x21\\x23-\\x5b\\x5d-\\x7e]|\\\\[\\x20-\\x7e])*"';
const LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?";
const DOMAIN = `${LABEL}(?:\\.${LABEL})*`;
const ADDRESS_LITERAL = "\\[[\\x21-\\x5a\\x5e-\\x7e]+\\]";

/** `Local-part "@" ( Domain / address-literal )`, ASCII only (no SMTPUTF8). */
const MAILBOX = new RegExp(`^(?:${DOT_STRING}|${QUOTED_STRING})@(?:${DOMAIN}|${ADDRESS_LITERAL})$`);

/** What HELO/EHLO accept as the client's name: a host name (underscores tolerated) or an address literal. */
const HELO_NAME = /^(?:[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\.?|\[[\x21-\x5a\x5e-\x7e]+\])$/;

/** RFC 5321 section 4.5.3.1: the longest local part, domain and path. */
const MAX_LOCAL_PART = 64;
const MAX_DOMAIN = 255;
const MAX_PATH = 256;

/** A mail transaction: what MAIL FROM and RCPT TO have said so far. */
export class Transaction {
  /** Recipients accepted so far. */
  readonly recipients: string[] = [];
  /** The body is coming in BDAT chunks (so DATA may not follow). */
  chunked = false;

  /**
   * @param sender the reverse-path, without angle brackets ("" for the null sender `<>`)
   * @param declaredSize the `SIZE=` parameter, or -1
   * @param eightBit whether `BODY=8BITMIME` was given
   */
  constructor(
    readonly sender: string,
    readonly declaredSize: number,
    readonly eightBit: boolean,
  ) {}
}

/** Whether `name` is acceptable as the argument of HELO/EHLO. */
export function isHeloName(name: string): boolean {
  return name.length > 0 && name.length <= MAX_DOMAIN && HELO_NAME.test(name);
}

/** Whether `mailbox` (without angle brackets or source route) is a valid ASCII mailbox. */
export function isMailbox(mailbox: string): boolean {
  const at = mailbox.lastIndexOf("@");
  return at > 0 && at <= MAX_LOCAL_PART && mailbox.length - at - 1 <= MAX_DOMAIN && MAILBOX.test(mailbox);
}

/** A path and what follows it on the command line. */
interface PathAndParameters {
  /** Between the angle brackets. */
  path: string;
  /** The parameters after the closing bracket, split at spaces. */
  parameters: string[];
}

/**
 * Splits `FROM:<path> params` (or `TO:`) after the keyword: the path ends at
 * the first `>` outside a quoted string. Spaces after the colon are
 * tolerated (many clients send `MAIL FROM: <a@b>`). Null if malformed.
 */
function splitPath(argument: string, keyword: string): PathAndParameters | null {
  if (argument.length < keyword.length || argument.slice(0, keyword.length).toUpperCase() !== keyword) return null;
  let i = keyword.length;
  while (argument.charCodeAt(i) === 32) i++;
  if (argument.charCodeAt(i) !== 60 /* < */) return null;
  const open = i;
  let quoted = false;
  for (i = open + 1; i < argument.length; i++) {
    const c = argument.charCodeAt(i);
    if (quoted && c === 92 /* \ */) i++;
    else if (c === 34 /* " */) quoted = !quoted;
    else if (c === 62 /* > */ && !quoted) break;
  }
  if (i >= argument.length || i - open + 1 > MAX_PATH) return null;
  const rest = argument.slice(i + 1);
  if (rest.length > 0 && rest.charCodeAt(0) !== 32) return null;
  const parameters = rest.length === 0 ? [] : rest.split(" ").filter((p) => p.length > 0);
  return { path: argument.slice(open + 1, i), parameters };
}

/** Drops an obsolete source route (`@a,@b:user@c` becomes `user@c`), which RFC 5321 says to accept and ignore. */
function withoutSourceRoute(path: string): string {
  if (path.charCodeAt(0) !== 64 /* @ */) return path;
  const colon = path.indexOf(":");
  return colon < 0 ? path : path.slice(colon + 1);
}

/**
 * Parses the argument of MAIL (`FROM:<sender> [SIZE=n] [BODY=...]
 * [AUTH=...]`) into a transaction, or returns the error reply: 501 for
 * syntax, 552 for a declared size over `maxMessageSize`, 555 for an unknown
 * parameter.
 */
export function parseMailFrom(argument: string, maxMessageSize: number): Transaction | Reply {
  const split = splitPath(argument, "FROM:");
  if (split === null) return REPLY.mailSyntax;
  const sender = withoutSourceRoute(split.path);
  if (sender.length > 0 && !isMailbox(sender)) return REPLY.badSender;
  let size = -1;
  let body: string | null = null;
  for (const parameter of split.parameters) {
    const eq = parameter.indexOf("=");
    const key = (eq < 0 ? parameter : parameter.slice(0, eq)).toUpperCase();
    const value = eq < 0 ? null : parameter.slice(eq + 1);
    if (key === "SIZE") {
      if (size >= 0) return REPLY.duplicateParameter;
      if (value === null || !/^[0-9]{1,20}$/.test(value)) return REPLY.badSize;
      size = Number(value);
      if (size > maxMessageSize) return REPLY.tooBig;
    } else if (key === "AUTH") {
      // RFC 4954 section 5: the identity that submitted the message; accepted (as xtext) and not passed on.
      if (value === null || !/^(?:<>|[\x21-\x2a\x2c-\x3c\x3e-\x7e]|\+[0-9A-F]{2})+$/.test(value)) return REPLY.mailSyntax;
    } else if (key === "BODY") {
      if (body !== null) return REPLY.duplicateParameter;
      body = value === null ? "" : value.toUpperCase();
      if (body !== "7BIT" && body !== "8BITMIME") return REPLY.badBody;
    } else {
      return REPLY.unsupportedParameter;
    }
  }
  return new Transaction(sender, size, body === "8BITMIME");
}

/**
 * Parses the argument of RCPT (`TO:<recipient>`) into the recipient address,
 * or returns the error reply. `<Postmaster>` without a domain is accepted
 * (RFC 5321 section 4.5.1); no parameters are supported (555).
 */
export function parseRcptTo(argument: string): { recipient: string } | Reply {
  const split = splitPath(argument, "TO:");
  if (split === null) return REPLY.rcptSyntax;
  const recipient = withoutSourceRoute(split.path);
  if (!isMailbox(recipient) && recipient.toLowerCase() !== "postmaster") return REPLY.badRecipient;
  if (split.parameters.length > 0) return REPLY.unsupportedParameter;
  return { recipient };
}
