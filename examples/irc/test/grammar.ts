/**
 * The IRC message grammar (RFC 1459 section 2.3.1, RFC 2812 section 2.3.1,
 * and the modern client protocol at modern.ircdocs.horse), as a check the
 * tests run over every line the server sends:
 *
 * ```
 * message  = [ ":" prefix SPACE ] command [ params ] CRLF      at most 512 bytes
 * prefix   = servername / ( nickname [ "!" user ] [ "@" host ] )
 * command  = 1*letter / 3digit
 * params   = *14( SPACE middle ) [ SPACE ":" trailing ]         at most 15
 * middle   = nospcrlfcl *( ":" / nospcrlfcl )                   never empty
 * trailing = *( ":" / " " / nospcrlfcl )
 * ```
 *
 * On top of the syntax, what clients rely on: a numeric's first parameter
 * is the client's nickname (or `*`), and the messages and numerics whose
 * last parameter is free text or a new nickname (`NICK`, `PRIVMSG`, `QUIT`,
 * `ERROR`, ...) write it in the trailing form, `NICK :bobby`: clients such
 * as ii read it from there.
 */

/** A line split into its parts, with whether its last parameter was written after a `:`. */
export interface ParsedLine {
  prefix: string | null;
  command: string;
  params: string[];
  trailing: boolean;
}

const NICK = /^[A-Za-z[\]\\^_`{|}][A-Za-z0-9[\]\\^_`{|}-]*$/;
const USER = /^[^\0\r\n @]+$/;
const HOST = /^[A-Za-z0-9.:-]+$/;
const SERVER = /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$/;

/** Messages whose last parameter is text or a nickname: it must be trailing. */
const TRAILING_LAST = new Set(["NICK", "PRIVMSG", "NOTICE", "QUIT", "ERROR", "TOPIC", "AWAY"]);
/** Messages whose last parameter is trailing when there is more than the given count (a reason). */
const TRAILING_AFTER: Readonly<Record<string, number>> = { PART: 1, KICK: 2 };
/** Numerics whose last parameter is one word (a mode string, a time, a mask...); every other numeric ends in text. */
const WORD_LAST_NUMERICS = new Set(["004", "221", "324", "329", "333", "341", "367"]);

/** Splits a line (without CR LF) into its parts, or returns why it is not an IRC message. */
export function parseLine(line: string): ParsedLine | string {
  if (/[\0\r\n]/.test(line)) return "NUL, CR or LF inside the line";
  let rest = line;
  let prefix: string | null = null;
  if (rest.startsWith(":")) {
    const space = rest.indexOf(" ");
    if (space < 0) return "a prefix and nothing else";
    prefix = rest.slice(1, space);
    rest = rest.slice(space + 1);
    const problem = checkPrefix(prefix);
    if (problem !== null) return problem;
  }
  const space = rest.indexOf(" ");
  const command = space < 0 ? rest : rest.slice(0, space);
  if (!/^([A-Za-z]+|[0-9]{3})$/.test(command)) return `command ${JSON.stringify(command)} is neither letters nor three digits`;
  const params: string[] = [];
  let trailing = false;
  let at = space < 0 ? rest.length : space;
  while (at < rest.length) {
    if (rest[at] !== " ") return "parameters not separated by one space";
    at++;
    if (rest[at] === ":") {
      params.push(rest.slice(at + 1));
      trailing = true;
      break;
    }
    const end = rest.indexOf(" ", at);
    const middle = rest.slice(at, end < 0 ? rest.length : end);
    if (middle === "") return "an empty middle parameter (two spaces in a row, or a space at the end)";
    params.push(middle);
    at = end < 0 ? rest.length : end;
  }
  if (params.length > 15) return `${params.length} parameters, more than 15`;
  return { prefix, command: command.toUpperCase(), params, trailing };
}

function checkPrefix(prefix: string): string | null {
  const bang = prefix.indexOf("!");
  const at = prefix.indexOf("@");
  if (bang < 0 && at < 0) return NICK.test(prefix) || SERVER.test(prefix) ? null : `prefix ${JSON.stringify(prefix)} is neither a nickname nor a server name`;
  const nick = prefix.slice(0, bang >= 0 ? bang : at);
  if (!NICK.test(nick)) return `prefix nickname ${JSON.stringify(nick)} is not a nickname`;
  if (bang >= 0) {
    const user = prefix.slice(bang + 1, at >= 0 ? at : prefix.length);
    if (at < bang || !USER.test(user)) return `prefix user ${JSON.stringify(user)} is malformed`;
  }
  if (at >= 0 && !HOST.test(prefix.slice(at + 1))) return `prefix host ${JSON.stringify(prefix.slice(at + 1))} is malformed`;
  return null;
}

/**
 * Why `line` (without CR LF) is not a well-formed line from this server to
 * `nick`, or null when it is. `nick` is the client's nickname when the line
 * was sent, if known (numerics then name it or `*`).
 */
export function checkServerLine(line: string, nick?: string): string | null {
  if (Buffer.byteLength(line, "utf8") + 2 > 512) return `${Buffer.byteLength(line, "utf8") + 2} bytes, more than 512`;
  const parsed = parseLine(line);
  if (typeof parsed === "string") return parsed;
  const { command, params, trailing } = parsed;
  if (/^[0-9]{3}$/.test(command)) {
    if (parsed.prefix === null) return "a numeric without the server as its prefix";
    const target = params[0];
    if (target === undefined) return "a numeric without its target";
    if (target !== "*" && !NICK.test(target)) return `numeric target ${JSON.stringify(target)} is not a nickname`;
    if (nick !== undefined && target !== "*" && target !== nick && command !== "001") return `numeric sent to ${JSON.stringify(target)}, not to ${JSON.stringify(nick)}`;
    if (params.length > 1 && !WORD_LAST_NUMERICS.has(command) && !trailing) return `numeric ${command} does not end in a trailing parameter`;
    return null;
  }
  if (TRAILING_LAST.has(command) && params.length > 0 && !trailing) return `${command} whose last parameter is not in the trailing form`;
  const after = TRAILING_AFTER[command];
  if (after !== undefined && params.length > after && !trailing) return `${command} whose reason is not in the trailing form`;
  return null;
}
