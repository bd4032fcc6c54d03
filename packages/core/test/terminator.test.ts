/**
 * Validation on entry: terminators, pushed data, fed data and options are
 * checked where they come in, and the error names the argument and shows
 * the value, with a stable code.
 */

import { AsyncChat, normalizeTerminator, validateByteCount, SimpleProducer, type Terminator } from "@asynchat/core";
import { CallLog } from "./helpers";

/** Calls `fn` and returns what it threw. */
function thrown(fn: () => unknown): Error & { code?: string } {
  try {
    fn();
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error("expected a throw");
}

const RANGE_ERRORS: Array<[string, unknown, string]> = [
  ["an empty string", "", "''"],
  ["empty bytes", new Uint8Array(0), "Uint8Array(0)"],
  ["an empty Buffer", Buffer.alloc(0), "<Buffer >"],
  ["an empty array", [], "[]"],
  ["a negative number", -1, "-1"],
  ["a large negative number", -1e9, "-1000000000"],
  ["a fraction", 1.5, "1.5"],
  ["a tiny fraction", 0.1, "0.1"],
  ["NaN", NaN, "NaN"],
  ["Infinity", Infinity, "Infinity"],
  ["-Infinity", -Infinity, "-Infinity"],
  ["an integer beyond 2^53", 2 ** 53, "9007199254740992"],
];

const TYPE_ERRORS: Array<[string, unknown, string]> = [
  ["a plain object", { a: 1 }, "{ a: 1 }"],
  ["true", true, "true"],
  ["false", false, "false"],
  ["a bigint", 10n, "10n"],
  ["undefined", undefined, "undefined"],
  ["a function", function frame() {}, "function frame"],
  ["a symbol", Symbol("end"), "Symbol(end)"],
  ["a Date", new Date(0), "an instance of Date"],
  ["an ArrayBuffer", new ArrayBuffer(2), "an instance of ArrayBuffer"],
  ["a boxed string", new String("\n"), "an instance of String"],
];

describe("terminator validation", () => {
  it.each(RANGE_ERRORS)("rejects %s with a RangeError naming the argument and showing the value", (_name, value, shown) => {
    const channel = new CallLog("\n");
    const error = thrown(() => channel.setTerminator(value as Terminator));
    expect(error).toBeInstanceOf(RangeError);
    expect(error.code).toBe("ERR_INVALID_ARG_VALUE");
    expect(error.message).toContain('"terminator"');
    expect(error.message).toContain(shown);
  });

  it.each(TYPE_ERRORS)("rejects %s with a TypeError naming the argument and showing the value", (_name, value, shown) => {
    const channel = new CallLog("\n");
    const error = thrown(() => channel.setTerminator(value as Terminator));
    expect(error).toBeInstanceOf(TypeError);
    expect(error.code).toBe("ERR_INVALID_ARG_TYPE");
    expect(error.message).toContain('"terminator"');
    expect(error.message).toContain(shown);
  });

  it("names the offending element of an array terminator", () => {
    const empty = thrown(() => normalizeTerminator(["\r\n", ""]));
    expect(empty).toBeInstanceOf(RangeError);
    expect(empty.message).toContain('"terminator[1]"');
    const number = thrown(() => normalizeTerminator(["\n", 5]));
    expect(number).toBeInstanceOf(TypeError);
    expect(number.code).toBe("ERR_INVALID_ARG_TYPE");
    expect(number.message).toContain('"terminator[1]"');
    expect(number.message).toContain("5");
  });

  it("rejects nested arrays and null inside an array", () => {
    expect(() => normalizeTerminator([["\n"]])).toThrow(TypeError);
    expect(() => normalizeTerminator([null])).toThrow(TypeError);
  });

  it("uses the name it is given in the message", () => {
    expect(thrown(() => normalizeTerminator(-2, "options.terminator")).message).toContain('"options.terminator"');
  });

  it("accepts every documented form", () => {
    expect(normalizeTerminator(null)).toEqual({ kind: "all", value: null });
    expect(normalizeTerminator(0)).toEqual({ kind: "all", value: 0 });
    expect(normalizeTerminator(7)).toEqual({ kind: "count", value: 7 });
    expect(normalizeTerminator(Number.MAX_SAFE_INTEGER)).toEqual({ kind: "count", value: Number.MAX_SAFE_INTEGER });
    const sequence = normalizeTerminator("é");
    expect(sequence.kind).toBe("sequence");
    expect(sequence.kind === "sequence" && [...sequence.bytes]).toEqual([0xc3, 0xa9]);
    const any = normalizeTerminator(["\n", Uint8Array.of(0)]);
    expect(any.kind).toBe("any");
    expect(any.kind === "any" && any.bytes.map((b) => [...b])).toEqual([[10], [0]]);
    expect(any.kind === "any" && Object.isFrozen(any.value)).toBe(true);
  });

  it("rejects a byte count below the given minimum", () => {
    expect(validateByteCount(1, "n", 1)).toBe(1);
    const error = thrown(() => validateByteCount(0, "n", 1));
    expect(error).toBeInstanceOf(RangeError);
    expect(error.message).toContain('"n"');
    expect(error.message).toContain(">= 1");
  });

  it("validates a count set inside foundTerminator before it applies", () => {
    const channel = new CallLog("\n");
    const errors: Error[] = [];
    channel.on("error", (error) => errors.push(error));
    channel.onFound = () => channel.setTerminator(-5);
    channel.handleRead(Buffer.from("a\nb\n"));
    // The throw reaches the channel's error handling, as any exception from user code.
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(RangeError);
    expect(errors[0]!.message).toContain("-5");
  });
});

describe("push validation", () => {
  it.each([
    ["a number", 42, "42"],
    ["null", null, "null"],
    ["undefined", undefined, "undefined"],
    ["a plain object", { x: 1 }, "{ x: 1 }"],
    ["an array of numbers", [1, 2], "[ 1, 2 ]"],
    ["an ArrayBuffer", new ArrayBuffer(1), "ArrayBuffer"],
    ["a boolean", true, "true"],
  ])("rejects %s with a TypeError naming the value", (_name, value, shown) => {
    const channel = new CallLog("\n");
    const error = thrown(() => channel.push(value as unknown as string));
    expect(error).toBeInstanceOf(TypeError);
    expect(error.code).toBe("ERR_INVALID_ARG_TYPE");
    expect(error.message).toContain('"data"');
    expect(error.message).toContain(shown);
  });

  it("accepts strings, Buffers and other Uint8Array views", () => {
    const channel = new CallLog("\n");
    expect(() => {
      channel.push("text");
      channel.push(Buffer.from("buffer"));
      channel.push(new Uint8Array(new ArrayBuffer(8), 2, 3));
      channel.push("");
    }).not.toThrow();
  });
});

describe("other arguments", () => {
  it("rejects data that is not bytes in handleRead", () => {
    const error = thrown(() => new CallLog("\n").handleRead("text" as unknown as Uint8Array));
    expect(error).toBeInstanceOf(TypeError);
    expect(error.code).toBe("ERR_INVALID_ARG_TYPE");
    expect(error.message).toContain("'text'");
  });

  it("rejects a producer that is neither a producer nor an iterable", () => {
    const channel = new CallLog("\n");
    for (const value of [42, "text", Buffer.from("x"), null, {}]) {
      const error = thrown(() => channel.pushWithProducer(value as never));
      expect(error).toBeInstanceOf(TypeError);
      expect(error.code).toBe("ERR_INVALID_ARG_TYPE");
    }
  });

  it("rejects a SimpleProducer buffer size that is not a positive integer", () => {
    expect(thrown(() => new SimpleProducer("x", 0))).toBeInstanceOf(RangeError);
    expect(thrown(() => new SimpleProducer("x", 1.5))).toBeInstanceOf(RangeError);
    expect(thrown(() => new SimpleProducer("x", "8" as unknown as number))).toBeInstanceOf(TypeError);
    expect(thrown(() => new SimpleProducer(5 as unknown as string))).toBeInstanceOf(TypeError);
  });

  it("rejects channel options of the wrong type or range, naming the option", () => {
    const negative = thrown(() => new AsyncChat(null, { maxLength: -1 }));
    expect(negative).toBeInstanceOf(RangeError);
    expect(negative.message).toContain('"options.maxLength"');
    const text = thrown(() => new AsyncChat(null, { idleTimeout: "5" as unknown as number }));
    expect(text).toBeInstanceOf(TypeError);
    expect(text.message).toContain('"options.idleTimeout"');
    const flag = thrown(() => new AsyncChat(null, { deliverPartialFrameAtEnd: 1 as unknown as boolean }));
    expect(flag).toBeInstanceOf(TypeError);
    expect(thrown(() => new AsyncChat(null, { outputHighWaterMark: 0 }))).toBeInstanceOf(RangeError);
    expect(thrown(() => new AsyncChat(null, { frameTimeout: 2.5 }))).toBeInstanceOf(RangeError);
  });

  it("rejects a socket that is not a stream", () => {
    const error = thrown(() => new AsyncChat({} as never));
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toContain('"socket"');
  });

  it("rejects a negative, NaN or non-numeric maxLength set on a channel, as the constructor does", () => {
    const channel = new CallLog("\n");
    expect(thrown(() => (channel.maxLength = -1))).toBeInstanceOf(RangeError);
    expect(thrown(() => (channel.maxLength = NaN))).toBeInstanceOf(RangeError);
    expect(thrown(() => (channel.maxLength = "1" as unknown as number))).toBeInstanceOf(TypeError);
    channel.maxLength = Infinity;
    expect(channel.maxLength).toBe(Infinity);
  });
});
