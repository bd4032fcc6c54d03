/**
 * asynchat's terminator semantics on a socketless channel: strings, bytes,
 * byte counts, 0 and null, and terminators switched inside foundTerminator.
 */

import { AsyncChat, type Terminator } from "@asynchat/core";
import { assertSameFramesInEveryChunking, chunkings, recordFrames } from "@asynchat/core/testing";
import { bytes, CallLog, feed, tick } from "../helpers";

describe("string and bytes terminators", () => {
  it("finds a terminator inside one read", () => {
    const channel = new CallLog("\r\n");
    feed(channel, "hello\r\nworld\r\n");
    expect(channel.frames).toEqual(["hello", "world"]);
  });

  it("finds a terminator split across two reads", () => {
    const channel = new CallLog("\r\n");
    feed(channel, "hello\r", "\nworld\r\n");
    expect(channel.frames).toEqual(["hello", "world"]);
  });

  it("finds a long terminator split across many one-byte reads", () => {
    const channel = new CallLog("\r\n.\r\n");
    feed(channel, ..."body\r\n.\r\nnext".split(""));
    expect(channel.frames).toEqual(["body"]);
    expect(channel.pending).toBe("next");
  });

  it("holds back a terminator prefix at the end of a read instead of delivering it as data", () => {
    const channel = new CallLog("\r\n");
    feed(channel, "abc\r");
    expect(channel.calls).toEqual([{ data: "abc" }]);
    feed(channel, "\n");
    expect(channel.calls).toEqual([{ data: "abc" }, { found: "abc", matched: "\r\n" }]);
  });

  it("holds back the longest terminator prefix a read ends with", () => {
    const channel = new CallLog("\r\n.\r\n");
    feed(channel, "text\r\n.\r");
    expect(channel.calls).toEqual([{ data: "text" }]);
    feed(channel, "\n");
    expect(channel.frames).toEqual(["text"]);
  });

  it("delivers held-back bytes as data once the next read shows they were no terminator", () => {
    const channel = new CallLog("\r\n");
    feed(channel, "abc\r");
    feed(channel, "x\r\n");
    expect(channel.frames).toEqual(["abc\rx"]);
  });

  it("holds back a read made only of a terminator prefix without calling collectIncomingData", () => {
    const channel = new CallLog("\r\n.\r\n");
    feed(channel, "\r\n.");
    expect(channel.calls).toEqual([]);
    feed(channel, "\r\n");
    expect(channel.calls).toEqual([{ found: "", matched: "\r\n.\r\n" }]);
  });

  it("finds a bytes terminator split across reads", () => {
    const terminator = Uint8Array.of(0x00, 0xff, 0x00);
    const channel = new CallLog(terminator);
    feed(channel, Uint8Array.of(1, 2, 0), Uint8Array.of(0xff), Uint8Array.of(0, 3));
    expect(channel.frames).toEqual(["\x01\x02"]);
    expect(channel.pending).toBe("\x03");
  });

  it("accepts a view into a larger buffer as a bytes terminator", () => {
    const backing = Buffer.from("xx|;|yy");
    const channel = new CallLog(backing.subarray(2, 5));
    feed(channel, "a|;|b|;", "|");
    expect(channel.frames).toEqual(["a", "b"]);
  });

  it("matches a string terminator as its UTF-8 bytes, even split inside a character", () => {
    const channel = new CallLog("¶");
    const input = Buffer.from("un¶deux¶", "utf8");
    // "¶" is C2 B6 in UTF-8: split between its two bytes.
    const split = input.indexOf(0xb6);
    channel.handleRead(input.subarray(0, split));
    channel.handleRead(input.subarray(split));
    expect(channel.frames).toEqual(["un", "deux"]);
  });

  it("is not affected by a later change to the bytes the terminator was set from", () => {
    const terminator = Buffer.from("\r\n");
    const channel = new CallLog(terminator);
    terminator[0] = 0x21;
    feed(channel, "a\r\nb!\n");
    expect(channel.frames).toEqual(["a"]);
  });

  it("calls foundTerminator for an empty frame when the terminator comes first", () => {
    const channel = new CallLog("\r\n");
    feed(channel, "\r\n\r\nx\r\n");
    expect(channel.calls).toEqual([
      { found: "", matched: "\r\n" },
      { found: "", matched: "\r\n" },
      { data: "x" },
      { found: "x", matched: "\r\n" },
    ]);
  });

  it("reports the terminator exactly as it was set", () => {
    const channel = new CallLog("\r\n");
    expect(channel.getTerminator()).toBe("\r\n");
    const terminator = Uint8Array.of(0);
    channel.setTerminator(terminator);
    expect(channel.getTerminator()).toBe(terminator);
  });

  it("hands a frame that lies inside one read to collectIncomingData as a view of that read, not a copy", () => {
    const channel = new CallLog("\r\n");
    const read = Buffer.from("first\r\nsecond\r\n");
    channel.handleRead(read);
    expect(channel.pieces.map((piece) => piece.toString())).toEqual(["first", "second"]);
    for (const piece of channel.pieces) expect(piece.buffer).toBe(read.buffer);
  });

  it("starts out collecting everything when no terminator is set", () => {
    class Plain extends AsyncChat {
      readonly got: string[] = [];
      override collectIncomingData(data: Buffer): void {
        this.got.push(data.toString());
      }
    }
    const channel = new Plain();
    expect(channel.getTerminator()).toBeNull();
    channel.handleRead(Buffer.from("a\r\nb"));
    expect(channel.got).toEqual(["a\r\nb"]);
  });
});

