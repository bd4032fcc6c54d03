/**
 * Every reply the server sends, written once. Replies that do not depend on
 * the connection are constants, so answering a command costs one `push` of a
 * string that already exists. Enhanced status codes (RFC 3463) follow the
 * basic code on every reply but the greeting and the EHLO/HELO replies
 * (RFC 2034).
 */

/** The fixed replies, CRLF included. */
export const REPLY = Object.freeze({
  ok: "250 2.0.0 Ok\r\n",
  senderOk: "250 2.1.0 Ok\r\n",
  recipientOk: "250 2.1.5 Ok\r\n",
  startData: "354 End data with <CR><LF>.<CR><LF>\r\n",
  bye: "221 2.0.0 Bye\r\n",
  cannotVerify: "252 2.5.0 Cannot VRFY user, but will accept message and attempt delivery\r\n",
  readyToStartTls: "220 2.0.0 Ready to start TLS\r\n",

  shuttingDown: "421 4.3.2 Service shutting down, closing connection\r\n",
  tooManyConnections: "421 4.3.2 Too many connections, try again later\r\n",
  timeout: "421 4.4.2 Timeout exceeded, closing connection\r\n",
  tooManyErrors: "421 4.7.0 Too many errors, closing connection\r\n",
  lineNeverEnds: "421 4.5.0 Error: line too long, closing connection\r\n",
  localError: "451 4.3.0 Local error in processing, try again later\r\n",
  tooManyRecipients: "452 4.5.3 Too many recipients\r\n",

  unknownCommand: "500 5.5.2 Error: command not recognized\r\n",
  lineTooLong: "500 5.5.2 Error: line too long\r\n",
  bareLineFeed: "500 5.5.2 Error: command lines must end with <CR><LF>\r\n",
  noArguments: "501 5.5.4 Syntax error: this command takes no arguments\r\n",
  heloSyntax: "501 5.5.4 Syntax: HELO domain\r\n",
  ehloSyntax: "501 5.5.4 Syntax: EHLO domain\r\n",
  mailSyntax: "501 5.5.4 Syntax: MAIL FROM:<address> [SIZE=n] [BODY=7BIT|8BITMIME]\r\n",
  rcptSyntax: "501 5.5.4 Syntax: RCPT TO:<address>\r\n",
  vrfySyntax: "501 5.5.4 Syntax: VRFY address\r\n",
  badSender: "501 5.1.7 Bad sender address syntax\r\n",
  badRecipient: "501 5.1.3 Bad recipient address syntax\r\n",
  badSize: "501 5.5.4 Bad SIZE parameter\r\n",
  badBody: "501 5.5.4 Bad BODY parameter, use 7BIT or 8BITMIME\r\n",
  duplicateParameter: "501 5.5.4 Duplicate parameter\r\n",
  notImplemented: "502 5.5.1 Error: command not implemented\r\n",
  tlsNotAvailable: "502 5.5.1 Error: STARTTLS not available\r\n",
  heloFirst: "503 5.5.1 Error: send HELO/EHLO first\r\n",
  nestedMail: "503 5.5.1 Error: nested MAIL command\r\n",
  needMail: "503 5.5.1 Error: need MAIL command\r\n",
  needRecipient: "503 5.5.1 Error: need RCPT command\r\n",
  tlsActive: "503 5.5.1 Error: TLS already active\r\n",
  tooBig: "552 5.3.4 Message size exceeds fixed maximum message size\r\n",
  bareLineEnding: "554 5.6.0 Message rejected: bare <CR> or <LF> in the body (lines must end with <CR><LF>)\r\n",
  unsupportedParameter: "555 5.5.4 Unsupported MAIL FROM/RCPT TO parameter\r\n",
});

/** A reply from {@link REPLY} or one of the per-server replies. */
export type Reply = string;

/** The replies that depend on the server's configuration, computed once per server. */
export interface ServerReplies {
  /** `220 <host> ESMTP ready`. */
  readonly greeting: string;
  /** `250 <host>` (HELO). */
  readonly helo: string;
  /** The EHLO reply on a plaintext connection (STARTTLS included when a certificate is configured). */
  readonly ehlo: string;
  /** The EHLO reply after STARTTLS (no STARTTLS keyword). */
  readonly ehloSecure: string;
  /** The HELP reply. */
  readonly help: string;
}

/** Builds the per-server replies. */
export function serverReplies(hostname: string, maxMessageSize: number, startTls: boolean): ServerReplies {
  const ehlo = (keywords: string[]): string => {
    const lines = [hostname, ...keywords];
    return lines.map((line, i) => `250${i === lines.length - 1 ? " " : "-"}${line}\r\n`).join("");
  };
  const common = ["PIPELINING", `SIZE ${maxMessageSize}`, "8BITMIME", "ENHANCEDSTATUSCODES"];
  const commands = ["HELO", "EHLO", "MAIL", "RCPT", "DATA", "RSET", "NOOP", "QUIT", "VRFY", "HELP", ...(startTls ? ["STARTTLS"] : [])];
  return Object.freeze({
    greeting: `220 ${hostname} ESMTP ready\r\n`,
    helo: `250 ${hostname}\r\n`,
    ehlo: ehlo(startTls ? [...common, "STARTTLS"] : common),
    ehloSecure: ehlo(common),
    help: `214 2.0.0 Commands: ${commands.join(" ")}\r\n`,
  });
}

/** `250 2.0.0 Ok: queued as <id>`, the reply to a delivered message. */
export function queuedReply(id: string): string {
  return `250 2.0.0 Ok: queued as ${id}\r\n`;
}
