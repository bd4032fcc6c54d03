/**
 * FrameRecorder and recordFrames: the simplest correct channel, recording
 * frames, the frame under way and over-long frames.
 */

import { FrameTooLongError } from "@asynchat/core";
import { createSocketPair, FrameRecorder, recordFrames } from "@asynchat/core/testing";
import { readAll, waitUntil } from "../helpers";

describe("FrameRecorder", () => {
  it("records frames with the terminator that ended each, CRLF by default", () => {
    const recorder = recordFrames([Buffer.from("a\r\nb"), Buffer.from("c\r\nd")]);
    expect(recorder.getTerminator()).toBe("\r\n");
    expect(recorder.frames).toEqual([
      { data: Buffer.from("a"), terminator: "\r\n" },
      { data: Buffer.from("bc"), terminator: "\r\n" },
    ]);
    expect(recorder.strings).toEqual(["a", "bc"]);
    expect(recorder.pending.toString()).toBe("d");
  });

  it("keeps its own copy of each piece, so a reused read buffer does not change a frame", () => {
    const read = Buffer.from("abc");
    const recorder = new FrameRecorder({ terminator: "\n" });
    recorder.handleRead(read);
    read.fill(0x21);
    recorder.handleRead(Buffer.from("\n"));
    expect(recorder.strings).toEqual(["abc"]);
  });

  it("accepts any terminator, including null", () => {
    expect(recordFrames([Buffer.from("abcde")], { terminator: 2 }).strings).toEqual(["ab"]);
    const all = recordFrames([Buffer.from("a\r\n")], { terminator: null });
    expect(all.frames).toEqual([]);
    expect(all.pending.toString()).toBe("a\r\n");
  });

  it("calls onFrame after recording each frame, which may switch the terminator", () => {
    const seen: number[] = [];
    const recorder = recordFrames([Buffer.from("2\nab3\nxyz")], {
      terminator: "\n",
      onFrame: (frame, self) => {
        seen.push(self.frames.length);
        if (frame.terminator === "\n") self.setTerminator(Number(frame.data.toString()));
        else self.setTerminator("\n");
      },
    });
    expect(recorder.strings).toEqual(["2", "ab", "3", "xyz"]);
    expect(seen).toEqual([1, 2, 3, 4]);
  });

  it("records over-long frames and goes on", () => {
    const recorder = recordFrames([Buffer.from("toolong\nok\n")], { terminator: "\n", maxLength: 3 });
    expect(recorder.strings).toEqual(["ok"]);
    expect(recorder.overflows).toHaveLength(1);
    expect(recorder.overflows[0]).toBeInstanceOf(FrameTooLongError);
    expect(recorder.closed).toBe(false);
  });

  it("forgets the collected part of an over-long frame", () => {
    const recorder = recordFrames([Buffer.from("abc"), Buffer.from("defg\nok\n")], { terminator: "\n", maxLength: 4 });
    expect(recorder.strings).toEqual(["ok"]);
  });

  it("reads from a socket when given one", async () => {
    const [near, far] = createSocketPair();
    const recorder = new FrameRecorder({ socket: near, terminator: ";" });
    far.write("x;y;");
    await waitUntil(() => recorder.frames.length === 2, "two frames arrive");
    expect(recorder.strings).toEqual(["x", "y"]);
    recorder.push("reply");
    recorder.closeWhenDone();
    expect((await readAll(far)).toString()).toBe("reply");
  });
});
