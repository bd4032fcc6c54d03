/**
 * The HTTP/1.1 server connection as a terminator state machine: the request
 * line and each header field line are CRLF frames, a Content-Length body is
 * a run of byte-count frames, a chunked body alternates size lines, data
 * and CRLFs, then trailer lines. Each complete request goes to the router;
 * its response is queued before the next request is read, so pipelined
 * requests are answered in order even when a handler is async.
 */

import { BodyPieces } from "./body";
import type { Duplex } from "node:stream";
import { type AsyncChatError, ErrorCode, type Producer, type ProducerChunk, type ProducerSource, isProducer, producerFromIterable } from "@asynchat/core";
import { type FrameRejection, Protocol, type ProtocolOptions, onBytes, onOverflow, onTerminator } from "@asynchat/decorators";
import {
  CHUNKED_BODY,
  LENGTH_BODY,
  NO_BODY,
  RequestHead,
  checkHead,
  parseChunkSize,
  parseField,
  parseFieldLine,
  parseRequestLine,
} from "./parse";
import { HalfCloseAfter } from "./half-close";
import { HttpRequest } from "./request";
import {
  CLOSE,
  CONTINUE,
  type ConnectionMode,
  KEEP_ALIVE,
  KEEP_ALIVE_HTTP10,
  PreparedResponse,
  discardBody,
  errorResponse,
  writeResponse,
} from "./response";
import { METHOD_NOT_ALLOWED, NOT_FOUND, type RouteResult, type Router } from "./router";

/** Longest request line, in bytes (without CRLF); a longer one is answered 414. */
export const MAX_REQUEST_LINE = 8 * 1024;
/** Most bytes of all header field lines of one request (without their CRLFs); more is 431. */
export const MAX_HEADER_BYTES = 64 * 1024;
/** Most header field lines in one request; more is 431. */
export const MAX_HEADER_LINES = 100;
/** Longest chunk-size line (size and extensions); longer is 400. */
export const MAX_CHUNK_SIZE_LINE = 4 * 1024;
/** Bodies are read in frames of at most this many bytes, so the frame deadline bounds each piece, not the whole body. */
export const BODY_PIECE = 64 * 1024;

/** What every connection of one server shares. */
export interface HttpSettings {
  /** Finds the handler of each request. */
  readonly router: Router;
  /** Largest request body, in bytes (Content-Length, or the sum of the chunks); larger is 413. */
  readonly maxBodySize: number;
  /** Milliseconds from the request line to the end of the header section; slower is 408. */
  readonly headersTimeout: number;
  /** Told about a handler that threw or returned a malformed response (answered 500). */
  readonly onHandlerError?: (error: unknown, request: HttpRequest) => void;
  /** Most bytes of a refused (413) body read and dropped before the connection is closed anyway. */
  readonly drainLimit: number;
  /** Milliseconds a refused (413) body is read and dropped before the connection is closed anyway. */
  readonly drainTimeout: number;
}

const EMPTY = Buffer.alloc(0);

const NOT_FOUND_RESPONSE = new PreparedResponse(404, { "Content-Type": "text/plain; charset=utf-8" }, "404 Not Found\n");
const INTERNAL_ERROR = new PreparedResponse(500, { "Content-Type": "text/plain; charset=utf-8" }, "500 Internal Server Error\n");
const BAD_PATH = new PreparedResponse(400, { "Content-Type": "text/plain; charset=utf-8" }, "400 Bad Request\n");

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === "object" && value !== null && typeof (value as PromiseLike<unknown>).then === "function";
}

/**
 * One HTTP/1.x connection. Made by {@link HttpServer} for each accepted
 * socket; usable on any `stream.Duplex` (tests use an in-memory pair).
 *
 * Errors in the request framing are answered with their status and
 * `Connection: close`, and the connection closes once the answer is sent:
 * 400 (malformed request line, field line, Content-Length, chunk; bare CR
 * or LF; both Content-Length and Transfer-Encoding), 408 (a line or body
 * piece not finished within `frameTimeout`, or the header section not
 * within `headersTimeout`), 413, 414, 417, 431, 501, 505.
 */
export class HttpChannel extends Protocol {
  /** Frames of states that set no `maxLength` (header lines, body pieces). */
  static override defaultMaxLength = 64 * 1024;

  /** The header section's budget: its field lines, plus the empty line that ends it. Trailers have the same. */
  static override budgets = { fields: { maxBytes: MAX_HEADER_BYTES, maxFrames: MAX_HEADER_LINES + 1 } };

