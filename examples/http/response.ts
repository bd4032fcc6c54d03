/**
 * Responses: what a route handler returns, and how it becomes bytes on the
 * connection (status line, headers, Date, Content-Length or chunked
 * transfer coding, Connection). A constant response can be prepared once
 * ({@link PreparedResponse}) and is then sent as one cached buffer.
 */

import { Buffer } from "node:buffer";
import { type Producer, type ProducerChunk, type ProducerSource, isProducer, producerFromIterable } from "@asynchat/core";
import { ChunkedProducer } from "./chunked";
import { httpDate } from "./date";
import { hasForbiddenValueChar, isToken } from "./parse";

/** Response header fields: a name and a value, or several values (sent as one line each). */
export type HttpHeaders = Readonly<Record<string, string | number | readonly string[]>>;

/**
 * A response body: text (sent as UTF-8), bytes, or a stream of pieces: a
 * Node `Readable` (such as `fs.createReadStream`), an async iterable, or an
 * asynchat `Producer`. A stream is pulled only as fast as the client reads.
 */
export type HttpBody = string | Uint8Array | ProducerSource;

/** What a route handler returns. */
export interface HttpResponse {
  /** The status code, 200-599. */
  status: number;
  /**
   * Header fields. Date is added unless given; Content-Length,
   * Transfer-Encoding and Connection are the server's to set (a handler
   * setting them is an error, answered with 500).
   */
  headers?: HttpHeaders;
  /** The body; none for an empty one. Never sent for HEAD, 204 or 304. */
  body?: HttpBody | null;
  /**
   * The size of a streamed body in bytes, when known: sent as
   * Content-Length. Without it a streamed body goes out in the chunked
   * transfer coding (HTTP/1.1), or delimited by closing the connection
   * (HTTP/1.0). Ignored for text and bytes, whose size is known. A HEAD
   * response without a body may give the length of the body a GET would get.
   */
  length?: number;
}

/** How the connection goes on after a response. */
export type ConnectionMode = typeof KEEP_ALIVE | typeof KEEP_ALIVE_HTTP10 | typeof CLOSE;
/** HTTP/1.1, persistent: no Connection field needed. */
export const KEEP_ALIVE = 0;
/** HTTP/1.0 that asked for keep-alive: `Connection: keep-alive`. */
export const KEEP_ALIVE_HTTP10 = 1;
/** The connection closes after this response: `Connection: close`. */
export const CLOSE = 2;

const CONNECTION_LINE = ["", "Connection: keep-alive\r\n", "Connection: close\r\n"] as const;

/** Reason phrases of the status codes this server sends or handlers commonly use. */
export const STATUS_TEXT: Readonly<Record<number, string>> = {
  100: "Continue",
  200: "OK",
  201: "Created",
  202: "Accepted",
  204: "No Content",
  206: "Partial Content",
  301: "Moved Permanently",
  302: "Found",
  303: "See Other",
  304: "Not Modified",
  307: "Temporary Redirect",
  308: "Permanent Redirect",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  409: "Conflict",
  411: "Length Required",
  412: "Precondition Failed",
  413: "Content Too Large",
  414: "URI Too Long",
  415: "Unsupported Media Type",
  416: "Range Not Satisfiable",
  417: "Expectation Failed",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  501: "Not Implemented",
  503: "Service Unavailable",
  505: "HTTP Version Not Supported",
};

/** `HTTP/1.1 <status> <reason>\r\n`. */
function statusLine(status: number): string {
  return `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? "Unknown"}\r\n`;
}

/** Whether a response with this status never has a body (RFC 9110 §6.4.1). */
function isBodiless(status: number): boolean {
  return status === 204 || status === 304 || status < 200;
}

/** The interim response sent before reading a body whose client sent `Expect: 100-continue`. */
export const CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n";

/**
 * The header lines of `headers`, validated: names must be tokens, values
 * free of control characters (so a handler cannot split the response), and
 * the framing fields are refused. Reports whether a Date field was given.
 */
