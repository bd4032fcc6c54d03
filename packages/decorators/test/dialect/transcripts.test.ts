/**
 * Two small protocols in the shape of real ones, fed a fixed transcript in
 * every chunking: the handler calls (and the replies pushed) must not depend
 * on how the bytes were split.
 */

import { BareLineEndingError } from "@asynchat/core";
import { assertSameFramesInEveryChunking, chunkings } from "@asynchat/core/testing";
import { Protocol, onBytes, onOverflow, onTerminator } from "@asynchat/decorators";
import { bytes } from "../helpers";

/** A RESP-like protocol: `*n` and `$n` header lines, `$n` followed by an n-byte bulk and CRLF. */
class MiniResp extends Protocol {
  readonly calls: string[] = [];
  need = 0;
  expectedItems = 0;

  @onTerminator("\r\n", { encoding: "latin1" })
  header(line: string): unknown {
    this.calls.push(`header ${line}`);
    switch (line[0]) {
      case "*":
        this.expectedItems = Number(line.slice(1));
        return undefined;
      case "$": {
        const length = Number(line.slice(1));
        if (length < 0) {
          this.calls.push("null bulk");
          return undefined;
        }
        this.need = length + 2;
        return this.bulk;
      }
      default:
        return undefined;
    }
  }

  @onBytes((self: MiniResp) => self.need)
  bulk(data: Buffer): unknown {
    if (!Buffer.isBuffer(data)) throw new Error("a bulk without { encoding } must be a Buffer");
    const body = data.subarray(0, data.length - 2);
    if (data.subarray(data.length - 2).toString("latin1") !== "\r\n") throw new Error("bulk not followed by CRLF");
    this.calls.push(`bulk ${JSON.stringify(body.toString("latin1"))}`);
    return "header";
  }
}

const RESP_TRANSCRIPT =
  "*2\r\n$3\r\nGET\r\n$5\r\nk\r\ney\r\n" + // the bulk holds a CRLF: only the count frames it
  "+OK\r\n:42\r\n" +
  "$0\r\n\r\n" +
  "$-1\r\n" +
  "*3\r\n$3\r\nSET\r\n$1\r\n$\r\n$4\r\n\x00\x01\xfe\xff\r\n" +
  "*1\r\n$4\r\nPING\r\n";

const RESP_CALLS = [
  "header *2",
  "header $3",
  'bulk "GET"',
  "header $5",
  'bulk "k\\r\\ney"',
  "header +OK",
  "header :42",
  "header $0",
  'bulk ""',
  "header $-1",
  "null bulk",
  "header *3",
  "header $3",
  'bulk "SET"',
  "header $1",
  'bulk "$"',
  "header $4",
  'bulk "\\u0000\\u0001þÿ"',
  "header *1",
  "header $4",
  'bulk "PING"',
];

/** Dot-unstuffing of an SMTP DATA body: a line's leading dot is dropped. */
function unstuff(body: string): string {
  return body
    .split("\r\n")
    .map((line) => (line.startsWith(".") ? line.slice(1) : line))
    .join("\r\n");
}

/** An SMTP-like protocol: command lines, then a DATA body up to CRLF.CRLF. */
class MiniSmtp extends Protocol {
  readonly calls: string[] = [];

  override push(data: string | Uint8Array): void {
    this.calls.push(`reply ${typeof data === "string" ? data.trimEnd() : "<bytes>"}`);
    super.push(data);
  }

  @onTerminator("\r\n", { encoding: "latin1", maxLength: 512 })
  command(line: string): unknown {
    this.calls.push(`command ${line}`);
    const verb = line.slice(0, 4).toUpperCase();
    if (verb === "DATA") {
      this.push("354 End data with <CR><LF>.<CR><LF>\r\n");
      return this.data;
    }
    if (verb === "QUIT") {
      this.push("221 Bye\r\n");
      this.closeWhenDone();
      return undefined;
    }
    this.push("250 OK\r\n");
    return undefined;
  }

