/**
 * Bad arguments to the producer library: a TypeError or RangeError with a
 * stable code, naming the argument and showing the value.
 */

import {
  ChunkedProducer,
  CompositeProducer,
  CompressedProducer,
  EscapingProducer,
  GlobbingProducer,
  HookedProducer,
  LinesProducer,
  ProducerError,
  dotStuff,
} from "@asynchat/core";

const typeError = (name: string) => expect.objectContaining({ name: "TypeError", code: "ERR_INVALID_ARG_TYPE", message: expect.stringContaining(`"${name}"`) });
const rangeError = (name: string) => expect.objectContaining({ name: "RangeError", code: "ERR_INVALID_ARG_VALUE", message: expect.stringContaining(`"${name}"`) });

describe("arguments of the producer library", () => {
  it("wants a producer, an iterable or an async iterable to wrap", () => {
    for (const make of [
      (p: unknown) => new GlobbingProducer(p as never),
      (p: unknown) => new HookedProducer(p as never, () => undefined),
      (p: unknown) => new ChunkedProducer(p as never),
      (p: unknown) => new CompressedProducer(p as never, { format: "gzip" }),
      (p: unknown) => new EscapingProducer(p as never, "a", "b"),
      (p: unknown) => dotStuff(p as never),
    ]) {
      expect(() => make(42)).toThrow(typeError("producer"));
      expect(() => make("text")).toThrow(typeError("producer"));
      expect(() => make(null)).toThrow(typeError("producer"));
    }
  });

  it("checks sizes, functions, sequences and options", () => {
    expect(() => new GlobbingProducer([], 0)).toThrow(rangeError("bufferSize"));
    expect(() => new GlobbingProducer([], "big" as never)).toThrow(typeError("bufferSize"));
    expect(() => new HookedProducer([], "log" as never)).toThrow(typeError("onDone"));
    expect(() => new EscapingProducer([], "", "x")).toThrow(rangeError("from"));
    expect(() => new EscapingProducer([], 1 as never, "x")).toThrow(typeError("from"));
    expect(() => new EscapingProducer([], "a", null as never)).toThrow(typeError("to"));
    expect(() => new LinesProducer("one line" as never)).toThrow(typeError("lines"));
    expect(() => new LinesProducer([], { lineEnding: 10 as never })).toThrow(typeError("options.lineEnding"));
    expect(() => new LinesProducer([], { bufferSize: 1.5 })).toThrow(rangeError("options.bufferSize"));
    expect(() => new CompositeProducer(7 as never)).toThrow(typeError("producers"));
    expect(() => new CompressedProducer([], { format: "zip" as never })).toThrow(rangeError("options.format"));
    expect(() => new CompressedProducer([], undefined as never)).toThrow(typeError("options"));
    expect(() => new CompressedProducer([], { format: "gzip", level: 10 })).toThrow(rangeError("options.level"));
    expect(() => new CompressedProducer([], { format: "br", level: 11 })).not.toThrow();
    expect(() => new CompressedProducer([], { format: "br", level: 12 })).toThrow(rangeError("options.level"));
  });

  it("reports an inner producer that hands out something that is not data as a ProducerError", async () => {
    const bad = { more: () => 42 as never };
    expect(() => new ChunkedProducer(bad).more()).toThrow(ProducerError);
    await expect(Promise.resolve(new GlobbingProducer({ more: async () => ({}) as never }).more())).rejects.toThrow(ProducerError);
  });

  it("reports a line that is not a string or bytes, naming it", () => {
    expect(() => new LinesProducer([{} as never]).more()).toThrow(typeError("lines"));
  });
});