  private readonly settings: HttpSettings;
  private readonly head = new RequestHead();
  /** Body pieces read so far (when the body spans several frames). */
  private readonly bodyParts = new BodyPieces();
  /** Body bytes read so far (chunked bodies). */
  private bodyLength = 0;
  /** Bytes still to read: of the body (Content-Length) or of the current chunk. */
  private bodyRemaining = 0;
  private trailers: string[] | null = null;
  /** How the connection goes on after the current request. */
  private mode: ConnectionMode = KEEP_ALIVE;
  private emptyLines = 0;
  /** The request whose async handler is running, or null. */
  private pending: HttpRequest | null = null;
  /** `closeWhenDone` was asked while a handler ran: close after its response. */
  private closeAfterPending = false;
  /** Streamed response bodies queued and not yet finished: no further request is read meanwhile. */
  private streaming = 0;
  /**
   * A refused body is being read and dropped (lingering close): its bytes
   * go nowhere, and when it ends, or passes the drain limit or time, the
   * connection closes. -1 when not draining, else the bytes dropped so far.
   */
  private drained = -1;
  private drainTimer: NodeJS.Timeout | null = null;

  /**
   * @param socket the connection
   * @param settings the router and limits shared by the server's connections
   * @param options channel options (idle and frame timeouts, output high-water mark)
   */
  constructor(socket: Duplex | null, settings: HttpSettings, options?: ProtocolOptions) {
    super(socket, options);
    this.settings = settings;
  }

  /** The request line: `method SP target SP version`. An empty line before it is ignored once (RFC 9112 §2.2). */
  @onTerminator("\r\n", { encoding: "latin1", lineEndings: "crlf", maxLength: MAX_REQUEST_LINE, initial: true, next: ["headerLine"] })
  requestLine(line: string): unknown {
    if (line.length === 0) {
      if (++this.emptyLines > 1) return this.refuse(400);
      return undefined;
    }
    this.emptyLines = 0;
    const head = this.head;
    const status = parseRequestLine(line, head);
    if (status !== 0) return this.refuse(status);
    head.startedAt = Date.now();
    return this.headerLine;
  }

  /** One header field line; the empty line ends the header section. */
  @onTerminator("\r\n", { encoding: "latin1", lineEndings: "crlf", budget: "fields", next: ["requestLine", "body", "chunkSize"] })
  headerLine(line: string): unknown {
    const head = this.head;
    // Every line of the section, the empty one too, is checked against the section's deadline.
    if (Date.now() - head.startedAt > this.settings.headersTimeout) return this.refuse(408);
    if (line.length === 0) return this.endOfHead();
    const status = parseFieldLine(line, head);
    if (status !== 0) return this.refuse(status);
    return undefined;
  }

  /** A piece of a Content-Length body. */
  @onBytes((self: HttpChannel) => Math.min(self.bodyRemaining, BODY_PIECE), { next: ["requestLine"] })
  body(piece: Buffer): unknown {
    this.bodyRemaining -= piece.length;
    if (this.drained >= 0) {
      this.drop(piece.length, this.bodyRemaining === 0);
      // Staying here with nothing left to read would ask for empty frames forever: the request line is next (input has stopped).
      return this.bodyRemaining > 0 ? undefined : this.requestLine;
    }
    if (this.bodyRemaining > 0) {
      this.bodyParts.add(piece);
      return undefined;
    }
    return this.dispatch(this.takeBody(piece));
  }

  /** A chunk-size line of a chunked body; size 0 is the last chunk, trailers follow. */
  @onTerminator("\r\n", { encoding: "latin1", lineEndings: "crlf", maxLength: MAX_CHUNK_SIZE_LINE, next: ["chunkData", "trailerLine"] })
  chunkSize(line: string): unknown {
    const size = parseChunkSize(line);
    if (size < 0) return this.refuse(400);
    if (size === 0) {
      this.trailers = [];
      return this.trailerLine;
    }
    this.bodyRemaining = size;
    if (this.drained < 0 && this.bodyLength + size > this.settings.maxBodySize) return this.refuseBody();
    return this.chunkData;
  }

  /** A piece of a chunk's data. */
  @onBytes((self: HttpChannel) => Math.min(self.bodyRemaining, BODY_PIECE), { next: ["chunkEnd"] })
  chunkData(piece: Buffer): unknown {
    this.bodyRemaining -= piece.length;
    if (this.drained >= 0) this.drop(piece.length, false);
    else {
      this.bodyParts.add(piece);
      this.bodyLength += piece.length;
    }
    return this.bodyRemaining > 0 ? undefined : this.chunkEnd;
  }

  /** The CRLF after a chunk's data. */
  @onBytes(2, { next: ["chunkSize"] })
  chunkEnd(crlf: Buffer): unknown {
    if (crlf[0] !== 13 || crlf[1] !== 10) return this.refuse(400);
    return this.chunkSize;
  }