function headerLines(headers: HttpHeaders | undefined): { lines: string; hasDate: boolean } {
  let lines = "";
  let hasDate = false;
  if (headers === undefined) return { lines, hasDate };
  for (const name of Object.keys(headers)) {
    if (!isToken(name)) throw new TypeError(`Invalid response header name ${JSON.stringify(name)}`);
    const lower = name.toLowerCase();
    if (lower === "content-length" || lower === "transfer-encoding" || lower === "connection") {
      throw new TypeError(`The ${name} response header is set by the server, not by handlers`);
    }
    if (lower === "date") hasDate = true;
    const value = headers[name]!;
    const values = typeof value === "object" ? value : [value];
    for (const v of values) {
      const text = String(v);
      if (hasForbiddenValueChar(text)) throw new TypeError(`Invalid value for response header ${name}`);
      lines += `${name}: ${text}\r\n`;
    }
  }
  return { lines, hasDate };
}

/**
 * A constant response, serialized once per second (when the Date changes)
 * and then sent as one buffer: the fastest way to answer. Its fields and
 * body never change.
 */
export class PreparedResponse {
  /** The status code. */
  readonly status: number;
  readonly #fields: string;
  readonly #body: Buffer;
  #date = "";
  #full: Buffer = Buffer.alloc(0);
  #headOnly: Buffer = Buffer.alloc(0);

  /**
   * @param status the status code
   * @param headers fields, validated now (Content-Length and Date are added)
   * @param body the body, text (UTF-8) or bytes
   */
  constructor(status: number, headers: HttpHeaders, body: string | Uint8Array) {
    this.status = status;
    const { lines, hasDate } = headerLines(headers);
    if (hasDate) throw new TypeError("A prepared response gets its Date from the server");
    this.#body = typeof body === "string" ? Buffer.from(body, "utf8") : Buffer.from(body);
    this.#fields = `${statusLine(status)}${lines}${isBodiless(status) ? "" : `Content-Length: ${this.#body.length}\r\n`}`;
  }

