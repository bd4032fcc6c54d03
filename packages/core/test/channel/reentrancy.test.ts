/**
 * Re-entrancy: callbacks that feed data, change the terminator, resume
 * reading or drop buffers in the middle of a dispatch leave framing intact
 * and the order of frames as the bytes came.
 */

import * as fc from "fast-check";
import { assertSameFramesInEveryChunking, recordFrames } from "@asynchat/core/testing";
import { bytes, CallLog, feed } from "../helpers";

describe("re-entrant callbacks", () => {
  it("frames data fed from foundTerminator after the rest of the current chunk", () => {
    const channel = new CallLog("\n");
    channel.onFound = (frame) => {
      if (frame === "a") feed(channel, "fed\n");
    };
    feed(channel, "a\nb\nc");
    expect(channel.frames).toEqual(["a", "b", "cfed"]);
    // "c" then "fed" make up the frame under way: "c" came first.
    expect(channel.calls.filter((call) => "data" in call).map((call) => (call as { data: string }).data)).toEqual([
      "a",
      "b",
      "c",
      "fed",
    ]);
  });

  it("frames data fed from collectIncomingData after the piece being collected", () => {
    const channel = new CallLog("\n");
    let fed = false;
    channel.onData = () => {
      if (!fed) {
        fed = true;
        feed(channel, "2\n");
      }
    };
    feed(channel, "1");
    expect(channel.frames).toEqual(["12"]);
  });

  it("keeps order when every frame's callback feeds more data", () => {
    const channel = new CallLog("\n");
    let n = 0;
    channel.onFound = () => {
      if (n < 5) feed(channel, `${++n}\n`);
    };
    feed(channel, "0\n");
    expect(channel.frames).toEqual(["0", "1", "2", "3", "4", "5"]);
  });

  it("frames data fed from a callback with a terminator that callback set", () => {
    const channel = new CallLog("\n");
    channel.onFound = (frame) => {
      if (frame === "hdr") {
        channel.setTerminator(4);
        feed(channel, "bo");
      } else channel.setTerminator("\n");
    };
    feed(channel, "hdr\n", "dy", "tail\n");
    expect(channel.frames).toEqual(["hdr", "body", "tail"]);
  });

  it("uses a terminator set twice in one foundTerminator as the last one set", () => {
    const channel = new CallLog("\n");
    channel.onFound = () => {
      channel.setTerminator(2);
      channel.setTerminator(";");
      channel.setTerminator(["|", ";"]);
    };
    feed(channel, "a\nbc;d|");
    expect(channel.frames).toEqual(["a", "bc", "d"]);
  });

  it("switches terminators in every frame and still gives the same frames in every chunking", () => {
    // A length-prefixed protocol: "<n>:" then n bytes, then "," alone or a new prefix.
    const input = bytes("3:abc,0:,5:12:45,10:0123456789,");
    const frames = assertSameFramesInEveryChunking(input, (chunks) =>
      recordFrames(chunks, {
        terminator: ":",
        onFrame: (frame, channel) => {
          if (frame.terminator === ":") {
            const n = Number(frame.data.toString());
            channel.setTerminator(n === 0 ? "," : n);
          } else if (frame.terminator === null) channel.setTerminator(",");
          else channel.setTerminator(":");
        },
      }).strings,
    );
    expect(frames).toEqual(["3", "abc", "", "0", "", "5", "12:45", "", "10", "0123456789", ""]);
  });

  it("ignores updateReading() called from inside a callback", () => {
    const channel = new CallLog("\n");
    channel.onFound = () => channel.updateReading();
    feed(channel, "a\nb\n");
    expect(channel.frames).toEqual(["a", "b"]);
  });

  it("frames data fed after discardBuffers() inside the same callback", () => {
    const channel = new CallLog("\n");
    channel.onFound = (frame) => {
      if (frame === "restart") {
        channel.discardBuffers();
        feed(channel, "fresh\n");
      }
    };
    feed(channel, "restart\nstale\n");
    expect(channel.frames).toEqual(["restart", "fresh"]);
  });

  it("ignores data fed after closeWhenDone() inside the same callback", () => {
    const channel = new CallLog("\n");
    channel.onFound = () => {
      channel.closeWhenDone();
      feed(channel, "ignored\n");
    };
    feed(channel, "quit\n");
    expect(channel.frames).toEqual(["quit"]);
  });

  it("goes on with the next frame after a callback throws when the error handling keeps the channel open", () => {
    class Forgiving extends CallLog {
      readonly failures: string[] = [];
      override handleError(error: Error): void {
        this.failures.push(error.message);
      }
    }
    const channel = new Forgiving("\n");
    channel.on("error", () => undefined);
    channel.onFound = (frame) => {
      if (frame === "bad") throw new Error(`cannot handle ${frame}`);
    };
    feed(channel, "one\nbad\ntwo\n");
    expect(channel.frames).toEqual(["one", "bad", "two"]);
    expect(channel.failures).toEqual(["cannot handle bad"]);
  });

  it("gives the same frames when each next chunk is fed from inside a callback as when all are fed from outside", () => {
    const text = fc.array(fc.constantFrom("ab", "\r\n", "\r", "\n", "x"), { maxLength: 30 }).map((parts) => parts.join(""));
    fc.assert(
      fc.property(text, fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 5 }), (input, sizes) => {
        const data = bytes(input);
        const chunks: Buffer[] = [];
        for (let at = 0, i = 0; at < data.length; i++) {
          const size = sizes[i % sizes.length]!;
          chunks.push(data.subarray(at, at + size));
          at += size;
        }
        const outside = new CallLog(["\r\n", "\n"]);
        for (const chunk of chunks) outside.handleRead(chunk);

        const inside = new CallLog(["\r\n", "\n"]);
        let next = 1;
        const feedNext = (): void => {
          if (next < chunks.length) inside.handleRead(chunks[next++]!);
        };
        inside.onFound = feedNext;
        inside.onData = feedNext;
        if (chunks.length > 0) inside.handleRead(chunks[0]!);
        // Whatever the callbacks did not feed (no callback ran) goes in from outside.
        while (next < chunks.length) inside.handleRead(chunks[next++]!);

        expect(inside.frames).toEqual(outside.frames);
        expect(inside.pending).toBe(outside.pending);
      }),
      { numRuns: 300 },
    );
  });
});
