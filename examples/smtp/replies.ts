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
  authSucceeded: "235 2.7.0 Authentication successful\r\n",

  shuttingDown: "421 4.3.2 Service shutting down, closing connection\r\n",
  tooManyConnections: "421 4.3.2 Too many connections, try again later\r\n",
  timeout: "421 4.4.2 Timeout exceeded, closing connection\r\n",
  tooManyErrors: "421 4.7.0 Too many errors, closing connection\r\n",
  lineNeverEnds: "421 4.5.0 Error: line too long, closing connection\r\n",
  localError: "451 4.3.0 Local error in processing, try again later\r\n",
  tooManyRecipients: "452 4.5.3 Too many recipients\r\n",
  authTemporaryFailure: "454 4.7.0 Temporary authentication failure\r\n",

  unknownCommand: "500 5.5.2 Error: command not recognized\r\n",
  lineTooLong: "500 5.5.2 Error: line too long\r\n",
  bareLineFeed: "500 5.5.2 Error: command lines must end with <CR><LF>\r\n",
  bareCarriageReturn: "500 5.5.2 Error: bare <CR> in a command line\r\n",
  noArguments: "501 5.5.4 Syntax error: this command takes no arguments\r\n",
  heloSyntax: "501 5.5.4 Syntax: HELO domain\r\n",
  ehloSyntax: "501 5.5.4 Syntax: EHLO domain\r\n",
  mailSyntax: "501 5.5.4 Syntax: MAIL FROM:<address> [SIZE=n] [BODY=7BIT|8BITMIME]\r\n",
  rcptSyntax: "501 5.5.4 Syntax: RCPT TO:<address>\r\n",
  vrfySyntax: "501 5.5.4 Syntax: VRFY address\r\n",
  authSyntax: "501 5.5.4 Syntax: AUTH mechanism [initial-response]\r\n",
  bdatSyntax: "501 5.5.4 Syntax: BDAT size [LAST]\r\n",
  authCancelled: "501 5.7.0 Authentication cancelled\r\n",
  badBase64: "501 5.5.2 Error: the response is not valid base64\r\n",
  badPlain: "501 5.5.2 Error: malformed PLAIN response\r\n",
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
  authNotEnabled: "503 5.5.1 Error: authentication not enabled\r\n",
  alreadyAuthenticated: "503 5.5.1 Error: already authenticated\r\n",
  authInTransaction: "503 5.5.1 Error: MAIL transaction in progress\r\n",
  dataAfterBdat: "503 5.5.1 Error: DATA cannot follow BDAT in one transaction\r\n",
  unknownMechanism: "504 5.5.4 Unrecognized authentication type\r\n",
  authRequired: "530 5.7.0 Authentication required\r\n",
  authFailed: "535 5.7.8 Error: authentication failed\r\n",
  encryptionRequired: "538 5.7.11 Encryption required for requested authentication mechanism\r\n",
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

/** Where AUTH is offered: nowhere, only over TLS (after STARTTLS), or on plaintext connections too. */
export type AuthOffer = "off" | "tls" | "always";

/** The `AUTH` keyword of the EHLO reply. */
export const AUTH_KEYWORD = "AUTH PLAIN LOGIN";

/** Builds the per-server replies. */
export function serverReplies(hostname: string, maxMessageSize: number, startTls: boolean, auth: AuthOffer = "off"): ServerReplies {
  const ehlo = (keywords: string[]): string => {
    const lines = [hostname, ...keywords];
    return lines.map((line, i) => `250${i === lines.length - 1 ? " " : "-"}${line}\r\n`).join("");
  };
  const common = ["PIPELINING", `SIZE ${maxMessageSize}`, "8BITMIME", "ENHANCEDSTATUSCODES", "CHUNKING"];
  const plain = auth === "always" ? [...common, AUTH_KEYWORD] : common;
  const secure = auth === "off" ? common : [...common, AUTH_KEYWORD];
  const commands = [
    "HELO", "EHLO", "MAIL", "RCPT", "DATA", "BDAT", "RSET", "NOOP", "QUIT", "VRFY", "HELP",
    ...(startTls ? ["STARTTLS"] : []),
    ...(auth === "off" ? [] : ["AUTH"]),
  ];
  return Object.freeze({
    greeting: `220 ${hostname} ESMTP ready\r\n`,
    helo: `250 ${hostname}\r\n`,
    ehlo: ehlo(startTls ? [...plain, "STARTTLS"] : plain),
    ehloSecure: ehlo(secure),
    help: `214 2.0.0 Commands: ${commands.join(" ")}\r\n`,
  });
}

/** `250 2.0.0 Ok: <n> octets received`, the reply to a BDAT chunk that is not the last. */
export function chunkReply(size: number): string {
  return `250 2.0.0 Ok: ${size} octets received\r\n`;
}

/** `250 2.0.0 Ok: queued as <id>`, the reply to a delivered message. */
export function queuedReply(id: string): string {
  return `250 2.0.0 Ok: queued as ${id}\r\n`;
}