  @onTerminator("\r\n.\r\n", { encoding: "latin1" })
  data(body: string): unknown {
    this.calls.push(`message ${JSON.stringify(unstuff(body))}`);
    this.push("250 Queued\r\n");
    return this.command;
  }
}

/** The same protocol with a streamed DATA state: the body arrives in pieces. */
class StreamingSmtp extends MiniSmtp {
  body = "";
  lasts = 0;

  @onTerminator("\r\n.\r\n", { encoding: "latin1", stream: true })
  override data(piece: string, last?: boolean): unknown {
    if (typeof piece !== "string") throw new Error("an { encoding } piece must be a string");
    this.body += piece;
    if (!last) return undefined;
    this.lasts++;
    this.calls.push(`message ${JSON.stringify(unstuff(this.body))}`);
    this.body = "";
    this.push("250 Queued\r\n");
    return this.command;
  }
}

const SMTP_TRANSCRIPT =
  "HELO client.example\r\n" +
  "MAIL FROM:<a@example.org>\r\n" +
  "RCPT TO:<b@example.org>\r\n" +
  "DATA\r\n" +
  "Subject: dots\r\n" +
  "\r\n" +
  "..leading dot\r\n" +
  "...\r\n" +
  "a line with . and \r\n.. inside\r\n" +
  "last line\r\n" +
  ".\r\n" +
  "NOOP\r\n" +
  "DATA\r\n" +
  "second\r\n" +
  ".\r\n" +
  "QUIT\r\n" +
  "NOOP\r\n"; // after QUIT: never handled

const SMTP_CALLS = [
  "command HELO client.example",
  "reply 250 OK",
  "command MAIL FROM:<a@example.org>",
  "reply 250 OK",
  "command RCPT TO:<b@example.org>",
  "reply 250 OK",
  "command DATA",
  "reply 354 End data with <CR><LF>.<CR><LF>",
  `message ${JSON.stringify("Subject: dots\r\n\r\n.leading dot\r\n..\r\na line with . and \r\n. inside\r\nlast line")}`,
  "reply 250 Queued",
  "command NOOP",
  "reply 250 OK",
  "command DATA",
  "reply 354 End data with <CR><LF>.<CR><LF>",
  `message ${JSON.stringify("second")}`,
  "reply 250 Queued",
  "command QUIT",
  "reply 221 Bye",
];

/** Runs a fresh channel over `chunks` and returns what it recorded. */
function run<P extends Protocol & { calls: string[] }>(make: () => P, chunks: Buffer[], extra?: (channel: P) => unknown): unknown {
  const channel = make();
  for (const chunk of chunks) channel.handleRead(chunk);
  return extra === undefined ? channel.calls : { calls: channel.calls, extra: extra(channel) };
}

describe("a RESP-like protocol (header lines, then a counted bulk, then back)", () => {
  it("makes the same handler calls for the transcript in every chunking", () => {
    const calls = assertSameFramesInEveryChunking(bytes(RESP_TRANSCRIPT), (chunks) => run(() => new MiniResp(), chunks));
    expect(calls).toEqual(RESP_CALLS);
  });

  it("is fed one byte at a time, two at a time, in random pieces and whole among those chunkings", () => {
    const names = [...chunkings(bytes(RESP_TRANSCRIPT))].map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(["whole", "1-byte", "2-byte", expect.stringMatching(/^random/)]));
  });

  it("ends in the header state once the transcript is through", () => {
    const channel = new MiniResp();
    channel.handleRead(bytes(RESP_TRANSCRIPT));
    expect(channel.state).toBe("header");
    expect(channel.bufferedInput).toBe(0);
  });
});