describe("byte counts", () => {
  it("counts getTerminator() down while the bytes arrive and reads 0 once they are in", () => {
    const seenInFound: Terminator[] = [];
    const channel = new CallLog(10);
    channel.onFound = () => seenInFound.push(channel.getTerminator());
    feed(channel, "abc");
    expect(channel.getTerminator()).toBe(7);
    feed(channel, "defghi");
    expect(channel.getTerminator()).toBe(1);
    expect(channel.frames).toEqual([]);
    feed(channel, "j");
    expect(channel.frames).toEqual(["abcdefghij"]);
    expect(seenInFound).toEqual([0]);
    expect(channel.getTerminator()).toBe(0);
  });

  it("keeps the terminator at 0 after a count is reached, so the rest is collected and never ends a frame", () => {
    const channel = new CallLog(3);
    feed(channel, "abcdef\r\n", "ghi");
    expect(channel.frames).toEqual(["abc"]);
    expect(channel.pending).toBe("def\r\nghi");
    expect(channel.getTerminator()).toBe(0);
  });

  it("ends a count frame in the middle of a read and frames the rest with the next terminator", () => {
    const channel = new CallLog(4);
    channel.onFound = () => channel.setTerminator("\n");
    feed(channel, "12345\n6789\n");
    expect(channel.frames).toEqual(["1234", "5", "6789"]);
  });

  it("reports a count frame's end with no matched terminator", () => {
    const channel = new CallLog(2);
    feed(channel, "ab");
    expect(channel.calls).toEqual([{ data: "ab" }, { found: "ab", matched: null }]);
  });

  it("counts bytes, not characters, for a count set after a multi-byte string", () => {
    const channel = new CallLog(2);
    channel.handleRead(Buffer.from("é!", "utf8"));
    expect(channel.frames).toEqual([Buffer.from("é", "utf8").toString("latin1")]);
  });

  it("takes a count that spans several reads as one frame", () => {
    const recorder = recordFrames([Buffer.from("ab"), Buffer.from("cd"), Buffer.from("ef")], { terminator: 5 });
    expect(recorder.strings).toEqual(["abcde"]);
    expect(recorder.pending.toString()).toBe("f");
  });
});

describe("collecting everything", () => {
  it.each([
    ["0", 0],
    ["null", null],
  ] as const)("collects every byte as it arrives with a terminator of %s", (_name, terminator) => {
    const channel = new CallLog(terminator);
    feed(channel, "a\r\n", "\r", "b\0");
    expect(channel.calls).toEqual([{ data: "a\r\n" }, { data: "\r" }, { data: "b\0" }]);
    expect(channel.getTerminator()).toBe(terminator);
  });

  it("never calls foundTerminator while collecting everything", () => {
    const channel = new CallLog(null);
    feed(channel, "x".repeat(1000));
    expect(channel.frames).toEqual([]);
    expect(channel.pending).toHaveLength(1000);
  });
});

