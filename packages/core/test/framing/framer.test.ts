/**
 * The pure framing engine on its own: the FrameSink contract, stopping and
 * resuming, nested runs, reset, finish and maxLength, with no channel.
 */

import { Framer, type FrameSink, normalizeTerminator, type Terminator } from "@asynchat/core";
import { bytes } from "../helpers";

type Event =
  | ["data", string]
  | ["end", string, number]
  | ["overflow", number]
  | ["skipped"];

/** A sink that logs what the framer hands on; `stopAfter` makes it ask to stop. */
class LogSink implements FrameSink {
  readonly events: Event[] = [];
  readonly chunks: Buffer[] = [];
  stop = false;
  onEnd: ((sink: LogSink) => void) | null = null;
  onData: ((sink: LogSink) => void) | null = null;

  data(chunk: Buffer, start: number, end: number): boolean {
    this.chunks.push(chunk);
    this.events.push(["data", chunk.toString("latin1", start, end)]);
    this.onData?.(this);
    return !this.stop;
  }

  end(chunk: Buffer, start: number, end: number, matched: number): boolean {
    this.chunks.push(chunk);
    this.events.push(["end", chunk.toString("latin1", start, end), matched]);
    this.onEnd?.(this);
    return !this.stop;
  }

  overflow(length: number): boolean {
    this.events.push(["overflow", length]);
    return !this.stop;
  }

  skipped(): boolean {
    this.events.push(["skipped"]);
    return !this.stop;
  }

  proceed(): boolean {
    return !this.stop;
  }

  /** Frames as strings: data pieces joined up to each end. */
  frames(): string[] {
    const frames: string[] = [];
    let current = "";
    for (const event of this.events) {
      if (event[0] === "data") current += event[1];
      else if (event[0] === "end") {
        frames.push(current + event[1]);
        current = "";
      }
    }
    return frames;
  }
}

function framer(terminator: Terminator): { framer: Framer; sink: LogSink } {
  const sink = new LogSink();
  const engine = new Framer(sink);
  engine.setTerminator(normalizeTerminator(terminator));
  return { framer: engine, sink };
}

function run(engine: Framer, ...chunks: string[]): boolean {
  for (const chunk of chunks) engine.feed(bytes(chunk));
  return engine.run();
}

