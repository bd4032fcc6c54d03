/**
 * Results of CPython 3.11's asynchat on tricky inputs, kept as fixtures.
 *
 * Each case was run through `asynchat.async_chat.handle_read` with a
 * `found_terminator` that switches to the next terminator of `script` after
 * every frame (and leaves the terminator alone once the script is used up).
 * `frames` are the frames Python delivered, `pending` the bytes it had
 * collected for the unfinished frame, `held` the bytes it kept in
 * `ac_in_buffer` (a terminator prefix), and `terminator` what
 * `get_terminator()` returned at the end. Python gave the same results for
 * the whole input, fixed piece sizes, every split in two and random splits.
 */

import type { Terminator } from "@asynchat/core";
import { assertSameFramesInEveryChunking, recordFrames } from "@asynchat/core/testing";
import { bytes } from "../helpers";

interface ReferenceCase {
  name: string;
  initial: Terminator;
  script: Terminator[];
  data: string;
  frames: string[];
  pending: string;
  held: string;
  terminator: Terminator;
}

const REFERENCE: ReferenceCase[] = [
  {
    name: "an overlapping terminator (aab) after runs of its first byte",
    initial: "aab",
    script: [],
    data: "xaaabyaaaabaabaabzaabaaabaa",
    frames: ["xa", "yaa", "", "", "z", "a"],
    pending: "",
    held: "aa",
    terminator: "aab",
  },
  {
    name: "input that is all terminator prefix (aab)",
    initial: "aab",
    script: [],
    data: "aaaa",
    frames: [],
    pending: "aa",
    held: "aa",
    terminator: "aab",
  },
  {
    name: "SMTP's end of data (CRLF.CRLF) with near misses",
    initial: "\r\n.\r\n",
    script: [],
    data: "line1\r\n.\r\r\n.\r\nrest\r\n\r\n.\r\n\r\n.\r\n.\r\n.\r\n\r\n.",
    frames: ["line1\r\n.\r", "rest\r\n", "", "."],
    pending: "",
    held: "\r\n.",
    terminator: "\r\n.\r\n",
  },
  {
    name: "a self-overlapping terminator (abab)",
    initial: "abab",
    script: [],
    data: "ababababaababa",
    frames: ["", "", "a"],
    pending: "",
    held: "a",
    terminator: "abab",
  },
  {
    name: "HTTP's end of headers (CRLFCRLF) with stray CR and LF",
    initial: "\r\n\r\n",
    script: [],
    data: "GET / HTTP/1.1\r\nHost: x\r\n\r\n\r\n\r\r\n\r\n\n\r\n\r",
    frames: ["GET / HTTP/1.1\r\nHost: x", "\r\n\r"],
    pending: "\n",
    held: "\r\n\r",
    terminator: "\r\n\r\n",
  },
  {
    name: "lines and byte counts in turn",
    initial: "\r\n",
    script: [5, "\r\n", 3, "ab", 4, "\r\n"],
    data: "head\r\nhe\r\nlline2\r\nab\rxxab12ab\r\n\r\nlast\r\nmore",
    frames: ["head", "he\r\nl", "line2", "ab\r", "xx", "12ab", "", "", "last"],
    pending: "more",
    held: "",
    terminator: "\r\n",
  },
  {
    name: "a byte count, then nothing set: the terminator stays 0 and collects the rest",
    initial: "\r\n",
    script: [4],
    data: "a\r\nb\r\nc\r\nd\r\n",
    frames: ["a", "b\r\nc"],
    pending: "\r\nd\r\n",
    held: "",
    terminator: 0,
  },
  {
    name: "a byte count, then null",
    initial: "\r\n",
    script: [3, null],
    data: "x\r\nyyyzzz\r\n",
    frames: ["x", "yyy"],
    pending: "zzz\r\n",
    held: "",
    terminator: null,
  },
  {
    name: "byte counts one after another",
    initial: 2,
    script: [3, 1, 5, "!"],
    data: "aabbbcddddd!e!",
    frames: ["aa", "bbb", "c", "ddddd", "", "e"],
    pending: "",
    held: "",
    terminator: "!",
  },
  {
    name: "an overlapping terminator and byte counts in turn",
    initial: "aab",
    script: [2, "aab", 1, "aab"],
    data: "aaabaaabaaaabaab",
    frames: ["a", "aa", "abaa", "a"],
    pending: "ab",
    held: "",
    terminator: "aab",
  },
  {
    name: "empty frames",
    initial: "\r\n",
    script: [],
    data: "\r\n\r\n\r\nx\r\n\r\n",
    frames: ["", "", "", "x", ""],
    pending: "",
    held: "",
    terminator: "\r\n",
  },
  {
    name: "one-byte counts, then a line",
    initial: 1,
    script: [1, 1, 1, 1, 1, "\n"],
    data: "abcdefgh\nij",
    frames: ["a", "b", "c", "d", "e", "f", "gh"],
    pending: "ij",
    held: "",
    terminator: "\n",
  },
];

interface Outcome {
  frames: string[];
  pending: string;
  terminator: Terminator;
}

function frameLikePython(reference: ReferenceCase, chunks: Buffer[]): Outcome {
  const script = [...reference.script];
  const recorder = recordFrames(chunks, {
    terminator: reference.initial,
    onFrame: (_frame, channel) => {
      if (script.length > 0) channel.setTerminator(script.shift()!);
    },
  });
  return {
    frames: recorder.frames.map((frame) => frame.data.toString("latin1")),
    pending: recorder.pending.toString("latin1"),
    terminator: recorder.getTerminator(),
  };
}

describe("agreement with CPython's asynchat", () => {
  it.each(REFERENCE.map((reference) => [reference.name, reference] as const))(
    "gives Python's frames for %s, in every chunking",
    (_name, reference) => {
      const outcome = assertSameFramesInEveryChunking(bytes(reference.data), (chunks) => frameLikePython(reference, chunks));
      expect(outcome).toEqual({ frames: reference.frames, pending: reference.pending, terminator: reference.terminator });
    },
  );

  it.each(REFERENCE.filter((reference) => reference.held !== "").map((reference) => [reference.name, reference] as const))(
    "holds back the same terminator prefix as Python for %s, and frames it again under a new terminator",
    (_name, reference) => {
      // The held bytes are not frame data yet, but they are not lost either.
      const script = [...reference.script];
      const recorder = recordFrames([bytes(reference.data)], {
        terminator: reference.initial,
        onFrame: (_frame, channel) => {
          if (script.length > 0) channel.setTerminator(script.shift()!);
        },
      });
      expect(recorder.pending.toString("latin1")).toBe(reference.pending);
      // Switching to "collect everything" turns held bytes back into input.
      recorder.setTerminator(null);
      recorder.handleRead(bytes("!"));
      expect(recorder.pending.toString("latin1")).toBe(reference.pending + reference.held + "!");
    },
  );
});
