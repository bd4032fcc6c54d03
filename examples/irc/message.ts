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
 * Formats a line for the wire, CR LF included.
 *
 * Each of `params` must be one word: one that is empty, has a space or
 * starts with `:` is sent as `*` (so echoing a malformed name back cannot
 * break the line) — except the last one when there is no `trailing`, which
 * gets a `:` instead when it needs one. `trailing`, the free text of a
 * message (PRIVMSG text, a reason, a numeric's description), is always
 * written after a `:`. A line that would pass {@link MAX_LINE_BYTES} has its
 * last parameter shortened on a character boundary, as servers do when
 * relaying long messages.
 *
 * @param prefix the source (`server.name` or `nick!user@host`), or null for none
 * @param command a command or three-digit numeric
 * @param params the middle parameters
 * @param trailing the trailing parameter, if any
 */
export function formatMessage(prefix: string | null, command: string, params: readonly string[], trailing?: string): string {
  let head = prefix === null ? command : `:${prefix} ${command}`;
  let last = trailing;
  const middle = trailing === undefined ? params.length - 1 : params.length;
  for (let i = 0; i < middle; i++) {
    const param = params[i]!;
    head += param === "" || param.charCodeAt(0) === 0x3a || param.includes(" ") ? " *" : ` ${param}`;
  }
  if (last === undefined) {
    if (middle < 0) return `${head}\r\n`;
    last = params[middle]!;
    head += last === "" || last.includes(" ") || last.charCodeAt(0) === 0x3a ? " :" : " ";
  } else {
    head += " :";
  }
  const room = MAX_LINE_CONTENT - Buffer.byteLength(head);
  if (last.length > room / 3 && Buffer.byteLength(last) > room) last = utf8Prefix(last, room);
  return `${head}${last}\r\n`;
}
