/**
 * Pause means pause: once readable() is false, no further frame is
 * delivered, not even from a chunk already received; updateReading()
 * resumes and delivers the rest in order.
 */

import * as fc from "fast-check";
import { InputOverflowError } from "@asynchat/core";
import { createSocketPair } from "@asynchat/core/testing";
import type { AsyncChatOptions, Terminator } from "@asynchat/core";
import type { Duplex } from "node:stream";
import { CallLog, feed, tick, waitUntil } from "../helpers";

/** A channel whose readable() is a flag the test (or a callback) flips. */
class Pausable extends CallLog {
  paused = false;

  constructor(terminator: Terminator = "\n", socket: Duplex | null = null, options?: AsyncChatOptions) {
    super(terminator, socket, options);
  }

  override readable(): boolean {
    return !this.paused;
  }

  resume(): void {
    this.paused = false;
    this.updateReading();
  }
}

describe("pausing with readable()", () => {
  it("delivers no further frame from the chunk already received once readable() turns false", () => {
    const channel = new Pausable();
    channel.onFound = (frame) => {
      if (frame === "a") channel.paused = true;
    };
    feed(channel, "a\nb\nc\n");
    expect(channel.frames).toEqual(["a"]);
    expect(channel.calls).toHaveLength(2);
    expect(channel.bufferedInput).toBe(4);
  });

  it("delivers the rest in order once readable() flips back and updateReading() is called", () => {
    const channel = new Pausable();
    channel.onFound = (frame) => {
      if (frame === "a") channel.paused = true;
    };
    feed(channel, "a\nb\nc\n");
    channel.resume();
    expect(channel.frames).toEqual(["a", "b", "c"]);
    expect(channel.bufferedInput).toBe(0);
  });

  it("does nothing on updateReading() while readable() is still false", () => {
    const channel = new Pausable();
    channel.paused = true;
    feed(channel, "a\n");
    channel.updateReading();
    expect(channel.frames).toEqual([]);
    expect(channel.bufferedInput).toBe(2);
  });

  it("keeps input received while paused behind the input that was waiting", () => {
    const channel = new Pausable();
    channel.onFound = (frame) => {
      if (frame === "a") channel.paused = true;
    };
    feed(channel, "a\nb\n", "c\nd", "\n");
    expect(channel.frames).toEqual(["a"]);
    channel.resume();
    expect(channel.frames).toEqual(["a", "b", "c", "d"]);
  });

  it("can pause again in a frame delivered after resuming", () => {
    const channel = new Pausable();
    channel.onFound = () => {
      channel.paused = true;
    };
    feed(channel, "1\n2\n3\n");
    expect(channel.frames).toEqual(["1"]);
    channel.resume();
    expect(channel.frames).toEqual(["1", "2"]);
    channel.resume();
    expect(channel.frames).toEqual(["1", "2", "3"]);
  });

  it("stops in the middle of a frame when readable() turns false inside collectIncomingData", () => {
    const channel = new Pausable(3);
    channel.onData = () => {
      channel.paused = true;
    };
    channel.onFound = () => channel.setTerminator(3);
    feed(channel, "ab", "cdef");
    // "ab" arrived and paused the channel: "cdef" waits.
    expect(channel.calls).toEqual([{ data: "ab" }]);
    channel.resume();
    expect(channel.frames).toEqual(["abc"]);
    channel.resume();
    expect(channel.frames).toEqual(["abc", "def"]);
  });

  it("pauses a whole multi-frame read when readable() is false before it arrives", () => {
    const channel = new Pausable();
    channel.paused = true;
    feed(channel, "x\ny\n");
    expect(channel.calls).toEqual([]);
    channel.resume();
    expect(channel.frames).toEqual(["x", "y"]);
  });

  it("pauses the socket while readable() is false and reads again once it resumes", async () => {
    const [near, far] = createSocketPair();
    const channel = new Pausable("\n", near);
    channel.onFound = (frame) => {
      if (frame === "stop") channel.paused = true;
    };
    far.write("one\nstop\nthree\n");
    await waitUntil(() => channel.frames.length >= 2, "the first two frames arrive");
    await tick();
    expect(channel.frames).toEqual(["one", "stop"]);
    expect(near.isPaused()).toBe(true);
    far.write("four\n");
    await tick();
    expect(channel.frames).toEqual(["one", "stop"]);
    channel.resume();
    await waitUntil(() => channel.frames.length === 4, "the rest arrives");
    expect(channel.frames).toEqual(["one", "stop", "three", "four"]);
    expect(near.isPaused()).toBe(false);
    channel.destroy();
  });

  it("fails with ERR_INPUT_OVERFLOW when input waiting while paused passes maxBufferedInput", () => {
    const channel = new Pausable("\n", null, { maxBufferedInput: 8 });
    const errors: Error[] = [];
    channel.on("error", (error) => errors.push(error));
    channel.paused = true;
    feed(channel, "12345");
    expect(errors).toEqual([]);
    feed(channel, "6789");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(InputOverflowError);
    expect((errors[0] as InputOverflowError).code).toBe("ERR_INPUT_OVERFLOW");
    expect((errors[0] as InputOverflowError).limit).toBe(8);
    expect((errors[0] as InputOverflowError).length).toBe(9);
    expect(channel.closed).toBe(true);
  });

  it("gives the same frames, in order, however often it pauses and resumes", () => {
    const lines = fc.array(fc.stringMatching(/^[a-z]{0,4}$/), { minLength: 1, maxLength: 30 });
    fc.assert(
      fc.property(lines, fc.array(fc.boolean(), { minLength: 1, maxLength: 30 }), fc.integer({ min: 1, max: 9 }), (texts, pauses, size) => {
        const input = Buffer.from(texts.map((text) => `${text}\n`).join(""));
        const channel = new Pausable();
        let deliveredWhilePaused = 0;
        channel.onFound = () => {
          if (channel.paused) deliveredWhilePaused++;
          channel.paused = pauses[channel.frames.length % pauses.length]!;
        };
        for (let at = 0; at < input.length; at += size) channel.handleRead(input.subarray(at, at + size));
        for (let rounds = 0; channel.paused && rounds < 1000; rounds++) channel.resume();
        expect(deliveredWhilePaused).toBe(0);
        expect(channel.frames).toEqual(texts);
      }),
      { numRuns: 300 },
    );
  });
});
