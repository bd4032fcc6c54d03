/**
 * The SMTP server's options, their defaults, and the per-server context
 * every session shares (limits, precomputed replies, the TLS context, the
 * Maildir).
 */

import * as os from "node:os";
import * as tls from "node:tls";
import type { AsyncChatOptions } from "@asynchat/core";
import type { Authenticator } from "./auth";
import type { FileIoMode } from "./file-io";
import { Maildir } from "./maildir";
import { type AuthOffer, type ServerReplies, serverReplies } from "./replies";

/** RFC 5321 section 4.5.3.1.4: the longest command line, CRLF included. */
export const MAX_COMMAND_LINE = 512;

/** Options of the SMTP server. Every limit has a finite default. */
export interface SmtpServerOptions {
  /** The Maildir folder messages are delivered to; created if missing. */
  maildir: string;
  /** The name the server gives in its greeting, EHLO reply and Received headers. Default: the OS host name. */
  hostname?: string;
  /** The largest message accepted, in bytes, advertised as `SIZE`. Default 10 MiB. */
  maxMessageSize?: number;
  /** Most recipients per message; more get 452. Default 100 (the least RFC 5321 lets a server accept). */
  maxRecipients?: number;
  /** Failed commands a connection may make (without delivering a message) before it is closed with 421. Default 20. */
  maxErrors?: number;
  /**
   * Bytes of an over-long command line the server reads and drops after
   * answering it with 500. A client that goes on sending the same line past
   * this is told 421 and dropped, instead of being read to the end of a line
   * that may never end. Default 64 KiB (128 times the longest valid line).
   */
  maxDiscardedLine?: number;
  /** A PEM key and certificate. With them STARTTLS is advertised; without, it is not. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** Milliseconds the TLS handshake after STARTTLS may take. Default 10 s. */
  tlsHandshakeTimeout?: number;
  /** Milliseconds without traffic before the server says 421 and closes. Default 5 min (RFC 5321 section 4.5.3.2.7). */
  idleTimeout?: number;
  /**
   * Milliseconds from the first byte of a line (command or body line) to its
   * CRLF before the server says 421 and closes: a client dribbling a line
   * one byte at a time (slowloris) cannot hold the connection. Default 60 s.
   */
  frameTimeout?: number;
  /** Most connections at once; more are told 421 and closed. Default 1000. */
  maxConnections?: number;
  /** Milliseconds `close()` lets sessions finish the message under way before closing them. Default 10 s. */
  closeTimeout?: number;
  /** `fsync` each message before it is renamed into `new/` and acknowledged. Default true. */
  fsync?: boolean;
  /**
   * How delivery makes its file operations: `"async"` on libuv's thread
   * pool (the event loop never waits for the disk), or `"sync"` on the
   * event loop's thread: less CPU per message (no thread hand-offs), but
   * every connection waits while a call runs, so only for a Maildir on a
   * RAM disk or with `fsync: false`. Default `"async"`.
   */
  fileIo?: FileIoMode;
  /**
   * The check behind `AUTH PLAIN` and `AUTH LOGIN` (RFC 4954), e.g.
   * `(await UsersFile.load(path)).authenticator`. Without it AUTH is not
   * offered and answered `503 5.5.1`.
   */
  authenticate?: Authenticator;
  /**
   * Offer AUTH on plaintext connections too. Default false: AUTH is offered
   * only after STARTTLS, so passwords never cross the network in the clear
   * (then a certificate is required).
   */
  authOverPlaintext?: boolean;
  /** MAIL FROM is refused with `530 5.7.0` until the client has authenticated (a submission server). Default false. */
  requireAuth?: boolean;
  /** Milliseconds a failed AUTH waits before its `535`, which slows down password guessing. Default 1000 (0: none). */
  authFailureDelay?: number;
}

/** The defaults of the optional {@link SmtpServerOptions}. */
export const SMTP_DEFAULTS = Object.freeze({
  maxMessageSize: 10 * 1024 * 1024,
  maxRecipients: 100,
  maxErrors: 20,
  maxDiscardedLine: 64 * 1024,
  tlsHandshakeTimeout: 10_000,
  idleTimeout: 5 * 60_000,
  frameTimeout: 60_000,
  maxConnections: 1000,
  closeTimeout: 10_000,
  fsync: true,
  fileIo: "async" as FileIoMode,
  authOverPlaintext: false,
  requireAuth: false,
  authFailureDelay: 1000,
});