describe("an SMTP-like protocol (command lines, then a DATA body ending in CRLF.CRLF)", () => {
  it("makes the same handler calls and replies for the transcript in every chunking", () => {
    const calls = assertSameFramesInEveryChunking(bytes(SMTP_TRANSCRIPT), (chunks) => run(() => new MiniSmtp(), chunks));
    expect(calls).toEqual(SMTP_CALLS);
  });

  it("makes the same calls with a streamed DATA state, which hears `last` once per message", () => {
    const result = assertSameFramesInEveryChunking(bytes(SMTP_TRANSCRIPT), (chunks) =>
      run(() => new StreamingSmtp(), chunks, (channel) => channel.lasts),
    );
    expect(result).toEqual({ calls: SMTP_CALLS, extra: 2 });
  });

  it("stops handling input once QUIT has asked to close", () => {
    const channel = new MiniSmtp();
    channel.handleRead(bytes(SMTP_TRANSCRIPT));
    expect(channel.closing).toBe(true);
    expect(channel.calls.filter((c) => c === "command NOOP")).toHaveLength(1);
  });
});

/** The SMTP-like protocol that refuses bare line endings in its DATA body (the smuggling defence). */
class StrictSmtp extends MiniSmtp {
  @onTerminator("\r\n.\r\n", { encoding: "latin1", lineEndings: "crlf" })
  override data(body: string): unknown {
    return super.data(body);
  }

  @onOverflow
  refused(error: Error): unknown {
    this.calls.push(`refused ${(error as BareLineEndingError).code} at ${(error as BareLineEndingError).offset ?? "?"}`);
    this.push("550 Bare line ending\r\n");
    return this.command;
  }
}

/** The same, streamed. */
class StrictStreamingSmtp extends StreamingSmtp {
  @onTerminator("\r\n.\r\n", { encoding: "latin1", lineEndings: "crlf", stream: true })
  override data(piece: string, last?: boolean): unknown {
    return super.data(piece, last);
  }

  @onOverflow
  refused(error: Error): unknown {
    this.body = "";
    this.calls.push(`refused ${(error as BareLineEndingError).code} at ${(error as BareLineEndingError).offset ?? "?"}`);
    this.push("550 Bare line ending\r\n");
    return this.command;
  }
}

const SMUGGLING_TRANSCRIPT =
  "DATA\r\n" +
  "innocent\n.\r\n" + // a bare LF before the dot: a smuggling attempt
  "MAIL FROM:<evil@example.org>\r\n" +
  ".\r\n" +
  "DATA\r\n" +
  "fine\r\n" +
  ".\r\n" +
  "DATA\r\n" +
  "cr\rhere\r\n" + // a bare CR
  ".\r\n" +
  "NOOP\r\n";

const SMUGGLING_CALLS = [
  "command DATA",
  "reply 354 End data with <CR><LF>.<CR><LF>",
  "refused ERR_BARE_LINE_ENDING at 8",
  "reply 550 Bare line ending",
  "command DATA",
  "reply 354 End data with <CR><LF>.<CR><LF>",
  `message ${JSON.stringify("fine")}`,
  "reply 250 Queued",
  "command DATA",
  "reply 354 End data with <CR><LF>.<CR><LF>",
  "refused ERR_BARE_LINE_ENDING at 2",
  "reply 550 Bare line ending",
  "command NOOP",
  "reply 250 OK",
];

describe("{ lineEndings: \"crlf\" } on an SMTP-like DATA body", () => {
  it("rejects a body with a bare LF or CR, the same in every chunking", () => {
    const calls = assertSameFramesInEveryChunking(bytes(SMUGGLING_TRANSCRIPT), (chunks) => run(() => new StrictSmtp(), chunks));
    expect(calls).toEqual(SMUGGLING_CALLS);
  });

  it("rejects the same bodies when the DATA state is streamed, at the same offsets, in every chunking", () => {
    const calls = assertSameFramesInEveryChunking(bytes(SMUGGLING_TRANSCRIPT), (chunks) => run(() => new StrictStreamingSmtp(), chunks));
    expect(calls).toEqual(SMUGGLING_CALLS);
  });
});
