/**
 * Parsing and validating the request head (RFC 9112): the request line, each
 * header field line, the framing decision, and chunk-size lines. Pure
 * functions over latin1 strings (one character per byte), written with
 * `indexOf` and character codes, no regular expressions.
 *
 * Each parser returns 0 when the input is fine, or the status code of the
 * error response the request deserves (400, 501, 505).
 */

/** `tchar` of RFC 9110 §5.6.2, indexed by character code. */
const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~") TCHAR[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) TCHAR[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TCHAR[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TCHAR[c] = 1;

/** Value of each hexadecimal digit, -1 for other characters. */
const HEX = new Int8Array(128).fill(-1);
for (let c = 0; c < 10; c++) HEX[0x30 + c] = c;
for (let c = 0; c < 6; c++) {
  HEX[0x41 + c] = 10 + c;
  HEX[0x61 + c] = 10 + c;
}

/** Whether `s` is a non-empty token (a method or a field name). */
export function isToken(s: string): boolean {
  const n = s.length;
  if (n === 0) return false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c > 127 || TCHAR[c] === 0) return false;
  }
  return true;
}

/**
 * Whether a field value holds a character RFC 9110 §5.5 forbids: a control
 * character other than HTAB (NUL included), or DEL. Bytes 0x80-0xFF
 * (obs-text) are allowed. CR and LF never get here: the line framing
 * rejects them.
 */
export function hasForbiddenValueChar(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return true;
  }
  return false;
}

/** Whether every character of `s[from..)` is visible ASCII other than `#` (a request target has no fragment). */
function isTargetText(s: string, from: number): boolean {
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f || c === 0x23) return false;
  }
  return true;
}

/**
 * The request head being read: filled line by line, checked once complete,
 * then handed to the request. One per connection, reset for each request,
 * so its shape never changes.
 */
export class RequestHead {
  /** The method token, as sent (methods are case-sensitive). */
  method = "";
  /** The request target, as sent. */
  target = "";
  /** The path of the target (percent-encoded, as sent). */
  path = "";
  /** The query of the target without its `?`, or "". */
  query = "";
  /** 1 for HTTP/1.1, 0 for HTTP/1.0. */
  minor = 1;
  /** Field lines as a flat list: lowercased name, value, name, value... */
  fields: string[] = [];
  /** The Content-Length, or -1 when absent. */
  contentLength = -1;
  /** The Transfer-Encoding field, lowercased (several joined by ", "), or null. */
  transferEncoding: string | null = null;
  /** How many Host fields were seen. */
  hostCount = 0;
  /** The Connection field has the `close` option. */
  connectionClose = false;
  /** The Connection field has the `keep-alive` option. */
  connectionKeepAlive = false;
  /** The Expect field, lowercased, or null. */
  expect: string | null = null;
  /** When the request line arrived (ms since the epoch), for the header-section deadline. */
  startedAt = 0;

  /** Forgets the previous request (its field list now belongs to its request object). */
  reset(): void {
    this.fields = [];
    this.contentLength = -1;
    this.transferEncoding = null;
    this.hostCount = 0;
    this.connectionClose = false;
    this.connectionKeepAlive = false;
    this.expect = null;
  }
}

/**
 * Parses `method SP request-target SP HTTP-version` into `head`. Exactly one
 * space between the parts; the method must be a token; the target must be
 * origin-form (`/path?query`), absolute-form (`http://host/path`), `*` (for
 * OPTIONS) or authority-form (for CONNECT), in visible ASCII; the version
 * must be `HTTP/1.1` or `HTTP/1.0` (another well-formed `HTTP/x.y` gets 505,
 * except 1.x, answered as 1.1).
 */
export function parseRequestLine(line: string, head: RequestHead): number {
  const sp1 = line.indexOf(" ");
  if (sp1 <= 0) return 400;
  const sp2 = line.indexOf(" ", sp1 + 1);
  if (sp2 < 0 || sp2 === sp1 + 1) return 400;
  // HTTP/1.1 and HTTP/1.0 are recognised in place, without a string for the version.
  const minor = line.length === sp2 + 9 && line.startsWith("HTTP/1.", sp2 + 1) ? line.charCodeAt(sp2 + 8) - 0x30 : -1;
  if (minor === 1 || minor === 0) head.minor = minor;
  else {
    const status = otherVersion(line.slice(sp2 + 1));
    if (status !== 0) return status;
    head.minor = 1;
  }
  const method = line.slice(0, sp1);
  if (!isKnownMethod(method) && !isToken(method)) return 400;
  const target = line.slice(sp1 + 1, sp2);
  head.method = method;
  head.target = target;
  return splitTarget(target, method, head);
}

