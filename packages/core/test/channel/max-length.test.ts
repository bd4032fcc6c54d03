/**
 * maxLength: a frame of exactly maxLength passes; a longer one is reported
 * to handleFrameTooLong as it arrives, dropped up to its terminator, and
 * framing resumes after it. The default hook closes the channel.
 */

import { AsyncChat, FrameTooLongError } from "@asynchat/core";
import { createSocketPair, recordFrames } from "@asynchat/core/testing";
import { bytes, CallLog, feed, once, readAll } from "../helpers";

/** Answers an over-long line and goes on, as an SMTP server does. */
class LineServer extends CallLog {
  readonly tooLong: FrameTooLongError[] = [];
  readonly order: string[] = [];
  discardedEnds = 0;

  override handleFrameTooLong(error: FrameTooLongError): void {
    this.tooLong.push(error);
    this.order.push("handleFrameTooLong");
    this.forgetPending();
  }

  override handleDiscardedFrameEnd(): void {
    this.discardedEnds++;
  }
}

describe("maxLength", () => {
  it("passes a frame of exactly maxLength bytes", () => {
    const channel = new LineServer("\n", null, { maxLength: 5 });
    feed(channel, "12345\n");
    expect(channel.frames).toEqual(["12345"]);
    expect(channel.tooLong).toEqual([]);
  });

  it("passes a frame of exactly maxLength bytes that arrives a byte at a time", () => {
    const channel = new LineServer("\r\n", null, { maxLength: 5 });
    feed(channel, ..."12345\r\n".split(""));
    expect(channel.frames).toEqual(["12345"]);
    expect(channel.tooLong).toEqual([]);
  });

  it("reports a longer frame with a FrameTooLongError carrying the limit, the length and the code", () => {
    const channel = new LineServer("\n", null, { maxLength: 5 });
    feed(channel, "123456789\nok\n");
    expect(channel.tooLong).toHaveLength(1);
    const [error] = channel.tooLong;
    expect(error).toBeInstanceOf(FrameTooLongError);
    expect(error!.code).toBe("ERR_FRAME_TOO_LONG");
    expect(error!.limit).toBe(5);
    expect(error!.length).toBe(9);
    expect(error!.message).toContain("5");
  });

  it("reports an over-long frame as soon as it passes the limit, before its terminator arrives", () => {
    const channel = new LineServer("\n", null, { maxLength: 5 });
    feed(channel, "1234", "56");
    expect(channel.tooLong).toHaveLength(1);
    expect(channel.tooLong[0]!.length).toBe(6);
  });

  it("drops the bytes of an over-long frame up to its terminator and frames on after it", () => {
    const channel = new LineServer("\n", null, { maxLength: 5 });
    feed(channel, "1234", "5678", "90ab", "cd\nok\n");
    expect(channel.frames).toEqual(["ok"]);
    // Only the bytes that arrived before the limit was crossed were ever handed over.
    expect(channel.calls[0]).toEqual({ data: "1234" });
    expect(channel.calls.slice(1)).toEqual([{ data: "ok" }, { found: "ok", matched: "\n" }]);
    expect(channel.tooLong).toHaveLength(1);
    expect(channel.discardedEnds).toBe(1);
  });

  it("reports each over-long frame once", () => {
    const recorder = recordFrames([bytes("aaaaaaaa\nbb\ncccccccccccc\ndd\n")], { terminator: "\n", maxLength: 3 });
    expect(recorder.strings).toEqual(["bb", "dd"]);
    expect(recorder.overflows.map((error) => error.length)).toEqual([8, 12]);
  });

  it("does not count a terminator prefix held back at the end of a read towards the frame", () => {
    const channel = new LineServer("\r\n", null, { maxLength: 3 });
    feed(channel, "abc\r", "\n");
    expect(channel.frames).toEqual(["abc"]);
    expect(channel.tooLong).toEqual([]);
  });

  it("limits frames ended by an array terminator too", () => {
    const channel = new LineServer(["\r\n", "\n"], null, { maxLength: 2 });
    feed(channel, "abc\r\nde\n");
    expect(channel.frames).toEqual(["de"]);
    expect(channel.tooLong).toHaveLength(1);
  });

  it("does not limit byte counts or collect-everything", () => {
    const channel = new LineServer(10, null, { maxLength: 2 });
    feed(channel, "0123456789abcdef");
    expect(channel.frames).toEqual(["0123456789"]);
    expect(channel.pending).toBe("abcdef");
    expect(channel.tooLong).toEqual([]);
  });

  it("lets only empty frames through with a maxLength of 0", () => {
    const channel = new LineServer("\n", null, { maxLength: 0 });
    feed(channel, "\nx\n\n");
    expect(channel.frames).toEqual(["", ""]);
    expect(channel.tooLong).toHaveLength(1);
  });

  it("applies a maxLength changed at run time from the next byte framed", () => {
    const channel = new LineServer("\n");
    feed(channel, "long line\n");
    channel.maxLength = 4;
    feed(channel, "long line\nok\n");
    expect(channel.frames).toEqual(["long line", "ok"]);
    expect(channel.tooLong).toHaveLength(1);
  });

  it("emits error after handleFrameTooLong has returned", () => {
    const channel = new LineServer("\n", null, { maxLength: 1 });
    channel.on("error", (error) => channel.order.push(`error ${(error as FrameTooLongError).code}`));
    feed(channel, "abc\n");
    expect(channel.order).toEqual(["handleFrameTooLong", "error ERR_FRAME_TOO_LONG"]);
    // The overriding hook chose to go on: the channel is still open.
    expect(channel.closed).toBe(false);
  });

  it("closes the channel and emits error by default", async () => {
    const [near, far] = createSocketPair();
    class Lines extends CallLog {}
    const channel = new Lines("\n", near, { maxLength: 4 });
    const errors: Error[] = [];
    channel.on("error", (error) => errors.push(error));
    const closed = once(channel, "close");
    const received = readAll(far);
    far.write("ok\ntoo long\nafter\n");
    await closed;
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(FrameTooLongError);
    expect(channel.closed).toBe(true);
    expect(channel.frames).toEqual(["ok"]);
    await received;
  });

  it("calls no hook for the end of an over-long frame once the default handling has closed the channel", () => {
    const calls: string[] = [];
    class Closing extends CallLog {
      override handleDiscardedFrameEnd(): void {
        calls.push("handleDiscardedFrameEnd");
      }
    }
    for (const chunks of [["far too long\nnext\n"], ["far too", " long\nnext\n"]]) {
      calls.length = 0;
      const channel = new Closing("\n", null, { maxLength: 4 });
      channel.on("error", () => undefined);
      feed(channel, ...chunks);
      expect(channel.closed).toBe(true);
      expect(calls).toEqual([]);
      expect(channel.frames).toEqual([]);
    }
  });

  it("has a finite default", () => {
    const channel = new AsyncChat();
    expect(Number.isFinite(channel.maxLength)).toBe(true);
    expect(channel.maxLength).toBeGreaterThan(0);
  });
});
