/**
 * The line-ending policy of AsyncChat (`lineEndings: "crlf"`): a bare CR or
 * LF inside a frame ended by a string terminator rejects that frame, in
 * every chunking, and the channel goes on (or closes, by default).
 */

import { BareLineEndingError, CrlfCheck, ErrorCode, findBareLineEnding, findBareLineEndingInFrame } from "@asynchat/core";
import { assertSameFramesInEveryChunking, chunkings } from "@asynchat/core/testing";
import fc from "fast-check";
import { Protocol, onTerminator } from "../../../decorators/src";
import { CallLog, bytes, feed } from "../helpers";

/** Records accepted frames and rejections, and carries on after a rejection. */
class Lines extends CallLog {
  readonly rejected: number[] = [];
  discardedEnds = 0;

  constructor(terminator: string | string[] = "\r\n") {
    super(terminator, null, { lineEndings: "crlf" });
  }

  override handleBareLineEnding(error: BareLineEndingError): void {
    this.rejected.push(error.offset);
    this.forgetPending();
  }

  override handleDiscardedFrameEnd(): void {
    this.discardedEnds++;
  }
}

function run(chunks: Buffer[]): { frames: string[]; rejected: number[]; discardedEnds: number } {
  const channel = new Lines();
  for (const chunk of chunks) channel.handleRead(chunk);
  return { frames: channel.frames, rejected: channel.rejected, discardedEnds: channel.discardedEnds };
}

/**
 * The reference: split the whole input at CR LF and judge each frame on its
 * own. The unterminated rest is judged as far as it can be: it is rejected
 * as soon as it holds a bare LF or a CR followed by something else.
 */
function reference(input: string): { frames: string[]; rejected: number[]; discardedEnds: number } {
  const parts = input.split("\r\n");
  const rest = parts.pop()!;
  const frames: string[] = [];
  const rejected: number[] = [];
  for (const part of parts) {
    const bad = /\n|\r(?!\n)/.exec(part);
    if (bad === null) frames.push(part);
    else rejected.push(bad.index);
  }
  const discardedEnds = rejected.length;
  // A CR at the very end is held back by the framer (it may start the terminator): not judged yet.
  const judged = rest.endsWith("\r") ? rest.slice(0, -1) : rest;
  const early = /\n|\r(?=[^\n])/.exec(judged);
  if (early !== null) rejected.push(early.index);
  return { frames, rejected, discardedEnds };
}