/** The common methods, recognised without a character loop. */
function isKnownMethod(method: string): boolean {
  switch (method) {
    case "GET":
    case "HEAD":
    case "POST":
    case "PUT":
    case "DELETE":
    case "OPTIONS":
    case "PATCH":
      return true;
    default:
      return false;
  }
}

/** A version other than 1.0 and 1.1: 0 for HTTP/1.x (answered as 1.1), 505 for another HTTP/x.y, 400 for anything else. */
function otherVersion(version: string): number {
  if (version.length !== 8 || !version.startsWith("HTTP/") || version.charCodeAt(6) !== 0x2e) return 400;
  const major = version.charCodeAt(5) - 0x30;
  const minor = version.charCodeAt(7) - 0x30;
  if (major < 0 || major > 9 || minor < 0 || minor > 9) return 400;
  return major === 1 ? 0 : 505;
}

/** Splits the target into path and query, accepting the four forms of RFC 9112 §3.2. */
function splitTarget(target: string, method: string, head: RequestHead): number {
  const first = target.charCodeAt(0);
  let pathStart: number;
  if (first === 0x2f /* / */) pathStart = 0;
  else if (target === "*") {
    if (method !== "OPTIONS") return 400;
    head.path = "*";
    head.query = "";
    return 0;
  } else if (method === "CONNECT") {
    // authority-form: host:port, no path.
    if (!isTargetText(target, 0) || target.indexOf("/") >= 0) return 400;
    head.path = target;
    head.query = "";
    return 0;
  } else {
    // absolute-form: scheme "://" authority path-abempty [ "?" query ]
    const colon = target.indexOf("://");
    if (colon <= 0) return 400;
    const scheme = target.slice(0, colon).toLowerCase();
    if (scheme !== "http" && scheme !== "https") return 400;
    let slash = target.indexOf("/", colon + 3);
    const question = target.indexOf("?", colon + 3);
    if (question >= 0 && (slash < 0 || question < slash)) slash = -1;
    const authorityEnd = slash >= 0 ? slash : question >= 0 ? question : target.length;
    if (authorityEnd === colon + 3) return 400;
    if (slash < 0) {
      // No path: it is "/", the query (if any) follows the authority.
      if (!isTargetText(target, 0)) return 400;
      head.path = "/";
      head.query = question >= 0 ? target.slice(question + 1) : "";
      return 0;
    }
    pathStart = slash;
  }
  if (!isTargetText(target, pathStart === 0 ? 1 : 0)) return 400;
  const question = target.indexOf("?", pathStart);
  if (question < 0) {
    head.path = pathStart === 0 ? target : target.slice(pathStart);
    head.query = "";
  } else {
    head.path = target.slice(pathStart, question);
    head.query = target.slice(question + 1);
  }
  return 0;
}

/**
 * Parses one field line `name: value` and appends the lowercased name and
 * the value to `fields`. The name must be a token directly followed by the
 * colon (no whitespace before it, RFC 9112 §5.1), so a line starting with
 * whitespace (obsolete line folding) is refused too; the value, without
 * surrounding spaces and tabs, must hold no control characters.
 */
export function parseField(line: string, fields: string[]): number {
  const colon = line.indexOf(":");
  if (colon <= 0) return 400;
  // One pass checks the name is a token and whether it needs lowercasing.
  let upper = false;
  for (let i = 0; i < colon; i++) {
    const c = line.charCodeAt(i);
    if (c > 127 || TCHAR[c] === 0) return 400;
    if (c >= 0x41 && c <= 0x5a) upper = true;
  }
  const name = upper ? line.slice(0, colon).toLowerCase() : line.slice(0, colon);
  let start = colon + 1;
  let end = line.length;
  for (; start < end; start++) {
    const c = line.charCodeAt(start);
    if (c !== 0x20 && c !== 0x09) break;
  }
  for (; end > start; end--) {
    const c = line.charCodeAt(end - 1);
    if (c !== 0x20 && c !== 0x09) break;
  }
  const value = line.slice(start, end);
  if (hasForbiddenValueChar(value)) return 400;
  fields.push(name, value);
  return 0;
}

/**
 * Parses one header field line into `head` (see {@link parseField}), and
 * remembers Content-Length, Transfer-Encoding, Host, Connection and Expect
 * for the framing decision.
 */
