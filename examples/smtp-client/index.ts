/**
 * An SMTP client on `Protocol` (see README.md): `SmtpClient.connect`,
 * `client.send`, `client.quit`, and its errors.
 */

export { SmtpClient, type OutgoingMessage, type SendResult, type SmtpClientOptions, type StartTlsPolicy } from "./client";
export { SmtpClientError, SmtpClientErrorCode, SmtpReplyError } from "./errors";
export { type SmtpReply, isPositive, parseCapabilities } from "./reply";
export { type MessageSource } from "./body";
