/**
 * SMTP replies (RFC 5321 section 4.2): a three-digit code, a separator
 * (`-` on every line but the last), text; enhanced status codes (RFC 3463)
 * when the text starts with one. {@link ReplyReader} gathers the lines of
 * one reply.
 */

import { SmtpClientError, SmtpClientErrorCode } from "./errors";

/** One complete reply. */
export interface SmtpReply {
  /** The three-digit code. */
  readonly code: number;
  /** The enhanced status code (`2.1.0`) at the start of the first line, or null. */
  readonly enhanced: string | null;
  /** The text of each line, without code and separator. */
  readonly lines: readonly string[];
}

/** The most lines one reply may have; an EHLO reply has a dozen. */
export const MAX_REPLY_LINES = 256;

const ENHANCED = /^([245]\.\d{1,3}\.\d{1,3})(?: |$)/;

/** Whether `reply` is a positive completion (2xx). */
export function isPositive(reply: SmtpReply): boolean {
  return reply.code >= 200 && reply.code < 300;
}

/** Gathers reply lines; {@link line} returns the reply once its last line has come. */
export class ReplyReader {
  #code = 0;
  #lines: string[] = [];

  /** Takes one line (without CRLF); the complete reply after its last line, else null. Throws on a malformed line. */
  line(text: string): SmtpReply | null {
    const c0 = text.charCodeAt(0) - 48;
    const c1 = text.charCodeAt(1) - 48;
    const c2 = text.charCodeAt(2) - 48;
    const separator = text.length > 3 ? text[3] : " ";
    if (!(c0 >= 2 && c0 <= 5 && c1 >= 0 && c1 <= 9 && c2 >= 0 && c2 <= 9) || (separator !== " " && separator !== "-")) {
      throw new SmtpClientError(SmtpClientErrorCode.PROTOCOL, `not an SMTP reply line: ${JSON.stringify(text.slice(0, 80))}`);
    }
    const code = c0 * 100 + c1 * 10 + c2;
    if (this.#lines.length > 0 && code !== this.#code) {
      throw new SmtpClientError(SmtpClientErrorCode.PROTOCOL, `a reply line with code ${code} inside a ${this.#code} reply`);
    }
    this.#code = code;
    this.#lines.push(text.length > 4 ? text.slice(4) : "");
    if (separator === "-") {
      if (this.#lines.length >= MAX_REPLY_LINES) throw new SmtpClientError(SmtpClientErrorCode.PROTOCOL, `a reply of more than ${MAX_REPLY_LINES} lines`);
      return null;
    }
    const lines = this.#lines;
    this.#lines = [];
    return { code, enhanced: ENHANCED.exec(lines[0]!)?.[1] ?? null, lines };
  }
}

/** The EHLO keywords and their parameters (upper-case keyword → the rest of its line). */
export function parseCapabilities(ehlo: SmtpReply): Map<string, string> {
  const capabilities = new Map<string, string>();
  for (const line of ehlo.lines.slice(1)) {
    const space = line.indexOf(" ");
    capabilities.set((space < 0 ? line : line.slice(0, space)).toUpperCase(), space < 0 ? "" : line.slice(space + 1).trim());
  }
  return capabilities;
}