describe("Framer", () => {
  it("hands a frame that lies inside one chunk on as a range of that chunk", () => {
    const { framer: engine, sink } = framer("\n");
    const chunk = bytes("one\ntwo\n");
    engine.feed(chunk);
    engine.run();
    expect(sink.events).toEqual([
      ["end", "one", 0],
      ["end", "two", 0],
    ]);
    for (const handed of sink.chunks) expect(handed).toBe(chunk);
  });

  it("ends a frame with an empty range when its terminator arrives in a later chunk", () => {
    const { framer: engine, sink } = framer("\n");
    run(engine, "abc", "\n");
    expect(sink.events).toEqual([
      ["data", "abc"],
      ["end", "", 0],
    ]);
  });

  it("ends a frame held back entirely with no data event before it", () => {
    const { framer: engine, sink } = framer("\r\n");
    run(engine, "\r", "\nx");
    expect(sink.events).toEqual([
      ["end", "", 0],
      ["data", "x"],
    ]);
  });

  it("passes the index of the matching element for an array terminator and -1 for a count", () => {
    const { framer: engine, sink } = framer(["\n", "\r\n"]);
    run(engine, "a\r\nb\n");
    engine.setTerminator(normalizeTerminator(2));
    run(engine, "cd");
    expect(sink.events).toEqual([
      ["end", "a", 1],
      ["end", "b", 0],
      ["end", "cd", -1],
    ]);
  });

  it("does nothing for an empty chunk", () => {
    const { framer: engine, sink } = framer("\n");
    engine.feed(Buffer.alloc(0));
    expect(engine.pendingBytes).toBe(0);
    expect(engine.run()).toBe(true);
    expect(sink.events).toEqual([]);
  });

  it("stops when the sink says so and goes on from the next byte at the next run", () => {
    const { framer: engine, sink } = framer("\n");
    sink.onEnd = (s) => {
      s.stop = true;
    };
    expect(run(engine, "a\nb\nc\n")).toBe(false);
    expect(sink.frames()).toEqual(["a"]);
    expect(engine.pendingBytes).toBe(4);
    sink.stop = false;
    sink.onEnd = null;
    expect(engine.run()).toBe(true);
    expect(sink.frames()).toEqual(["a", "b", "c"]);
    expect(engine.pendingBytes).toBe(0);
  });

  it("does not start a chunk while proceed() says no", () => {
    const { framer: engine, sink } = framer("\n");
    sink.stop = true;
    expect(run(engine, "a\n")).toBe(false);
    expect(sink.events).toEqual([]);
    expect(engine.pendingBytes).toBe(2);
  });

  it("frames input fed from inside a sink call after the current input, in order", () => {
    const { framer: engine, sink } = framer("\n");
    let fed = false;
    sink.onEnd = () => {
      if (fed) return;
      fed = true;
      engine.feed(bytes("late\n"));
      // A nested run returns at once; the outer one frames the fed bytes.
      expect(engine.running).toBe(true);
      expect(engine.run()).toBe(true);
    };
    run(engine, "a\nb\n");
    expect(sink.frames()).toEqual(["a", "b", "late"]);
  });

  it("applies a terminator set from inside a sink call to the bytes after the frame", () => {
    const { framer: engine, sink } = framer("\n");
    sink.onEnd = () => engine.setTerminator(normalizeTerminator(3));
    run(engine, "x\nabcdef");
    expect(sink.events).toEqual([
      ["end", "x", 0],
      ["end", "abc", -1],
      ["end", "def", -1],
    ]);
  });

  it("stays consistent when the sink throws, going on from the byte after the call", () => {
    const { framer: engine, sink } = framer("\n");
    let thrown = false;
    sink.onEnd = () => {
      if (!thrown) {
        thrown = true;
        throw new Error("boom");
      }
    };
    engine.feed(bytes("a\nb\nc"));
    expect(() => engine.run()).toThrow("boom");
    expect(engine.running).toBe(false);
    expect(engine.run()).toBe(true);
    expect(sink.frames()).toEqual(["a", "b"]);
    expect(engine.partialLength).toBe(1);
  });

  it("drops pending input, held bytes and the frame in progress on reset", () => {
    const { framer: engine, sink } = framer("\r\n");
    sink.onEnd = (s) => {
      s.stop = true;
    };
    run(engine, "a\r\nb\r\nc\r");
    expect(engine.pendingBytes).toBeGreaterThan(0);
    engine.reset();
    expect(engine.pendingBytes).toBe(0);
    expect(engine.frameInProgress).toBe(false);
    sink.stop = false;
    sink.onEnd = null;
    run(engine, "\nd\r\n");
    expect(sink.frames()).toEqual(["a", "\nd"]);
  });

  it("keeps a partially received count after reset, counting from what is left", () => {
    const { framer: engine, sink } = framer(5);
    run(engine, "ab");
    engine.reset();
    expect(engine.remaining).toBe(3);
    run(engine, "cdef");
    expect(sink.frames()).toEqual(["abcde"]);
  });

  it("reports the frame in progress, its length and the count remaining", () => {
    const { framer: engine } = framer("\r\n");
    expect(engine.frameInProgress).toBe(false);
    run(engine, "abc\r");
    expect(engine.frameInProgress).toBe(true);
    expect(engine.partialLength).toBe(4);
    expect(engine.remaining).toBe(0);
    engine.setTerminator(normalizeTerminator(10));
    run(engine, "");
    expect(engine.remaining).toBe(9);
    expect(engine.frameInProgress).toBe(true);
    engine.setTerminator(normalizeTerminator(null));
    expect(engine.frameInProgress).toBe(false);
    expect(engine.partialLength).toBe(0);
  });

  it("hands on an unfinished frame at the end of input with finish(true)", () => {
    const { framer: engine, sink } = framer("\r\n");
    run(engine, "tail\r");
    expect(engine.finish(true)).toBe(5);
    expect(sink.events).toEqual([
      ["data", "tail"],
      ["data", "\r"],
      ["end", "", -1],
    ]);
    expect(engine.frameInProgress).toBe(false);
  });

  it("drops an unfinished frame with finish(false) and returns its length", () => {
    const { framer: engine, sink } = framer(8);
    run(engine, "abc");
    expect(engine.finish(false)).toBe(3);
    expect(sink.events).toEqual([["data", "abc"]]);
    expect(engine.finish(false)).toBe(0);
  });

  it("returns 0 from finish when no frame has begun", () => {
    const { framer: engine, sink } = framer("\n");
    run(engine, "a\n");
    expect(engine.finish(true)).toBe(0);
    expect(sink.frames()).toEqual(["a"]);
  });

  it("passes a frame of exactly maxLength bytes", () => {
    const { framer: engine, sink } = framer("\n");
    engine.maxLength = 4;
    run(engine, "abcd\n");
    expect(sink.frames()).toEqual(["abcd"]);
  });

  it("reports a longer frame once, drops it up to its terminator and frames on after it", () => {
    const { framer: engine, sink } = framer("\n");
    engine.maxLength = 4;
    run(engine, "ab", "cde", "fgh", "ij\nok\n");
    expect(sink.events).toEqual([
      ["data", "ab"],
      ["overflow", 5],
      ["skipped"],
      ["end", "ok", 0],
    ]);
  });

  it("reports a complete over-long frame inside one chunk without handing on its bytes", () => {
    const { framer: engine, sink } = framer("\n");
    engine.maxLength = 3;
    run(engine, "abcdef\nxy\n");
    expect(sink.events).toEqual([["overflow", 6], ["skipped"], ["end", "xy", 0]]);
  });

  it("does not limit byte counts or collect-everything by maxLength", () => {
    const { framer: engine, sink } = framer(10);
    engine.maxLength = 2;
    run(engine, "0123456789abc");
    expect(sink.events).toEqual([
      ["end", "0123456789", -1],
      ["data", "abc"],
    ]);
  });
});