  /** A trailer field line after the last chunk; the empty line ends the request. */
  @onTerminator("\r\n", { encoding: "latin1", lineEndings: "crlf", budget: "fields", next: ["requestLine"] })
  trailerLine(line: string): unknown {
    if (line.length !== 0) {
      const status = parseField(line, this.trailers!);
      return status === 0 ? undefined : this.refuse(status);
    }
    if (this.drained >= 0) return this.drop(0, true);
    const body = this.takeBody(null);
    this.bodyLength = 0;
    return this.dispatch(body);
  }

  /**
   * A frame was refused by a limit or the line-ending policy: a bare CR or
   * LF is 400, a request line too long 414, header or trailer lines over
   * their budget 431, a chunk-size line too long 400.
   */
  @onOverflow
  frameRefused(error: FrameRejection, state: string): void {
    let status = 400;
    if (error.code !== ErrorCode.BARE_LINE_ENDING) {
      if (state === "requestLine") status = 414;
      else if (state === "headerLine" || state === "trailerLine") status = 431;
    }
    this.refuse(status);
  }

  /** A frame deadline that passed is answered 408 (a slow request line, header line or body piece); other failures close. */
  override handleError(error: Error): void {
    if ((error as AsyncChatError).code === ErrorCode.FRAME_TIMEOUT && this.pending === null && !this.closing && this.drained < 0) {
      this.refuse(408);
      return;
    }
    super.handleError(error);
  }

  /** No further request is read while a handler runs or a streamed body is still going out. */
  override readable(): boolean {
    return this.streaming === 0 && super.readable();
  }

  /**
   * Queues a streamed body, tracked: until it is exhausted no further
   * request is read, so a client pipelining requests for files cannot make
   * the server open them all at once; the output high-water mark cannot see
   * a producer's bytes before they are pulled.
   */
  override pushWithProducer(source: ProducerSource): void {
    this.streaming++;
    super.pushWithProducer(new TrackedProducer(isProducer(source) ? source : producerFromIterable(source), this.streamFinished));
  }

  /** Waits for a running handler's response before closing, so a graceful server close finishes the request. */
  override closeWhenDone(): void {
    if (this.pending !== null) {
      this.closeAfterPending = true;
      return;
    }
    super.closeWhenDone();
  }

  // ------------------------------------------------------------ internals

  /** The header section is complete: decide how the body is framed. */
  private endOfHead(): unknown {
    const head = this.head;
    const framing = checkHead(head);
    if (framing < 0) return this.refuse(-framing);
    if (head.minor === 1) this.mode = head.connectionClose ? CLOSE : KEEP_ALIVE;
    else this.mode = head.connectionKeepAlive && !head.connectionClose ? KEEP_ALIVE_HTTP10 : CLOSE;
    if (framing === NO_BODY) return this.dispatch(EMPTY);
    // HTTP/1.0 clients do not know 100-continue (RFC 9110 §10.1.1): ignore it from them.
    const expect = head.minor === 1 ? head.expect : null;
    if (expect !== null && expect !== "100-continue") return this.refuse(417);
    if (framing === LENGTH_BODY && head.contentLength > this.settings.maxBodySize) {
      this.bodyRemaining = head.contentLength;
      return this.refuseBody();
    }
    if (expect !== null) this.push(CONTINUE);
    if (framing === LENGTH_BODY) {
      this.bodyRemaining = head.contentLength;
      return this.body;
    }
    if (framing === CHUNKED_BODY) {
      this.bodyLength = 0;
      return this.chunkSize;
    }
    return this.refuse(400);
  }

  /** The body read so far plus `last`, as one buffer. */
  private takeBody(last: Buffer | null): Buffer {
    return this.bodyParts.take(last);
  }

  /** Hands the complete request to its route; returns the next state, or a promise of it for an async handler. */
  private dispatch(body: Buffer): unknown {
    const head = this.head;
    const request = new HttpRequest(head.method, head.target, head.path, head.query, head.minor, head.fields, body, this.trailers);
    this.trailers = null;
    head.reset();
    const found = this.settings.router.find(request);
    let result: RouteResult | Promise<RouteResult>;
    if (typeof found !== "number") {
      try {
        result = found(request);
      } catch (error) {
        this.settings.onHandlerError?.(error, request);
        result = INTERNAL_ERROR;
      }
      if (isPromiseLike(result)) {
        this.pending = request;
        return result.then(this.resolved, this.rejected);
      }
    } else if (found === NOT_FOUND) result = NOT_FOUND_RESPONSE;
    else if (found === METHOD_NOT_ALLOWED) {
      const allow = this.settings.router.allowed(request.path).join(", ");
      result = { status: 405, headers: { Allow: allow, "Content-Type": "text/plain; charset=utf-8" }, body: "405 Method Not Allowed\n" };
    } else result = BAD_PATH;
    this.respond(request, result);
    return this.requestLine;
  }