describe("switching terminators", () => {
  it("frames the bytes already buffered after a frame with the terminator set inside foundTerminator", () => {
    const channel = new CallLog("\r\n");
    channel.onFound = (frame) => {
      if (/^\d+$/.test(frame)) channel.setTerminator(Number(frame));
      else channel.setTerminator("\r\n");
    };
    feed(channel, "3\r\nabc\r\n5\r\nde\r\nfx\r\n");
    // "abc" is counted, then "\r\n" ends an empty line, "5" starts a count of five.
    expect(channel.frames).toEqual(["3", "abc", "", "5", "de\r\nf", "x"]);
  });

  it("switches from a string to null inside foundTerminator and collects the rest of the read", () => {
    const channel = new CallLog("\n");
    channel.onFound = () => channel.setTerminator(null);
    feed(channel, "head\nbody\nmore");
    expect(channel.frames).toEqual(["head"]);
    expect(channel.pending).toBe("body\nmore");
  });

  it("switches from a string to another string inside foundTerminator", () => {
    const channel = new CallLog("\r\n");
    channel.onFound = (frame) => channel.setTerminator(frame === "DATA" ? "\r\n.\r\n" : "\r\n");
    feed(channel, "DATA\r\nline 1\r\nline 2\r\n.\r\nQUIT\r\n");
    expect(channel.frames).toEqual(["DATA", "line 1\r\nline 2", "QUIT"]);
  });

  it("frames held-back bytes with a terminator set between reads", async () => {
    const channel = new CallLog("\r\n");
    feed(channel, "ab\r");
    expect(channel.pending).toBe("ab");
    channel.setTerminator(3);
    await tick();
    feed(channel, "xyz");
    // The held CR is the first of the three counted bytes, as in Python.
    expect(channel.frames).toEqual(["ab\rxy"]);
    expect(channel.pending).toBe("z");
  });

  it("delivers held-back bytes as data when the terminator is switched to null between reads", async () => {
    const channel = new CallLog("\r\n");
    feed(channel, "ab\r");
    channel.setTerminator(null);
    await tick();
    expect(channel.pending).toBe("ab\r");
  });

  it("keeps a failed setTerminator from changing the terminator in force", () => {
    const channel = new CallLog("\n");
    expect(() => channel.setTerminator("")).toThrow(RangeError);
    feed(channel, "a\nb\n");
    expect(channel.frames).toEqual(["a", "b"]);
    expect(channel.getTerminator()).toBe("\n");
  });
});

describe("collectIncomingData", () => {
  const inputs: Array<[string, Terminator, (frame: string, channel: CallLog) => void]> = [
    ["CRLF lines with empty ones", "\r\n", () => undefined],
    ["a self-overlapping terminator", "aab", () => undefined],
    ["counts and lines in turn", "\n", (frame, channel) => channel.setTerminator(/^\d$/.test(frame) ? Number(frame) : "\n")],
    ["several terminators", ["\r\n", "\n", "\r"], () => undefined],
  ];
  const data: Record<string, string> = {
    "CRLF lines with empty ones": "\r\n\r\na\r\r\nb\r\n\r\r\r\n",
    "a self-overlapping terminator": "aaabaabaaaabab",
    "counts and lines in turn": "3\nabc\n0\n\n2\n\n\n1\nz\n",
    "several terminators": "a\r\r\nb\n\r\n\rc\n\r",
  };

  it.each(inputs)("is never called with an empty buffer, in any chunking, for %s", (name, terminator, onFound) => {
    let chunkingsTried = 0;
    for (const chunking of chunkings(bytes(data[name]!))) {
      const channel = new CallLog(terminator);
      channel.onFound = onFound;
      for (const chunk of chunking.chunks) channel.handleRead(chunk);
      for (const piece of channel.pieces) expect(piece.length).toBeGreaterThan(0);
      chunkingsTried++;
    }
    expect(chunkingsTried).toBeGreaterThan(10);
  });
});

describe("the same bytes in every chunking", () => {
  it("give the same frames for a pipelined line protocol", () => {
    const input = Buffer.from("USER a\r\nPASS b\r\n\r\nLIST\r\nRETR 1\r\nQUIT\r\n");
    const frames = assertSameFramesInEveryChunking(input, (chunks) => recordFrames(chunks).strings);
    expect(frames).toEqual(["USER a", "PASS b", "", "LIST", "RETR 1", "QUIT"]);
  });

  it("give the same frames for RESP-like bulk strings (a line, then a byte count)", () => {
    const input = Buffer.from("$5\r\nhel\r\n\r\n$0\r\n\r\n$2\r\n$2\r\n+OK\r\n");
    const frames = assertSameFramesInEveryChunking(input, (chunks) =>
      recordFrames(chunks, {
        onFrame: (frame, channel) => {
          const line = frame.data.toString();
          if (frame.terminator !== null && line.startsWith("$")) channel.setTerminator(Number(line.slice(1)) + 2);
          else channel.setTerminator("\r\n");
        },
      }).strings,
    );
    expect(frames).toEqual(["$5", "hel\r\n\r\n", "$0", "\r\n", "$2", "$2\r\n", "+OK"]);
  });
});
