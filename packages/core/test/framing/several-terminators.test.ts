/**
 * Array terminators: a frame ends at whichever element occurs first (the
 * shortest frame), the longest element at one position, and
 * getMatchedTerminator() names the element that ended it.
 */

import { assertSameFramesInEveryChunking, recordFrames } from "@asynchat/core/testing";
import { bytes, CallLog, feed } from "../helpers";

describe("several terminators", () => {
  it("ends each frame at whichever terminator occurs first", () => {
    const channel = new CallLog(["\r\n", "\n"]);
    feed(channel, "a\nb\r\nc\n");
    expect(channel.calls.filter((call) => "found" in call)).toEqual([
      { found: "a", matched: "\n" },
      { found: "b", matched: "\r\n" },
      { found: "c", matched: "\n" },
    ]);
  });

  it("chooses the shortest frame, whatever the order of the array", () => {
    for (const terminator of [
      ["b", "ab"],
      ["ab", "b"],
    ]) {
      const channel = new CallLog(terminator);
      feed(channel, "xab");
      expect(channel.calls.filter((call) => "found" in call)).toEqual([{ found: "x", matched: "ab" }]);
    }
  });

  it("chooses the longest terminator when two start at the same position", () => {
    for (const terminator of [
      ["\r", "\r\n"],
      ["\r\n", "\r"],
    ]) {
      const channel = new CallLog(terminator);
      feed(channel, "a\r\nb\rc\r");
      expect(channel.calls.filter((call) => "found" in call)).toEqual([
        { found: "a", matched: "\r\n" },
        { found: "b", matched: "\r" },
      ]);
    }
  });

  it("holds back a read ending in a terminator that a longer one might extend", () => {
    const channel = new CallLog(["\r", "\r\n"]);
    feed(channel, "a\r");
    expect(channel.calls).toEqual([{ data: "a" }]);
    feed(channel, "\n");
    expect(channel.calls).toEqual([{ data: "a" }, { found: "a", matched: "\r\n" }]);
  });

  it("ends the frame at the shorter terminator once the next read shows the longer one did not follow", () => {
    const channel = new CallLog(["\r", "\r\n"]);
    feed(channel, "a\r", "x");
    expect(channel.calls).toEqual([{ data: "a" }, { found: "a", matched: "\r" }, { data: "x" }]);
  });

  it("holds back a longer terminator that might complete before a shorter one already seen", () => {
    const channel = new CallLog(["\r\n.\r\n", "\n"]);
    feed(channel, "a\r\n.");
    // "\n" is there at offset 2, but "\r\n.\r\n" may still end the frame at offset 1.
    expect(channel.frames).toEqual([]);
    expect(channel.pending).toBe("a");
    feed(channel, "\r\n");
    expect(channel.calls.filter((call) => "found" in call)).toEqual([{ found: "a", matched: "\r\n.\r\n" }]);
  });

  it("falls back to the shorter terminator when the longer one fails to complete", () => {
    const channel = new CallLog(["\r\n.\r\n", "\n"]);
    feed(channel, "a\r\n.", "x\n");
    expect(channel.calls.filter((call) => "found" in call)).toEqual([
      { found: "a\r", matched: "\n" },
      { found: ".x", matched: "\n" },
    ]);
  });

  it("frames the rest of the held-back bytes again when a shorter terminator ends inside them", () => {
    const channel = new CallLog(["\r", "\r\n.\r\n"]);
    // "\r\n" is held back: it may be the start of "\r\n.\r\n". The next read says it is not.
    feed(channel, "x\r\n", "yz\rw");
    expect(channel.calls.filter((call) => "found" in call)).toEqual([
      { found: "x", matched: "\r" },
      { found: "\nyz", matched: "\r" },
    ]);
    expect(channel.pending).toBe("w");
  });

  it("returns the element that matched exactly as it was given", () => {
    const nul = Uint8Array.of(0);
    const channel = new CallLog(["\n", nul]);
    const matched: Array<string | Uint8Array | null> = [];
    channel.onFound = () => matched.push(channel.getMatchedTerminator());
    feed(channel, "a\0b\n");
    expect(matched[0]).toBe(nul);
    expect(matched[1]).toBe("\n");
  });

  it("still reports the terminator that matched after foundTerminator switched to another", () => {
    const channel = new CallLog(["\r\n", "\n"]);
    const matched: Array<string | Uint8Array | null> = [];
    channel.onFound = () => {
      channel.setTerminator(4);
      matched.push(channel.getMatchedTerminator());
    };
    feed(channel, "a\nbcde");
    expect(channel.frames).toEqual(["a", "bcde"]);
    // The count frame ended with no terminator.
    expect(matched).toEqual(["\n", null]);
  });

  it("is not affected by a later change to the array it was set from", () => {
    const terminators = ["\r\n", "\n"];
    const channel = new CallLog(terminators);
    terminators[0] = ";";
    terminators.push("!");
    feed(channel, "a;b!c\r\n");
    expect(channel.calls.filter((call) => "found" in call)).toEqual([{ found: "a;b!c", matched: "\r\n" }]);
  });

  it("behaves like its only element when the array has one", () => {
    const recorder = recordFrames([bytes("a\r"), bytes("\nb\r\n")], { terminator: ["\r\n"] });
    expect(recorder.frames.map((frame) => [frame.data.toString(), frame.terminator])).toEqual([
      ["a", "\r\n"],
      ["b", "\r\n"],
    ]);
  });

  it("gives the same frames and matched terminators in every chunking for CR, LF and CRLF lines", () => {
    const input = bytes("one\rtwo\nthree\r\nfour\n\rfive\r\r\n\n\r\nsix\r");
    const frames = assertSameFramesInEveryChunking(input, (chunks) =>
      recordFrames(chunks, { terminator: ["\r\n", "\n", "\r"] }).frames.map((frame) => [frame.data.toString(), frame.terminator]),
    );
    expect(frames).toEqual([
      ["one", "\r"],
      ["two", "\n"],
      ["three", "\r\n"],
      ["four", "\n"],
      ["", "\r"],
      ["five", "\r"],
      ["", "\r\n"],
      ["", "\n"],
      ["", "\r\n"],
    ]);
  });

  it("gives the same frames in every chunking for terminators that overlap each other", () => {
    const input = bytes("xaabyabzaaabbababcbb");
    const frames = assertSameFramesInEveryChunking(input, (chunks) =>
      recordFrames(chunks, { terminator: ["aab", "ab", "bb"] }).frames.map((frame) => [frame.data.toString(), frame.terminator]),
    );
    // At each step: the earliest match, the longest at that position.
    expect(frames).toEqual([
      ["x", "aab"],
      ["y", "ab"],
      ["za", "aab"],
      ["b", "ab"],
      ["", "ab"],
      ["c", "bb"],
    ]);
  });
});
