/**
 * Error classes and codes: every error carries a stable code, the numbers
 * involved, and its class name.
 */

import {
  AsyncChatError,
  ChannelClosedError,
  ChannelTimeoutError,
  ErrorCode,
  FrameTooLongError,
  IncompleteFrameError,
  InputOverflowError,
  NotImplementedError,
  ProducerError,
  describeValue,
  invalidArgType,
  invalidArgValue,
} from "@asynchat/core";

describe("error codes", () => {
  it("are unique, stable-looking ERR_ strings", () => {
    const codes = Object.values(ErrorCode);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) expect(code).toMatch(/^ERR_[A-Z_]+$/);
  });

  it.each([
    ["NotImplementedError", new NotImplementedError("foundTerminator"), ErrorCode.NOT_IMPLEMENTED],
    ["FrameTooLongError", new FrameTooLongError(10, 11), ErrorCode.FRAME_TOO_LONG],
    ["IncompleteFrameError", new IncompleteFrameError(3), ErrorCode.INCOMPLETE_FRAME],
    ["ChannelClosedError", new ChannelClosedError("push()"), ErrorCode.CHANNEL_CLOSED],
    ["ProducerError", new ProducerError("failed"), ErrorCode.PRODUCER_FAILED],
    ["ChannelTimeoutError", new ChannelTimeoutError(ErrorCode.IDLE_TIMEOUT, 5), ErrorCode.IDLE_TIMEOUT],
    ["InputOverflowError", new InputOverflowError(8, 9), ErrorCode.INPUT_OVERFLOW],
  ] as const)("gives a %s its class name and code", (name, error, code) => {
    expect(error).toBeInstanceOf(AsyncChatError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
    expect(error.code).toBe(code);
    expect(error.stack).toContain(name);
  });

  it("puts the numbers involved on the error and in its message", () => {
    const tooLong = new FrameTooLongError(1024, 1025);
    expect([tooLong.limit, tooLong.length]).toEqual([1024, 1025]);
    expect(tooLong.message).toMatch(/1025.*1024/);
    const overflow = new InputOverflowError(100, 150);
    expect([overflow.limit, overflow.length]).toEqual([100, 150]);
    expect(new IncompleteFrameError(7).length).toBe(7);
    const frameTimeout = new ChannelTimeoutError(ErrorCode.FRAME_TIMEOUT, 250);
    expect(frameTimeout.timeout).toBe(250);
    expect(frameTimeout.message).toContain("250");
    expect(new NotImplementedError("collectIncomingData").method).toBe("collectIncomingData");
  });

  it("keeps the cause of a producer failure", () => {
    const cause = new Error("EIO");
    expect(new ProducerError("read failed", cause).cause).toBe(cause);
  });
});

describe("argument errors", () => {
  it("are a TypeError or RangeError with a code, naming the argument and showing the value", () => {
    const type = invalidArgType("size", "a number", "ten");
    expect(type).toBeInstanceOf(TypeError);
    expect(type.code).toBe("ERR_INVALID_ARG_TYPE");
    expect(type.message).toBe(`The "size" argument must be a number. Received type string ('ten')`);
    const range = invalidArgValue("size", "must be >= 0", -3);
    expect(range).toBeInstanceOf(RangeError);
    expect(range.code).toBe("ERR_INVALID_ARG_VALUE");
    expect(range.message).toBe(`The "size" argument must be >= 0. Received type number (-3)`);
  });

  it("describe values briefly", () => {
    expect(describeValue(null)).toBe("null");
    expect(describeValue(undefined)).toBe("undefined");
    expect(describeValue(function named() {})).toBe("function named");
    expect(describeValue(new Map())).toBe("an instance of Map");
    expect(describeValue(Uint8Array.of(1))).toContain("bytes");
    expect(describeValue("x".repeat(500)).length).toBeLessThan(120);
  });
});
