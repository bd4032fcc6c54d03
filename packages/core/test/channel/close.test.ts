/**
 * Nothing after close: once a callback calls closeWhenDone(), handleClose(),
 * close(), destroy() or discardBuffers(), no later frame of the same chunk
 * reaches user code. `close` is emitted exactly once.
 */

import { AsyncChat, ChannelClosedError } from "@asynchat/core";
import { createSocketPair } from "@asynchat/core/testing";
import { CallLog, feed, once, readAll, tick } from "../helpers";

describe("nothing after close", () => {
  it("delivers no later frame of the same chunk after closeWhenDone() in foundTerminator", () => {
    const channel = new CallLog("\r\n");
    channel.onFound = (frame) => {
      if (frame === "QUIT") channel.closeWhenDone();
    };
    feed(channel, "NOOP\r\nQUIT\r\nNOOP\r\nRSET\r\n");
    expect(channel.frames).toEqual(["NOOP", "QUIT"]);
    expect(channel.closing).toBe(true);
  });

  it("ignores input that arrives after closeWhenDone()", () => {
    const channel = new CallLog("\n");
    channel.onFound = () => channel.closeWhenDone();
    feed(channel, "bye\n", "more\n");
    expect(channel.calls).toEqual([{ data: "bye" }, { found: "bye", matched: "\n" }]);
  });

  it("delivers no more data of the frame under way after closeWhenDone() in collectIncomingData", () => {
    const channel = new CallLog(4);
    channel.onData = () => channel.closeWhenDone();
    feed(channel, "ab", "cd");
    expect(channel.calls).toEqual([{ data: "ab" }]);
    expect(channel.frames).toEqual([]);
  });

  it("does not call foundTerminator for a frame whose last piece made collectIncomingData close, in any chunking", () => {
    for (const chunks of [["abcd"], ["ab", "cd"], ["a", "bcd"]]) {
      const channel = new CallLog(4);
      channel.onData = (data) => {
        if (data.includes("d")) channel.closeWhenDone();
      };
      feed(channel, ...chunks);
      expect(channel.frames).toEqual([]);
    }
  });

  it("delivers no later frame after handleClose() in foundTerminator", async () => {
    const channel = new CallLog("\n");
    let closes = 0;
    channel.on("close", () => closes++);
    channel.onFound = () => channel.handleClose();
    feed(channel, "a\nb\nc\n");
    expect(channel.frames).toEqual(["a"]);
    expect(channel.closed).toBe(true);
    await tick();
    expect(closes).toBe(1);
  });

  it("delivers no later frame after close() or destroy() in foundTerminator", () => {
    for (const method of ["close", "destroy"] as const) {
      const channel = new CallLog("\n");
      channel.onFound = () => channel[method]();
      feed(channel, "a\nb\n");
      expect(channel.frames).toEqual(["a"]);
    }
  });

  it("delivers no later frame after a callback throws and the default handling closes", () => {
    const channel = new CallLog("\n");
    const errors: Error[] = [];
    channel.on("error", (error) => errors.push(error));
    channel.onFound = (frame) => {
      if (frame === "bad") throw new Error("handler failed");
    };
    feed(channel, "ok\nbad\nlater\n");
    expect(channel.frames).toEqual(["ok", "bad"]);
    expect(errors.map((error) => error.message)).toEqual(["handler failed"]);
    expect(channel.closed).toBe(true);
  });

  it("drops the rest of the chunk after discardBuffers() in foundTerminator, and frames later input normally", () => {
    const channel = new CallLog("\n");
    channel.onFound = (frame) => {
      if (frame === "reset") channel.discardBuffers();
    };
    feed(channel, "a\nreset\nb\nc\n");
    expect(channel.frames).toEqual(["a", "reset"]);
    feed(channel, "d\ne\n");
    expect(channel.frames).toEqual(["a", "reset", "d", "e"]);
    expect(channel.closed).toBe(false);
  });

  it("drops input waiting while paused on discardBuffers()", () => {
    class Paused extends CallLog {
      paused = true;
      override readable(): boolean {
        return !this.paused;
      }
    }
    const channel = new Paused("\n");
    feed(channel, "x\ny\n");
    expect(channel.bufferedInput).toBe(4);
    channel.discardBuffers();
    expect(channel.bufferedInput).toBe(0);
    channel.paused = false;
    channel.updateReading();
    feed(channel, "z\n");
    expect(channel.frames).toEqual(["z"]);
  });

  it("drops a held-back terminator prefix on discardBuffers(), as asynchat empties its input buffer", () => {
    const channel = new CallLog("\r\n");
    feed(channel, "ab\r");
    channel.discardBuffers();
    feed(channel, "\ncd\r\n");
    // The CR went with the buffer: the LF is data. What the channel had already
    // collected ("ab") belongs to the subclass, which drops it if it wants.
    expect(channel.frames).toEqual(["ab\ncd"]);
  });

  it("keeps counting a byte count from where it was on discardBuffers()", () => {
    const channel = new CallLog(5);
    feed(channel, "ab");
    channel.discardBuffers();
    expect(channel.getTerminator()).toBe(3);
    feed(channel, "cdefg");
    expect(channel.frames).toEqual(["abcde"]);
  });

  it("drops output pushed after closeWhenDone() and reports it with ERR_CHANNEL_CLOSED", () => {
    const channel = new CallLog("\n");
    const errors: Error[] = [];
    channel.on("error", (error) => errors.push(error));
    channel.closeWhenDone();
    channel.push("late");
    channel.pushWithProducer(["late"]);
    expect(errors).toHaveLength(2);
    for (const error of errors) {
      expect(error).toBeInstanceOf(ChannelClosedError);
      expect((error as ChannelClosedError).code).toBe("ERR_CHANNEL_CLOSED");
    }
  });
});

describe("the close event", () => {
  it("is emitted exactly once however many ways the channel is closed", async () => {
    const [near, far] = createSocketPair();
    const channel = new CallLog("\n", near);
    let closes = 0;
    channel.on("close", () => closes++);
    channel.on("error", () => undefined);
    const closed = once(channel, "close");
    channel.closeWhenDone();
    channel.close();
    channel.destroy();
    channel.handleClose();
    far.destroy();
    await closed;
    await tick();
    channel.close();
    channel.destroy();
    await tick();
    expect(closes).toBe(1);
  });

  it("is emitted once when the peer ends the connection", async () => {
    const [near, far] = createSocketPair();
    const channel = new CallLog("\n", near);
    let closes = 0;
    channel.on("close", () => closes++);
    const closed = once(channel, "close");
    far.end("last\n");
    void readAll(far);
    await closed;
    await tick();
    expect(closes).toBe(1);
    expect(channel.frames).toEqual(["last"]);
  });

  it("is emitted once for a channel without a socket", async () => {
    const channel = new CallLog("\n");
    let closes = 0;
    channel.on("close", () => closes++);
    channel.close();
    channel.close();
    await tick();
    expect(closes).toBe(1);
    expect(channel.closed).toBe(true);
  });

  it("calls handleClose once, then emits close", async () => {
    const [near, far] = createSocketPair();
    const order: string[] = [];
    class Tracked extends AsyncChat {
      override handleClose(): void {
        order.push("handleClose");
        super.handleClose();
      }
    }
    const channel = new Tracked(near);
    channel.on("close", () => order.push("close"));
    channel.closeWhenDone();
    void readAll(far);
    await once(channel, "close");
    far.destroy();
    await tick();
    expect(order).toEqual(["handleClose", "close"]);
  });
});
