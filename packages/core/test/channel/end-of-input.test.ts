/**
 * The peer ends its side: input before the end is framed, what is queued
 * is still delivered, an unfinished frame is handed over or reported.
 */

import { IncompleteFrameError } from "@asynchat/core";
import { createSocketPair } from "@asynchat/core/testing";
import { CallLog, once, readAll, sleep, tick } from "../helpers";

describe("end of input", () => {
  it("frames everything sent before the end, then closes after delivering what is queued", async () => {
    const [near, far] = createSocketPair();
    const channel = new CallLog("\n", near);
    channel.onFound = (frame) => {
      let sent = false;
      channel.pushWithProducer({
        more: async () => {
          await sleep(2);
          if (sent) return "";
          sent = true;
          return `ok ${frame}\n`;
        },
      });
    };
    const received = readAll(far);
    const closed = once(channel, "close");
    far.end("a\nb\nc\n");
    expect((await received).toString()).toBe("ok a\nok b\nok c\n");
    await closed;
    expect(channel.frames).toEqual(["a", "b", "c"]);
  });

  it("frames input that waited while paused before handling the end", async () => {
    class Paused extends CallLog {
      paused = true;
      override readable(): boolean {
        return !this.paused;
      }
    }
    const [near, far] = createSocketPair();
    const channel = new Paused("\n", near);
    const closed = once(channel, "close");
    far.end("x\ny\n");
    void readAll(far);
    await sleep(10);
    expect(channel.frames).toEqual([]);
    expect(channel.closed).toBe(false);
    channel.paused = false;
    channel.updateReading();
    await closed;
    expect(channel.frames).toEqual(["x", "y"]);
  });

  it("hands over the unfinished frame with deliverPartialFrameAtEnd, with no matched terminator", async () => {
    const [near, far] = createSocketPair();
    const channel = new CallLog("\r\n", near, { deliverPartialFrameAtEnd: true });
    const errors: Error[] = [];
    channel.on("error", (error) => errors.push(error));
    const closed = once(channel, "close");
    void readAll(far);
    far.end("full\r\npartial\r");
    await closed;
    expect(channel.calls.filter((call) => "found" in call)).toEqual([
      { found: "full", matched: "\r\n" },
      { found: "partial\r", matched: null },
    ]);
    expect(errors).toEqual([]);
  });

  it("hands over an unfinished byte count with deliverPartialFrameAtEnd", async () => {
    const [near, far] = createSocketPair();
    const channel = new CallLog(10, near, { deliverPartialFrameAtEnd: true });
    const closed = once(channel, "close");
    void readAll(far);
    far.end("abc");
    await closed;
    expect(channel.frames).toEqual(["abc"]);
  });

  it("emits ERR_INCOMPLETE_FRAME with the frame's length by default, and drops it", async () => {
    const [near, far] = createSocketPair();
    const channel = new CallLog("\r\n", near);
    const errors: Error[] = [];
    channel.on("error", (error) => errors.push(error));
    const closed = once(channel, "close");
    void readAll(far);
    far.end("full\r\npartial\r");
    await closed;
    expect(channel.frames).toEqual(["full"]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(IncompleteFrameError);
    expect(errors[0]).toMatchObject({ code: "ERR_INCOMPLETE_FRAME", length: 8 });
  });

  it("reports nothing when the input ends between frames", async () => {
    const [near, far] = createSocketPair();
    const channel = new CallLog("\n", near);
    const errors: Error[] = [];
    channel.on("error", (error) => errors.push(error));
    const closed = once(channel, "close");
    void readAll(far);
    far.end("done\n");
    await closed;
    expect(errors).toEqual([]);
  });

  it("does not report an unfinished frame while collecting everything", async () => {
    const [near, far] = createSocketPair();
    const channel = new CallLog(null, near);
    const errors: Error[] = [];
    channel.on("error", (error) => errors.push(error));
    const closed = once(channel, "close");
    void readAll(far);
    far.end("stream of bytes");
    await closed;
    expect(channel.pending).toBe("stream of bytes");
    expect(errors).toEqual([]);
  });

  it("calls handleEndOfInput once, after the last frame", async () => {
    const order: string[] = [];
    class Ending extends CallLog {
      override handleEndOfInput(): void {
        order.push("end of input");
        super.handleEndOfInput();
      }
    }
    const [near, far] = createSocketPair();
    const channel = new Ending("\n", near);
    channel.onFound = (frame) => order.push(frame);
    const closed = once(channel, "close");
    void readAll(far);
    far.end("1\n2\n");
    await closed;
    await tick();
    expect(order).toEqual(["1", "2", "end of input"]);
  });

  it("can keep writing after the peer's end when handleEndOfInput is overridden", async () => {
    class Lingering extends CallLog {
      override handleEndOfInput(): void {
        setTimeout(() => {
          this.push("late answer\n");
          this.closeWhenDone();
        }, 5);
      }
    }
    const [near, far] = createSocketPair();
    const channel = new Lingering("\n", near);
    const received = readAll(far);
    far.end("question\n");
    expect((await received).toString()).toBe("late answer\n");
    expect(channel.closed).toBe(true);
  });
});
