/**
 * IRC message syntax (RFC 1459 section 2.3.1): parsing a client's line into
 * a command and parameters, and formatting lines for the wire.
 */

/** A command received from a client. */
export interface Message {
  /** The command, upper-cased (`PRIVMSG`, `JOIN`, ...). */
  command: string;
  /** The parameters; the trailing one (after ` :`) may contain spaces. */
  params: string[];
}

/** Longest line on the wire, CR LF included (RFC 1459 section 2.3). */
export const MAX_LINE_BYTES = 512;

/** Longest line before its line ending. */
export const MAX_LINE_CONTENT = MAX_LINE_BYTES - 2;

/**
 * Parses one line (without its line ending). Message tags (`@...`) and a
 * prefix (`:...`) are skipped: a client does not get to say who it is.
 * NUL and lone CR characters are removed, so that no relayed text can end a
 * line early at a peer. Returns null for a line with no command.
 */
export function parseMessage(raw: string): Message | null {
  let line = raw;
  if (line.includes("\r") || line.includes("\0")) line = line.replace(/[\r\0]/g, "");
  let i = 0;
  const n = line.length;
  const skipSpaces = (): void => {
    while (i < n && line.charCodeAt(i) === 0x20) i++;
  };
  const word = (): string => {
    const start = i;
    while (i < n && line.charCodeAt(i) !== 0x20) i++;
    return line.slice(start, i);
  };
  skipSpaces();
  if (line.charCodeAt(i) === 0x40 /* @ */) {
    word();
    skipSpaces();
  }
  if (line.charCodeAt(i) === 0x3a /* : */) {
    word();
    skipSpaces();
  }
  const command = word().toUpperCase();
  if (command === "") return null;
  const params: string[] = [];
  for (;;) {
    skipSpaces();
    if (i >= n) break;
    if (line.charCodeAt(i) === 0x3a) {
      params.push(line.slice(i + 1));
      break;
    }
    params.push(word());
  }
  return { command, params };
}

/** The longest prefix of `text` that is at most `limit` bytes of UTF-8 and does not split a character. */
function utf8Prefix(text: string, limit: number): string {
  const bytes = Buffer.from(text, "utf8");
  if (bytes.length <= limit) return text;
  let end = Math.max(0, limit);
  // Back off continuation bytes (10xxxxxx) so a character is not cut in half.
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.toString("utf8", 0, end);
}

/**
 * Formats a line for the wire, CR LF included. The last parameter gets a
 * `:` when it needs one (empty, has a space, starts with `:`); a middle
 * parameter that is not a valid word is sent as `*`. A line that
 * would pass {@link MAX_LINE_BYTES} has its last parameter shortened (on a
 * character boundary), as servers do when relaying long messages.
 *
 * @param prefix the source (`server.name` or `nick!user@host`), or null for none
 * @param command a command or three-digit numeric
 * @param params the parameters; all but the last must be single words
 */
export function formatMessage(prefix: string | null, command: string, params: readonly string[]): string {
  let head = prefix === null ? command : `:${prefix} ${command}`;
  const last = params.length - 1;
  for (let i = 0; i < last; i++) {
    const param = params[i]!;
    // A middle parameter must be one non-empty word not starting with ":"; echoing a malformed name back must not break the line.
    head += param === "" || param.charCodeAt(0) === 0x3a || param.includes(" ") ? " *" : ` ${param}`;
  }
  if (last < 0) return `${head}\r\n`;
  let trailing = params[last]!;
  const colon = trailing === "" || trailing.includes(" ") || trailing.charCodeAt(0) === 0x3a;
  head += colon ? " :" : " ";
  const room = MAX_LINE_CONTENT - Buffer.byteLength(head);
  if (trailing.length * 3 > room && Buffer.byteLength(trailing) > room) trailing = utf8Prefix(trailing, room);
  return `${head}${trailing}\r\n`;
}