  /** The bytes to send: with or without the body (HEAD), for a connection in `mode`. */
  bytes(head: boolean, mode: ConnectionMode): Buffer | string {
    const date = httpDate();
    if (mode === KEEP_ALIVE) {
      if (date !== this.#date) {
        this.#date = date;
        const head = `${this.#fields}Date: ${date}\r\n\r\n`;
        this.#headOnly = Buffer.from(head, "latin1");
        this.#full = isBodiless(this.status) ? this.#headOnly : Buffer.concat([this.#headOnly, this.#body]);
      }
      return head ? this.#headOnly : this.#full;
    }
    const text = `${this.#fields}Date: ${date}\r\n${CONNECTION_LINE[mode]}\r\n`;
    return head || isBodiless(this.status) ? text : Buffer.concat([Buffer.from(text, "latin1"), this.#body]);
  }
}

/** A text response (UTF-8), `text/plain` unless `headers` says otherwise. */
export function text(status: number, body: string, headers: HttpHeaders = {}): HttpResponse {
  return { status, headers: { "Content-Type": "text/plain; charset=utf-8", ...headers }, body };
}

/** A JSON response. */
export function json(status: number, value: unknown, headers: HttpHeaders = {}): HttpResponse {
  return { status, headers: { "Content-Type": "application/json", ...headers }, body: JSON.stringify(value) };
}

/** Where a response is written: the channel's output FIFO. */
export interface ResponseOutput {
  push(data: string | Uint8Array): void;
  pushWithProducer(producer: ProducerSource): void;
}

/** Releases a streamed body that will not be sent (HEAD, or the connection closed). */
export function discardBody(body: unknown): void {
  if (typeof body !== "object" || body === null) return;
  const stream = body as { destroy?: () => void; discard?: () => void; [Symbol.asyncIterator]?: () => AsyncIterator<unknown> };
  if (typeof stream.destroy === "function") stream.destroy();
  else if (typeof stream.discard === "function") stream.discard();
  else {
    const iterate = stream[Symbol.asyncIterator];
    if (typeof iterate === "function") void iterate.call(stream).return?.();
  }
}

function isStream(body: unknown): body is ProducerSource {
  if (typeof body !== "object" || body === null) return false;
  return isProducer(body) || Symbol.asyncIterator in body || Symbol.iterator in body;
}

/**
 * Writes `response` to `out`: one string for a text body, head and buffer
 * for bytes, head then a producer for a stream. `head` is true for a HEAD
 * request (everything but the body is sent); `http10` says the client
 * speaks HTTP/1.0 (no chunked transfer coding). Returns true if the
 * connection must close after it (`mode` is CLOSE, or an HTTP/1.0 client
 * gets a stream of unknown length). Throws TypeError for a malformed
 * response, before anything is written.
 */
export function writeResponse(
  out: ResponseOutput,
  response: HttpResponse | PreparedResponse,
  head: boolean,
  mode: ConnectionMode,
  http10: boolean,
): boolean {
  if (response instanceof PreparedResponse) {
    out.push(response.bytes(head, mode));
    return mode === CLOSE;
  }
  const status = response.status;
  if (!Number.isInteger(status) || status < 200 || status > 599) throw new TypeError(`Invalid response status ${String(status)}`);
  const { lines, hasDate } = headerLines(response.headers);
  let text = statusLine(status) + lines;
  if (!hasDate) text += `Date: ${httpDate()}\r\n`;
  const body = response.body ?? null;
  const bodiless = isBodiless(status);
  let stream: ProducerSource | null = null;
  let length = -1;
  if (typeof body === "string") length = Buffer.byteLength(body, "utf8");
  else if (body instanceof Uint8Array) length = body.length;
  else if (body === null) {
    // A HEAD response may state the length of the body it stands for.
    length = head && response.length !== undefined ? checkedLength(response.length) : 0;
  } else if (isStream(body)) {
    stream = body;
    if (response.length !== undefined) length = checkedLength(response.length);
  } else throw new TypeError(`Invalid response body: ${typeof body}`);

  let chunked = false;
  if (bodiless) {
    // No body and no framing fields.
  } else if (length >= 0) text += `Content-Length: ${length}\r\n`;
  else if (!http10) {
    text += "Transfer-Encoding: chunked\r\n";
    chunked = true;
  } else {
    // An HTTP/1.0 client: the end of the body is the end of the connection.
    mode = CLOSE;
  }
  text += `${CONNECTION_LINE[mode]}\r\n`;

  if (head || bodiless || length === 0) {
    out.push(text);
    if (stream !== null) discardBody(stream);
    return mode === CLOSE;
  }
  if (typeof body === "string") out.push(text + body);
  else if (body instanceof Uint8Array) {
    out.push(text);
    out.push(body);
  } else {
    out.push(text);
    if (chunked) out.pushWithProducer(new ChunkedProducer(stream!));
    else out.pushWithProducer(length >= 0 ? new ExactLengthProducer(stream!, length) : stream!);
  }
  return mode === CLOSE;
}

function checkedLength(length: number): number {
  if (!Number.isSafeInteger(length) || length < 0) throw new TypeError(`Invalid response length ${String(length)}`);
  return length;
}

/** A short plain-text error response that closes the connection, e.g. for 400 or 431. */
export function errorResponse(status: number): string {
  const body = `${status} ${STATUS_TEXT[status] ?? "Error"}\n`;
  return `${statusLine(status)}Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\nDate: ${httpDate()}\r\nConnection: close\r\n\r\n${body}`;
}

/**
 * Hands on a streamed body whose Content-Length was announced, and fails
 * (the channel then closes) if the source ends early or gives more: the
 * client must not take what follows for the rest of the body.
 */
class ExactLengthProducer implements Producer {
  readonly #source: Producer;
  #left: number;

  constructor(source: ProducerSource, length: number) {
    this.#source = isProducer(source) ? source : producerFromIterable(source);
    this.#left = length;
  }

  more(): ProducerChunk | Promise<ProducerChunk> {
    const piece = this.#source.more();
    return typeof piece === "object" && "then" in piece ? piece.then((p) => this.#count(p)) : this.#count(piece);
  }

  discard(): void {
    this.#source.discard?.();
  }

  #count(piece: ProducerChunk): ProducerChunk {
    const length = typeof piece === "string" ? Buffer.byteLength(piece, "utf8") : piece.length;
    if (length === 0 && this.#left > 0) throw new Error(`The body ended ${this.#left} bytes short of its Content-Length`);
    this.#left -= length;
    if (this.#left < 0) throw new Error("The body is longer than its Content-Length");
    return piece;
  }
}
