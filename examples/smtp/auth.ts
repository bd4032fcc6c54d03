/**
 * SMTP AUTH (RFC 4954) with the PLAIN (RFC 4616) and LOGIN mechanisms:
 * decoding the client's base64 responses and turning them into
 * credentials for a pluggable check. The exchange itself (334 challenges,
 * the response state) is the session's; this file is pure.
 */

import { REPLY, type Reply } from "./replies";

/** What a client proved it knows, handed to the {@link Authenticator}. */
export interface Credentials {
  /** The authentication identity (PLAIN's authcid, LOGIN's user name). */
  username: string;
  password: string;
  /** `PLAIN` or `LOGIN`. */
  mechanism: Mechanism;
}

/** Some facts about the session asking, for checks that care (rate limits, logging). */
export interface AuthSessionInfo {
  /** The client's address literal, or null. */
  clientAddress: string | null;
  /** The session runs over TLS. */
  secure: boolean;
}

/**
 * The check behind AUTH: true when the credentials are good. A rejection
 * or a throw is a temporary failure (454), not a wrong password.
 */
export type Authenticator = (credentials: Credentials, session: AuthSessionInfo) => boolean | Promise<boolean>;

/** The mechanisms offered, in the order EHLO lists them. */
export const MECHANISMS = ["PLAIN", "LOGIN"] as const;
/** One of {@link MECHANISMS}. */
export type Mechanism = (typeof MECHANISMS)[number];

/** The LOGIN challenges: "Username:" and "Password:" in base64. */
export const LOGIN_USERNAME_CHALLENGE = "334 VXNlcm5hbWU6\r\n";
export const LOGIN_PASSWORD_CHALLENGE = "334 UGFzc3dvcmQ6\r\n";
/** PLAIN's empty challenge (RFC 4954: "334" followed by a space and nothing). */
export const EMPTY_CHALLENGE = "334 \r\n";

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Decodes one client response (RFC 4954 section 4): `*` cancels (501),
 * `=` is an empty initial response (an empty line an empty later one),
 * anything else must be canonical
 * base64 (RFC 4648, padded) or it is refused with 501.
 */
export function decodeResponse(text: string, initial: boolean): Buffer | Reply {
  if (text === "*") return REPLY.authCancelled;
  // An empty initial response is sent as "="; an empty later one as an empty line.
  if (initial ? text === "=" : text.length === 0) return Buffer.alloc(0);
  if (text.length === 0 || !BASE64.test(text)) return REPLY.badBase64;
  return Buffer.from(text, "base64");
}

/**
 * PLAIN's message, `[authzid] NUL authcid NUL passwd` (UTF-8), as
 * credentials; a malformed one is refused with 501, and an authorization
 * identity other than the authentication identity with 535 (this server
 * lets nobody act for someone else).
 */
export function parsePlain(message: Buffer): Credentials | Reply {
  const first = message.indexOf(0);
  const second = first < 0 ? -1 : message.indexOf(0, first + 1);
  if (second < 0 || message.indexOf(0, second + 1) >= 0) return REPLY.badPlain;
  const authzid = message.toString("utf8", 0, first);
  const username = message.toString("utf8", first + 1, second);
  const password = message.toString("utf8", second + 1);
  if (username.length === 0) return REPLY.badPlain;
  if (authzid.length > 0 && authzid !== username) return REPLY.authFailed;
  return { username, password, mechanism: "PLAIN" };
}

/** `AUTH <mechanism> [initial-response]` split; null when the mechanism is missing or there are more words. */
export function parseAuthCommand(argument: string): { mechanism: string; initial: string | null } | null {
  const words = argument.split(" ");
  if (words.length > 2 || words[0]!.length === 0) return null;
  return { mechanism: words[0]!.toUpperCase(), initial: words.length === 2 ? words[1]! : null };
}

/** What the session does after a step of an {@link AuthExchange}. */
export type AuthStep =
  /** Send this challenge and wait for the client's next response line. */
  | { challenge: string }
  /** Check these credentials. */
  | { credentials: Credentials }
  /** Refuse with this reply; the exchange is over. */
  | { refusal: Reply };

/**
 * One AUTH exchange, from the command to the credentials: which
 * mechanism, what has been said so far. Pure: the session sends the
 * challenges and runs the check.
 */
export class AuthExchange {
  readonly mechanism: Mechanism;
  /** LOGIN's user name, once given. */
  #username: string | null = null;

  private constructor(mechanism: Mechanism) {
    this.mechanism = mechanism;
  }

  /** Starts an exchange from `AUTH <mechanism> [initial-response]`; a refusal when the mechanism is unknown. */
  static start(mechanism: string, initial: string | null): { exchange: AuthExchange; step: AuthStep } | { refusal: Reply } {
    if (mechanism !== "PLAIN" && mechanism !== "LOGIN") return { refusal: REPLY.unknownMechanism };
    const exchange = new AuthExchange(mechanism);
    if (initial === null) return { exchange, step: { challenge: mechanism === "PLAIN" ? EMPTY_CHALLENGE : LOGIN_USERNAME_CHALLENGE } };
    return { exchange, step: exchange.#take(initial, true) };
  }

  /** The client's response line to the last challenge. */
  respond(text: string): AuthStep {
    return this.#take(text, false);
  }

  #take(text: string, initial: boolean): AuthStep {
    const decoded = decodeResponse(text, initial);
    if (typeof decoded === "string") return { refusal: decoded };
    if (this.mechanism === "PLAIN") {
      const parsed = parsePlain(decoded);
      return typeof parsed === "string" ? { refusal: parsed } : { credentials: parsed };
    }
    if (this.#username === null) {
      this.#username = decoded.toString("utf8");
      return { challenge: LOGIN_PASSWORD_CHALLENGE };
    }
    return { credentials: { username: this.#username, password: decoded.toString("utf8"), mechanism: "LOGIN" } };
  }
}