export function parseFieldLine(line: string, head: RequestHead): number {
  const fields = head.fields;
  const status = parseField(line, fields);
  if (status !== 0) return status;
  const name = fields[fields.length - 2]!;
  const value = fields[fields.length - 1]!;
  switch (name) {
    case "host":
      head.hostCount++;
      return 0;
    case "connection":
      return connectionOptions(value, head);
    case "content-length":
      return contentLength(value, head);
    case "transfer-encoding":
      head.transferEncoding = head.transferEncoding === null ? value.toLowerCase() : `${head.transferEncoding}, ${value.toLowerCase()}`;
      return 0;
    case "expect":
      head.expect = head.expect === null ? value.toLowerCase() : `${head.expect}, ${value.toLowerCase()}`;
      return 0;
    default:
      return 0;
  }
}

/** Notes the `close` and `keep-alive` options of a Connection field (a comma-separated list, case-insensitive). */
function connectionOptions(value: string, head: RequestHead): number {
  const lower = value.toLowerCase();
  if (lower === "keep-alive") head.connectionKeepAlive = true;
  else if (lower === "close") head.connectionClose = true;
  else {
    for (const option of lower.split(",")) {
      const o = option.trim();
      if (o === "close") head.connectionClose = true;
      else if (o === "keep-alive") head.connectionKeepAlive = true;
    }
  }
  return 0;
}

/**
 * A Content-Length must be 1*DIGIT, at most 15 digits (a safe integer),
 * and may appear once: a list, a sign, spaces inside or a second field are
 * all 400 (RFC 9112 §6.3, rule 5).
 */
function contentLength(value: string, head: RequestHead): number {
  if (head.contentLength >= 0) return 400;
  const n = value.length;
  if (n === 0 || n > 15) return 400;
  let length = 0;
  for (let i = 0; i < n; i++) {
    const d = value.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return 400;
    length = length * 10 + d;
  }
  head.contentLength = length;
  return 0;
}

/** {@link checkHead}: the request has no body. */
export const NO_BODY = 0;
/** {@link checkHead}: the body is framed by Content-Length. */
export const LENGTH_BODY = 1;
/** {@link checkHead}: the body is in the chunked transfer coding. */
export const CHUNKED_BODY = 2;

/**
 * Checks a complete head and decides how its body is framed (RFC 9112
 * §6.3): both Content-Length and Transfer-Encoding is 400 (a smuggling
 * vector); Transfer-Encoding in HTTP/1.0 is 400; a transfer coding list
 * whose last coding is not `chunked`, or with `chunked` twice, is 400; one
 * ending in `chunked` after another coding we do not implement is 501, as
 * is any other coding; HTTP/1.1 needs exactly one Host field.
 * Returns {@link NO_BODY}, {@link LENGTH_BODY} or {@link CHUNKED_BODY}, or
 * minus the status of the error.
 */
export function checkHead(head: RequestHead): number {
  if (head.minor === 1 ? head.hostCount !== 1 : head.hostCount > 1) return -400;
  const te = head.transferEncoding;
  if (te === null) return head.contentLength > 0 ? LENGTH_BODY : NO_BODY;
  if (head.contentLength >= 0 || head.minor === 0) return -400;
  if (te === "chunked") return CHUNKED_BODY;
  const codings = te.split(",");
  let chunked = 0;
  for (let i = 0; i < codings.length; i++) {
    const coding = codings[i]!.trim();
    if (coding === "") return -400;
    if (coding === "chunked") chunked++;
  }
  if (chunked === 0) return -501;
  if (chunked > 1 || codings[codings.length - 1]!.trim() !== "chunked") return -400;
  // e.g. "gzip, chunked": framed correctly, but we do not decode gzip.
  return -501;
}

/**
 * Parses a chunk-size line: `1*HEXDIG [ BWS ";" chunk-ext ]`. Returns the
 * size, or -1 if the line is malformed. A size too large to hold exactly
 * comes back as a number larger than any body limit (not an error here).
 */
export function parseChunkSize(line: string): number {
  const n = line.length;
  let size = 0;
  let i = 0;
  for (; i < n; i++) {
    const c = line.charCodeAt(i);
    const digit = c < 128 ? HEX[c]! : -1;
    if (digit < 0) break;
    size = size * 16 + digit;
  }
  if (i === 0) return -1;
  if (i < n) {
    // Extensions are allowed and ignored; they start with optional whitespace and ";".
    let c = line.charCodeAt(i);
    while (c === 0x20 || c === 0x09) c = line.charCodeAt(++i);
    if (c !== 0x3b /* ; */) return -1;
  }
  return size;
}