describe('lineEndings: "crlf"', () => {
  it("rejects frames holding a bare LF or CR, or ending in a CR, and delivers the others, in every chunking", () => {
    const input = "ok\r\na\nb\r\nc\rd\r\nx\r\r\ngood\r\n\r\n";
    const result = assertSameFramesInEveryChunking(bytes(input), run);
    expect(result).toEqual({ frames: ["ok", "good", ""], rejected: [1, 1, 1], discardedEnds: 3 });
    expect(result).toEqual(reference(input));
  });

  it("matches the reference for random input in random chunkings", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom("a", "b", "\r", "\n", "\r\n"), { maxLength: 40 }), fc.integer({ min: 0, max: 1000 }), (pieces, seed) => {
        const input = pieces.join("");
        const expected = reference(input);
        for (const chunking of chunkings(bytes(input), { seed, randomRuns: 3 })) {
          expect(run(chunking.chunks)).toEqual(expected);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("drops what appendData kept of a rejected frame", () => {
    class Joined extends Lines {
      joined: string[] = [];
      override collectIncomingData(data: Buffer): void {
        this.appendData(data);
      }
      override foundTerminator(): void {
        this.joined.push(this.getData().toString());
      }
    }
    const channel = new Joined();
    for (const chunk of [bytes("fir"), bytes("st\r\nse"), bytes("c\nond"), bytes("\r\nthird\r\n")]) channel.handleRead(chunk);
    expect(channel.joined).toEqual(["first", "third"]);
    expect(channel.rejected).toEqual([3]);
  });

  it("closes the channel by default, with an error event carrying ERR_BARE_LINE_ENDING and the offset, and delivers nothing after", () => {
    const channel = new CallLog("\r\n", null, { lineEndings: "crlf" });
    const errors: Error[] = [];
    channel.on("error", (error) => errors.push(error));
    feed(channel, "HELO a\r\nDATA\r\nevil\n.\nQUIT\r\nlater\r\n");
    expect(channel.frames).toEqual(["HELO a", "DATA"]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(BareLineEndingError);
    expect(errors[0]).toMatchObject({ code: ErrorCode.BARE_LINE_ENDING, offset: 4 });
    expect(channel.closed).toBe(true);
  });

  it("never checks byte-count frames, and ends the frame at a bare LF that is one of several terminators", () => {
    const channel = new Lines(["\r\n", "\n"]);
    feed(channel, "one\ntwo\r\nbad\rx\r\n");
    expect(channel.calls.filter((call) => "found" in call)).toEqual([
      { found: "one", matched: "\n" },
      { found: "two", matched: "\r\n" },
    ]);
    expect(channel.rejected).toEqual([3]);
    channel.setTerminator(5);
    feed(channel, "a\nb\rc");
    expect(channel.frames.at(-1)).toBe("a\nb\rc");
    expect(channel.rejected).toEqual([3]);
  });

  it("is a property that can be switched at any time, and is checked", () => {
    const channel = new Lines();
    channel.lineEndings = "any";
    expect(channel.lineEndings).toBe("any");
    feed(channel, "a\nb\r\n");
    expect(channel.frames).toEqual(["a\nb"]);
    channel.lineEndings = "crlf";
    feed(channel, "a\nb\r\nc\r\n");
    expect(channel.frames).toEqual(["a\nb", "c"]);
    expect(channel.rejected).toEqual([1]);
    expect(() => {
      channel.lineEndings = "lf" as "crlf";
    }).toThrow(TypeError);
    expect(() => new CallLog("\r\n", null, { lineEndings: "strict" as "crlf" })).toThrow(/lineEndings/);
    expect(new CallLog().lineEndings).toBe("any");
  });

  it("is set per state on a Protocol, and for the whole channel it is the default of states that set none", () => {
    class Smtp extends Protocol {
      readonly lines: string[] = [];
      @onTerminator("\r\n", { encoding: "latin1", next: ["data"] })
      command(line: string): unknown {
        this.lines.push(line);
        return line === "DATA" ? "data" : undefined;
      }
      @onTerminator("\r\n", { encoding: "latin1", lineEndings: "any" })
      data(line: string): void {
        this.lines.push(`data ${line}`);
      }
    }
    const smtp = new Smtp(null, { lineEndings: "crlf" });
    expect(smtp.lineEndings).toBe("crlf");
    const rejected: number[] = [];
    smtp.handleBareLineEnding = (error) => void rejected.push(error.offset);
    smtp.handleRead(bytes("HELO a\nb\r\nDATA\r\nx\ny\r\n"));
    expect(smtp.lines).toEqual(["DATA", "data x\ny"]);
    expect(rejected).toEqual([6]);
    expect(() => {
      smtp.lineEndings = "lf" as "crlf";
    }).toThrow(TypeError);
  });
});

describe("findBareLineEnding, findBareLineEndingInFrame and CrlfCheck", () => {
  it("find the first bare CR or LF, leaving a CR at the end of a piece to the next one", () => {
    expect(findBareLineEnding(bytes("ab\r\ncd"), 0, 6)).toBe(-1);
    expect(findBareLineEnding(bytes("ab\ncd"), 0, 5)).toBe(2);
    expect(findBareLineEnding(bytes("ab\rcd"), 0, 5)).toBe(2);
    expect(findBareLineEnding(bytes("ab\r"), 0, 3)).toBe(-1);
    expect(findBareLineEndingInFrame(bytes("xab\r"), 1, 4)).toBe(2);
    expect(findBareLineEndingInFrame(bytes("xa\nb"), 1, 4)).toBe(1);
    expect(findBareLineEndingInFrame(bytes("xa\r\nb"), 1, 5)).toBe(-1);
    const check = new CrlfCheck();
    expect(check.piece(bytes("ab\r"), 0, 3)).toBe(-1);
    expect(check.piece(bytes("\ncd\r"), 0, 4)).toBe(-1);
    expect(check.end()).toBe(6);
    expect(check.piece(bytes("x\r"), 0, 2)).toBe(-1);
    expect(check.piece(bytes("y"), 0, 1)).toBe(1);
  });
});
