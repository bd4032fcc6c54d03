/**
 * The client's side of a RESP2 connection as a declarative protocol: a
 * reply is a `header` line (`+`, `-`, `:`, `$`, `*`) and, for a bulk
 * string, a `bulk` frame of its length plus CRLF. Arrays, nested too, are
 * assembled on a stack; each complete top-level reply goes to the sink in
 * the order replies arrive, which is the order the commands were sent.
 */

import type { Duplex } from "node:stream";
import { Protocol, onBytes, onTerminator } from "@asynchat/decorators";
import { type ReplyValue, ReplyError, RespClientError, RespClientErrorCode } from "./errors";

/** Where complete replies go. */
export interface ReplySink {
  /** A complete top-level reply (an error reply as a {@link ReplyError}). */
  reply(value: ReplyValue): void;
}

/** The largest bulk string accepted: Redis's own `proto-max-bulk-len` default, 512 MB. */
export const MAX_BULK_LENGTH = 512 * 1024 * 1024;
/** The longest header line (`+` status, `-` error): longer is a protocol error. */
export const MAX_LINE_LENGTH = 64 * 1024;

/** An array being assembled: its elements so far and how many are missing. */
interface OpenArray {
  items: ReplyValue[];
  left: number;
}

function protocolError(what: string): RespClientError {
  return new RespClientError(RespClientErrorCode.PROTOCOL, `The server sent something that is not RESP2: ${what}`);
}

/** A length or count after `$` or `*`: an integer >= -1. */
function lengthOf(line: string, max: number): number {
  const n = Number(line.slice(1));
  if (!Number.isSafeInteger(n) || n < -1 || n > max || line.length < 2) throw protocolError(`bad length in ${JSON.stringify(line.slice(0, 40))}`);
  return n;
}

/** Reads replies off a connection and hands each complete one to its sink. */
export class ReplyReader extends Protocol {
  static override defaultMaxLength = MAX_LINE_LENGTH;

  readonly #sink: ReplySink;
  readonly #stack: OpenArray[] = [];
  /** The current bulk string's length plus its CRLF (read by `bulk`'s count). */
  private bulkLength = 0;

  /**
   * @param socket the connection to the server (null: replies are fed to `handleRead`, as in tests)
   * @param sink receives each complete reply
   */
  constructor(socket: Duplex | null, sink: ReplySink) {
    super(socket, { idleTimeout: 0 });
    this.#sink = sink;
  }

  /** A reply's first line: a whole simple value, or the head of a bulk string or an array. */
  @onTerminator("\r\n", { encoding: "latin1", initial: true, next: ["bulk"] })
  header(line: string): "bulk" | undefined {
    switch (line.charCodeAt(0)) {
      case 36: {
        // $<length>: a bulk string follows, or -1 for null.
        const length = lengthOf(line, MAX_BULK_LENGTH);
        if (length < 0) {
          this.#value(null);
          return undefined;
        }
        this.bulkLength = length + 2;
        return "bulk";
      }
      case 43:
        this.#value(line.slice(1));
        return undefined;
      case 58: {
        const n = Number(line.slice(1));
        if (!Number.isInteger(n) || line.length < 2) throw protocolError(`bad integer ${JSON.stringify(line.slice(0, 40))}`);
        this.#value(n);
        return undefined;
      }
      case 42: {
        // *<count>: that many values follow; -1 is the null array.
        const count = lengthOf(line, Number.MAX_SAFE_INTEGER);
        if (count <= 0) this.#value(count < 0 ? null : []);
        else this.#stack.push({ items: [], left: count });
        return undefined;
      }
      case 45:
        this.#value(new ReplyError(line.slice(1)));
        return undefined;
      default:
        throw protocolError(`a line starting with ${JSON.stringify(line.slice(0, 40))}`);
    }
  }

  /** A bulk string's bytes and their CRLF. */
  @onBytes((self: ReplyReader) => self.bulkLength, { maxLength: MAX_BULK_LENGTH + 2, next: ["header"] })
  bulk(data: Buffer): "header" {
    const end = data.length - 2;
    if (data[end] !== 13 || data[end + 1] !== 10) throw protocolError("a bulk string not followed by CRLF");
    this.#value(data.subarray(0, end));
    return "header";
  }

  /** A value is complete: into the array being assembled, or out to the sink. */
  #value(value: ReplyValue): void {
    const stack = this.#stack;
    for (;;) {
      const top = stack[stack.length - 1];
      if (top === undefined) {
        this.#sink.reply(value);
        return;
      }
      top.items.push(value);
      if (--top.left > 0) return;
      stack.pop();
      value = top.items;
    }
  }
}
