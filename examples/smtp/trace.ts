/**
 * The trace header a receiving server puts on top of each message it
 * accepts (RFC 5321 section 4.4, "with" types from RFC 3848), and the
 * RFC 5322 date it ends with.
 */

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function twoDigits(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** `date` as an RFC 5322 date-time in UTC, e.g. `Tue, 1 Jul 2025 10:52:37 +0000`. */
export function rfc5322Date(date: Date): string {
  const time = `${twoDigits(date.getUTCHours())}:${twoDigits(date.getUTCMinutes())}:${twoDigits(date.getUTCSeconds())}`;
  return `${DAYS[date.getUTCDay()]}, ${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()} ${time} +0000`;
}

/**
 * A client's IP address as an RFC 5321 address literal (`[192.0.2.1]`,
 * `[IPv6:2001:db8::1]`; an IPv4-mapped IPv6 address is shown as IPv4), or
 * null when unknown.
 */
export function addressLiteral(address: string | undefined): string | null {
  if (address === undefined || address.length === 0) return null;
  if (address.startsWith("::ffff:") && address.includes(".")) return `[${address.slice(7)}]`;
  return address.includes(":") ? `[IPv6:${address}]` : `[${address}]`;
}

/** What a Received header records about one message. */
export interface TraceInfo {
  /** The name the client gave in HELO/EHLO. */
  helo: string;
  /** The client's address literal, or null. */
  clientAddress: string | null;
  /** This server's name. */
  hostname: string;
  /** EHLO was used. */
  esmtp: boolean;
  /** The session runs over TLS. */
  secure: boolean;
  /** The client authenticated (AUTH). */
  authenticated: boolean;
  /** The queue id given in the 250 reply. */
  id: string;
  /** The envelope recipients (named in a `for` clause only when there is one). */
  recipients: readonly string[];
  /** When the message was received. */
  date: Date;
}

/**
 * The `Received:` header, folded over three lines, CRLF included:
 *
 * ```
 * Received: from client.example ([192.0.2.1])
 * 	by mx.example with ESMTPS id 19A2B3C4D5E
 * 	for <you@example.test>; Tue, 1 Jul 2025 10:52:37 +0000
 * ```
 */
export function receivedHeader(info: TraceInfo): string {
  const from = info.clientAddress === null ? info.helo : `${info.helo} (${info.clientAddress})`;
  const protocol = info.esmtp ? `ESMTP${info.secure ? "S" : ""}${info.authenticated ? "A" : ""}` : "SMTP";
  const recipient = info.recipients.length === 1 ? `\r\n\tfor <${info.recipients[0]}>` : "";
  return `Received: from ${from}\r\n\tby ${info.hostname} with ${protocol} id ${info.id}${recipient}; ${rfc5322Date(info.date)}\r\n`;
}