/** What every session of one server shares. */
export interface SmtpContext {
  /** The server's name (greeting, EHLO, Received). */
  readonly hostname: string;
  /** The replies that depend on the configuration. */
  readonly replies: ServerReplies;
  /** Where messages are delivered. */
  readonly maildir: Maildir;
  /** See {@link SmtpServerOptions.maxMessageSize}. */
  readonly maxMessageSize: number;
  /** See {@link SmtpServerOptions.maxRecipients}. */
  readonly maxRecipients: number;
  /** See {@link SmtpServerOptions.maxErrors}. */
  readonly maxErrors: number;
  /** See {@link SmtpServerOptions.maxDiscardedLine}. */
  readonly maxDiscardedLine: number;
  /** The TLS context for STARTTLS, or null when no certificate is configured. */
  readonly secureContext: tls.SecureContext | null;
  /** See {@link SmtpServerOptions.tlsHandshakeTimeout}. */
  readonly tlsHandshakeTimeout: number;
  /** The channel options of each session (timeouts). */
  readonly channelOptions: AsyncChatOptions;
  /** See {@link SmtpServerOptions.authenticate}; null when AUTH is off. */
  readonly authenticate: Authenticator | null;
  /** Where AUTH is offered. */
  readonly authOffer: AuthOffer;
  /** See {@link SmtpServerOptions.requireAuth}. */
  readonly requireAuth: boolean;
  /** See {@link SmtpServerOptions.authFailureDelay}. */
  readonly authFailureDelay: number;
  /** The server is shutting down: sessions finish their message and leave, new ones are turned away. */
  closing: boolean;
}

/** The option `key` (or its default), checked to be a positive integer. */
export function positiveInteger(
  options: SmtpServerOptions,
  key: Exclude<keyof typeof SMTP_DEFAULTS, "fsync" | "fileIo" | "authOverPlaintext" | "requireAuth" | "authFailureDelay">,
): number {
  const value = options[key] ?? SMTP_DEFAULTS[key];
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`The SMTP server option "${key}" must be a positive integer, got ${String(value)}`);
  }
  return value;
}

/** Validates the options, opens the Maildir and builds the shared context. */
export async function createContext(options: SmtpServerOptions): Promise<SmtpContext> {
  if (typeof options.maildir !== "string" || options.maildir.length === 0) {
    throw new TypeError(`The SMTP server option "maildir" must be a folder path, got ${String(options.maildir)}`);
  }
  const hostname = options.hostname ?? os.hostname();
  if (!/^[A-Za-z0-9.-]+$/.test(hostname)) throw new RangeError(`The SMTP server option "hostname" must be a domain name, got ${hostname}`);
  const maxMessageSize = positiveInteger(options, "maxMessageSize");
  const secureContext = options.tls === undefined ? null : tls.createSecureContext({ key: options.tls.key, cert: options.tls.cert });
  const auth = authSettings(options, secureContext !== null);
  const fileIo = options.fileIo ?? SMTP_DEFAULTS.fileIo;
  if (fileIo !== "async" && fileIo !== "sync") throw new RangeError(`The SMTP server option "fileIo" must be "async" or "sync", got ${String(fileIo)}`);
  const maildir = await Maildir.open(options.maildir, { fsync: options.fsync ?? SMTP_DEFAULTS.fsync, io: fileIo });
  return {
    hostname,
    replies: serverReplies(hostname, maxMessageSize, secureContext !== null, auth.authOffer),
    maildir,
    maxMessageSize,
    maxRecipients: positiveInteger(options, "maxRecipients"),
    maxErrors: positiveInteger(options, "maxErrors"),
    maxDiscardedLine: positiveInteger(options, "maxDiscardedLine"),
    secureContext,
    tlsHandshakeTimeout: positiveInteger(options, "tlsHandshakeTimeout"),
    channelOptions: {
      idleTimeout: positiveInteger(options, "idleTimeout"),
      frameTimeout: positiveInteger(options, "frameTimeout"),
    },
    ...auth,
    closing: false,
  };
}

/** The AUTH part of the context, checked: a configuration in which AUTH could never be used is an error, not a silent "off". */
function authSettings(options: SmtpServerOptions, tls: boolean): Pick<SmtpContext, "authenticate" | "authOffer" | "requireAuth" | "authFailureDelay"> {
  const authenticate = options.authenticate ?? null;
  if (authenticate !== null && typeof authenticate !== "function") {
    throw new TypeError(`The SMTP server option "authenticate" must be a function, got ${typeof authenticate}`);
  }
  const overPlaintext = options.authOverPlaintext ?? SMTP_DEFAULTS.authOverPlaintext;
  const requireAuth = options.requireAuth ?? SMTP_DEFAULTS.requireAuth;
  const authFailureDelay = options.authFailureDelay ?? SMTP_DEFAULTS.authFailureDelay;
  if (typeof authFailureDelay !== "number" || !Number.isSafeInteger(authFailureDelay) || authFailureDelay < 0) {
    throw new RangeError(`The SMTP server option "authFailureDelay" must be an integer >= 0, got ${String(authFailureDelay)}`);
  }
  if (requireAuth && authenticate === null) throw new RangeError('The SMTP server option "requireAuth" needs "authenticate"');
  if (authenticate !== null && !tls && !overPlaintext) {
    throw new RangeError('With "authenticate" the SMTP server needs "tls" (AUTH is offered after STARTTLS) or "authOverPlaintext: true"');
  }
  const authOffer: AuthOffer = authenticate === null ? "off" : overPlaintext ? "always" : "tls";
  return { authenticate, authOffer, requireAuth, authFailureDelay };
}
