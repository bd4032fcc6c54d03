/**
 * Budgets across frames on AsyncChat (startBudget): bytes counted as they
 * arrive and frames as they end; the frame that passes a limit is rejected
 * and dropped, in every chunking.
 */

import { BudgetExceededError, ErrorCode } from "@asynchat/core";
import { assertSameFramesInEveryChunking } from "@asynchat/core/testing";
import { Protocol, onTerminator } from "../../../decorators/src";
import { CallLog, bytes, feed } from "../helpers";

/** A header block: lines under a budget until the empty line; records rejections and carries on. */
class Headers extends CallLog {
  readonly rejected: Array<{ resource: string; used: number }> = [];
  readonly blocks: Array<{ bytes: number; frames: number }> = [];

  constructor() {
    super("\r\n");
    this.startBudget({ name: "headers", maxBytes: 20, maxFrames: 3 });
    this.onFound = (line) => {
      if (line === "") {
        this.blocks.push(this.endBudget());
        this.startBudget({ name: "headers", maxBytes: 20, maxFrames: 3 });
      }
    };
  }

  /** Like a server answering 431: the request's block is over, the next one starts afresh. */
  override handleBudgetExceeded(error: BudgetExceededError): void {
    this.rejected.push({ resource: error.resource, used: error.used });
    this.forgetPending();
    this.endBudget();
    this.startBudget({ name: "headers", maxBytes: 20, maxFrames: 3 });
  }
}

function run(chunks: Buffer[]) {
  const channel = new Headers();
  for (const chunk of chunks) channel.handleRead(chunk);
  // How far past the limit a rejected frame was counted depends on where the reads ended; that it was past does not.
  const rejected = channel.rejected.map(({ resource, used }) => ({ resource, past: used > (resource === "bytes" ? 20 : 3) }));
  return { frames: channel.frames, rejected, blocks: channel.blocks };
}

describe("startBudget", () => {
  it("rejects the frame that passes the byte or the frame limit, and delivers the rest, in every chunking", () => {
    const input = "a: 1\r\nb: 2\r\n\r\nc: 3\r\nd: 4\r\ne: 5\r\nf: 6\r\nlong: 0123456789abcdef\r\ng: 7\r\n\r\n";
    const result = assertSameFramesInEveryChunking(bytes(input), run);
    expect(result.frames).toEqual(["a: 1", "b: 2", "", "c: 3", "d: 4", "e: 5", "g: 7", ""]);
    expect(result.rejected).toEqual([
      { resource: "frames", past: true },
      { resource: "bytes", past: true },
    ]);
    expect(result.blocks).toEqual([
      { bytes: 8, frames: 3 },
      { bytes: 4, frames: 2 },
    ]);
  });

  it("counts bytes as they arrive: a line past the budget is rejected before its terminator comes", () => {
    const channel = new Headers();
    feed(channel, "x".repeat(15));
    expect(channel.rejected).toEqual([]);
    feed(channel, "x".repeat(10));
    expect(channel.rejected).toEqual([{ resource: "bytes", used: 25 }]);
    feed(channel, "y".repeat(1000));
    expect(channel.pieces.map((piece) => piece.length).reduce((a, b) => a + b, 0)).toBe(15);
    feed(channel, "\r\nok\r\n");
    expect(channel.frames).toEqual(["ok"]);
  });

  it("reports what a block used when it ends, and has no limit once ended", () => {
    const channel = new Headers();
    feed(channel, "a: 1\r\nbb: 22\r\n\r\n");
    expect(channel.blocks).toEqual([{ bytes: 10, frames: 3 }]);
    expect(channel.budgetUsed).toEqual({ bytes: 0, frames: 0 });
    channel.endBudget();
    expect(channel.budgetUsed).toBeNull();
    feed(channel, `${"z".repeat(100)}\r\n1\r\n2\r\n3\r\n4\r\n`);
    expect(channel.rejected).toEqual([]);
    expect(channel.frames.slice(-5)).toEqual(["z".repeat(100), "1", "2", "3", "4"]);
    expect(channel.endBudget()).toEqual({ bytes: 0, frames: 0 });
  });

  it("counts byte-count frames too", () => {
    const channel = new CallLog(4);
    const errors: Error[] = [];
    channel.on("error", (error) => errors.push(error));
    channel.startBudget({ maxBytes: 6 });
    channel.onFound = () => channel.setTerminator(4);
    feed(channel, "abcdefgh");
    expect(channel.frames).toEqual(["abcd"]);
    expect(errors[0]).toMatchObject({ code: ErrorCode.BUDGET_EXCEEDED, budget: "budget", resource: "bytes", limit: 6 });
  });

  it("closes the channel by default, with an error event, and delivers nothing after", () => {
    const channel = new CallLog("\n");
    const errors: Error[] = [];
    channel.on("error", (error) => errors.push(error));
    channel.startBudget({ name: "lines", maxFrames: 2 });
    feed(channel, "1\n2\n3\n4\n");
    expect(channel.frames).toEqual(["1", "2"]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(BudgetExceededError);
    expect(errors[0]).toMatchObject({ code: ErrorCode.BUDGET_EXCEEDED, budget: "lines", resource: "frames", limit: 2, used: 3 });
    expect(channel.closed).toBe(true);
  });

  it("checks its limits", () => {
    const channel = new CallLog();
    expect(() => channel.startBudget({ maxBytes: -1 })).toThrow(RangeError);
    expect(() => channel.startBudget({ maxFrames: 1.5 })).toThrow(/maxFrames/);
    expect(() => channel.startBudget({ maxBytes: "10" as unknown as number })).toThrow(TypeError);
    expect(() => channel.startBudget(null as unknown as object)).toThrow(TypeError);
  });

  it("on a Protocol, counts the frames of its states that have no budget of their own", () => {
    class Lines extends Protocol {
      readonly lines: string[] = [];
      @onTerminator("\n", { encoding: "latin1" })
      line(line: string): void {
        this.lines.push(line);
      }
    }
    const channel = new Lines();
    const errors: Error[] = [];
    channel.on("error", (error) => errors.push(error));
    channel.startBudget({ name: "lines", maxFrames: 2 });
    channel.handleRead(bytes("1\n2\n"));
    expect(channel.budgetUsed).toEqual({ bytes: 2, frames: 2 });
    channel.handleRead(bytes("3\n4\n"));
    expect(channel.lines).toEqual(["1", "2"]);
    expect(errors[0]).toMatchObject({ code: ErrorCode.BUDGET_EXCEEDED, budget: "lines", resource: "frames", limit: 2, used: 3 });
    expect(channel.closed).toBe(true);
  });
});