  /** An async handler's response arrived: send it, then read the next request. */
  private readonly resolved = (result: RouteResult): string => {
    const request = this.pending!;
    this.pending = null;
    this.respond(request, result);
    this.afterPending();
    return "requestLine";
  };

  /** An async handler failed: answer 500, then read the next request. */
  private readonly rejected = (error: unknown): string => {
    const request = this.pending!;
    this.pending = null;
    this.settings.onHandlerError?.(error, request);
    this.respond(request, INTERNAL_ERROR);
    this.afterPending();
    return "requestLine";
  };

  /** A streamed body is exhausted (called while output is being moved: resume reading afterwards, not inside it). */
  private readonly streamFinished = (): void => {
    this.streaming--;
    if (this.streaming === 0) queueMicrotask(this.resumeReading);
  };

  private readonly resumeReading = (): void => {
    if (!this.closed) this.updateReading();
  };

  private afterPending(): void {
    if (this.closeAfterPending) {
      this.closeAfterPending = false;
      this.closeWhenDone();
    }
  }

  /** Queues the response to `request` (500 if the handler's answer is malformed); closes after it if it must. */
  private respond(request: HttpRequest, result: RouteResult): void {
    if (this.closing) {
      // The connection went away while an async handler ran.
      if (!(result instanceof PreparedResponse)) discardBody(result.body);
      return;
    }
    const head = request.method === "HEAD";
    const http10 = request.httpVersion === "1.0";
    let close: boolean;
    try {
      close = writeResponse(this, result, head, this.mode, http10);
    } catch (error) {
      this.settings.onHandlerError?.(error, request);
      close = writeResponse(this, INTERNAL_ERROR, head, this.mode, http10);
    }
    if (close) this.closeWhenDone();
  }

  /**
   * Answers an error in the request with `status` and closes once it is
   * sent. Returns nothing: the state stays. While a refused body is being
   * drained the 413 has been sent already: the connection just closes.
   */
  private refuse(status: number): undefined {
    if (!this.closing) {
      if (this.drained < 0) this.push(errorResponse(status));
      this.closeWhenDone();
    }
    return undefined;
  }

  /**
   * The body is over `maxBodySize` (its Content-Length, or the chunk whose
   * size is `bodyRemaining`): answers 413 and ends our side of the
   * connection after it, then reads the rest of the body and drops it
   * (lingering close, RFC 9112 §9.6), so that a client still sending it is
   * not reset before it reads the answer. The connection closes when the
   * body ends, when the client closes, or after `drainLimit` bytes or
   * `drainTimeout` ms. Returns the state that drops the body.
   */
  private refuseBody(): unknown {
    this.bodyParts.clear();
    this.bodyLength = 0;
    this.drained = 0;
    super.pushWithProducer(new HalfCloseAfter(this.socket, errorResponse(413)));
    this.drainTimer = setTimeout(this.drainTimedOut, this.settings.drainTimeout);
    this.drainTimer.unref();
    this.once("close", this.stopDrainTimer);
    return this.head.transferEncoding === null ? this.body : this.chunkData;
  }

  /** Drops `bytes` of a refused body; closes once it has `ended`, or past the drain limit. */
  private drop(bytes: number, ended: boolean): undefined {
    this.drained += bytes;
    if (ended || this.drained >= this.settings.drainLimit) this.closeWhenDone();
    return undefined;
  }

  private readonly drainTimedOut = (): void => {
    this.drainTimer = null;
    this.closeWhenDone();
  };

  private readonly stopDrainTimer = (): void => {
    if (this.drainTimer !== null) clearTimeout(this.drainTimer);
    this.drainTimer = null;
  };
}

/** A producer that reports, once, that it is exhausted or dropped. */
class TrackedProducer implements Producer {
  readonly #source: Producer;
  #finished: (() => void) | null;

  constructor(source: Producer, finished: () => void) {
    this.#source = source;
    this.#finished = finished;
  }

  more(): ProducerChunk | Promise<ProducerChunk> {
    const piece = this.#source.more();
    if (typeof piece === "object" && "then" in piece) return piece.then((p) => this.#check(p));
    return this.#check(piece);
  }

  discard(): void {
    this.#source.discard?.();
    this.#finish();
  }

  #check(piece: ProducerChunk): ProducerChunk {
    if (piece.length === 0) this.#finish();
    return piece;
  }

  #finish(): void {
    const finished = this.#finished;
    this.#finished = null;
    finished?.();
  }
}
