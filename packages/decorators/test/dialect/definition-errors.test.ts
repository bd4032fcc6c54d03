/**
 * Mistakes in a protocol class: each an Error naming the class and method,
 * all of a class's mistakes reported at once, when the class is first
 * instantiated or described, never in the middle of a connection.
 */

import {
  Protocol,
  ProtocolDefinitionError,
  ProtocolErrorCode,
  type StateOptions,
  describeProtocol,
  onBytes,
  onClose,
  onConnect,
  onTerminator,
  toMermaid,
} from "@asynchat/decorators";

/** The ProtocolDefinitionError that `make` throws (fails if it throws nothing or something else). */
function definitionError(make: () => unknown): ProtocolDefinitionError {
  let thrown: unknown = null;
  try {
    make();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(ProtocolDefinitionError);
  return thrown as ProtocolDefinitionError;
}

/** Options that TypeScript would refuse, for the checks that happen at run time. */
function loose(options: Record<string, unknown>): StateOptions {
  return options as StateOptions;
}

describe("a protocol class with a mistake", () => {
  it("can be defined; the mistake is raised when it is first instantiated", () => {
    class NoStates extends Protocol {
      line() {}
    }
    const error = definitionError(() => new NoStates());
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("ProtocolDefinitionError");
    expect(error.code).toBe(ProtocolErrorCode.DEFINITION);
    expect(error.code).toBe("ERR_PROTOCOL_DEFINITION");
    expect(error.className).toBe("NoStates");
  });

  it("raises it again on every later instantiation", () => {
    class NoStates extends Protocol {}
    const first = definitionError(() => new NoStates());
    const second = definitionError(() => new NoStates());
    expect(second.problems).toEqual(first.problems);
  });

  it("raises it from describeProtocol and toMermaid as well, so a start-up check can find it", () => {
    class NoStates extends Protocol {}
    expect(definitionError(() => describeProtocol(NoStates)).className).toBe("NoStates");
    expect(definitionError(() => toMermaid(NoStates)).className).toBe("NoStates");
  });

  it("has no states when no method is decorated with @onTerminator or @onBytes", () => {
    class OnlyLifecycle extends Protocol {
      @onConnect
      hello() {}
    }
    const error = definitionError(() => new OnlyLifecycle());
    expect(error.problems).toEqual([expect.stringMatching(/^OnlyLifecycle: no states/)]);
    expect(error.message).toContain("OnlyLifecycle");
  });

  it("has two initial states", () => {
    class TwoStarts extends Protocol {
      @onTerminator("\n", { initial: true })
      a() {}
      @onTerminator("\n")
      b() {}
      @onTerminator("\n", { initial: true })
      c() {}
    }
    const error = definitionError(() => new TwoStarts());
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(/^TwoStarts\.c: two initial states \(a, c\)/);
  });

  it("declares a successor that is not a state", () => {
    class BadNext extends Protocol {
      @onTerminator("\n", { next: ["b", "nowhere"] })
      a() {}
      @onTerminator("\n")
      b() {}
      notAState() {}
      @onBytes(3, { next: ["notAState"] })
      c() {}
    }
    const error = definitionError(() => new BadNext());
    expect(error.problems).toEqual([
      expect.stringMatching(/^BadNext\.a: .*"nowhere".*not a state of BadNext/),
      expect.stringMatching(/^BadNext\.c: .*"notAState".*not a state of BadNext/),
    ]);
  });

  it.each([
    ["an empty string", ""],
    ["empty bytes", new Uint8Array(0)],
    ["an empty array", []],
    ["an array holding an empty string", ["\r\n", ""]],
    ["a number", 3],
    ["null", null],
    ["an object", { terminator: "\n" }],
  ])("gives @onTerminator %s", (_what, terminator) => {
    class BadTerminator extends Protocol {
      @onTerminator(terminator as never)
      line() {}
    }
    const error = definitionError(() => new BadTerminator());
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(/^BadTerminator\.line: /);
  });

  it("suggests @onBytes when @onTerminator is given a number", () => {
    class Counted extends Protocol {
      @onTerminator(4 as never)
      body() {}
    }
    expect(definitionError(() => new Counted()).problems[0]).toMatch(/Counted\.body: .*number.*@onBytes/);
  });

  it.each([
    ["0", 0],
    ["a negative count", -1],
    ["a fractional count", 1.5],
    ["NaN", Number.NaN],
    ["Infinity", Number.POSITIVE_INFINITY],
    ["a string", "4"],
    ["null", null],
  ])("gives @onBytes %s", (_what, count) => {
    class BadCount extends Protocol {
      @onBytes(count as never)
      body() {}
    }
    const error = definitionError(() => new BadCount());
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(/^BadCount\.body: @onBytes takes a positive integer/);
  });

  it("decorates one method twice as a state", () => {
    class Twice extends Protocol {
      @onTerminator("\n")
      @onTerminator("\r\n")
      line() {}
      @onBytes(4)
      @onTerminator(";")
      mixed() {}
    }
    const error = definitionError(() => new Twice());
    expect(error.problems).toEqual([
      expect.stringMatching(/^Twice\.line: decorated twice/),
      expect.stringMatching(/^Twice\.mixed: decorated twice/),
    ]);
  });

  it("decorates one method twice with the same lifecycle decorator", () => {
    class TwiceConnected extends Protocol {
      @onTerminator("\n")
      line() {}
      @onConnect
      @onConnect()
      hello() {}
    }
    expect(definitionError(() => new TwiceConnected()).problems).toEqual([expect.stringMatching(/^TwiceConnected\.hello: decorated twice with @onConnect/)]);
  });

  it("gives a state unknown options", () => {
    class Unknown extends Protocol {
      @onTerminator("\n", loose({ encodng: "latin1", maxLen: 5 }))
      line() {}
    }
    const error = definitionError(() => new Unknown());
    expect(error.problems).toEqual([
      expect.stringMatching(/^Unknown\.line: unknown option "encodng"/),
      expect.stringMatching(/^Unknown\.line: unknown option "maxLen"/),
    ]);
  });

  it.each([
    ["encoding", "klingon"],
    ["maxLength", -1],
    ["maxLength", 1.5],
    ["initial", "yes"],
    ["stream", 1],
    ["next", "other"],
    ["next", [1]],
    ["lineEndings", "lf"],
    ["budget", 3],
  ])("gives a state a bad %s option (%p)", (option, value) => {
    class BadOption extends Protocol {
      @onTerminator("\n", loose({ [option]: value }))
      line() {}
    }
    const error = definitionError(() => new BadOption());
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(new RegExp(`^BadOption\\.line: options\\.${option}`));
  });

  it("names a budget the class does not declare", () => {
    class NoBudget extends Protocol {
      static override budgets = { body: { maxBytes: 10 } };
      @onTerminator("\n", { budget: "headers" })
      line() {}
    }
    expect(definitionError(() => new NoBudget()).problems).toEqual([expect.stringMatching(/^NoBudget\.line: .*"headers"/)]);
  });

  it("asks for a line-ending policy on a byte count", () => {
    class CountedCrlf extends Protocol {
      @onBytes(5, { lineEndings: "crlf" })
      body() {}
    }
    expect(definitionError(() => new CountedCrlf()).problems).toEqual([expect.stringMatching(/^CountedCrlf\.body: .*lineEndings/)]);
  });

  it("sets a bad class default maxLength", () => {
    class BadDefault extends Protocol {
      static override defaultMaxLength = -5;
      @onTerminator("\n")
      line() {}
    }
    expect(definitionError(() => new BadDefault()).problems).toEqual([expect.stringMatching(/^BadDefault\.defaultMaxLength/)]);
  });

  it("decorates a method named by a symbol", () => {
    const key = Symbol("line");
    class SymbolState extends Protocol {
      @onTerminator("\n")
      line() {}
      @onTerminator("\n")
      [key]() {}
    }
    expect(definitionError(() => new SymbolState()).problems).toEqual([
      expect.stringMatching(/^SymbolState\.Symbol\(line\): @onTerminator needs a public instance method with a string name/),
    ]);
  });

  it("decorates a static method", () => {
    class StaticState extends Protocol {
      @onTerminator("\n")
      line() {}
      @onTerminator("\n")
      static helper() {}
    }
    expect(definitionError(() => new StaticState()).problems).toEqual([
      expect.stringMatching(/^StaticState\.helper: @onTerminator needs a public instance method/),
    ]);
  });
});

describe("all the mistakes of a class", () => {
  class Everything extends Protocol {
    @onTerminator("", { initial: true })
    a() {}
    @onBytes(0, { initial: true, next: ["ghost"] })
    b() {}
    @onTerminator("\n", loose({ colour: "red" }))
    @onTerminator("\r\n")
    c() {}
    @onClose
    @onClose
    d() {}
  }

  it("are reported at once, each naming the class and method", () => {
    const error = definitionError(() => new Everything());
    expect(error.problems).toHaveLength(7);
    for (const problem of error.problems) expect(problem).toMatch(/^Everything\.[a-d]: /);
    expect(error.problems.join("\n")).toMatch(/Everything\.a: .*terminator/);
    expect(error.problems.join("\n")).toMatch(/Everything\.b: @onBytes takes a positive integer/);
    expect(error.problems.join("\n")).toMatch(/Everything\.b: .*"ghost"/);
    expect(error.problems.join("\n")).toMatch(/Everything\.b: two initial states \(a, b\)/);
    expect(error.problems.join("\n")).toMatch(/Everything\.c: decorated twice/);
    expect(error.problems.join("\n")).toMatch(/Everything\.c: unknown option "colour"/);
    expect(error.problems.join("\n")).toMatch(/Everything\.d: decorated twice with @onClose/);
  });

  it("are all in the message, one per line", () => {
    const error = definitionError(() => new Everything());
    expect(error.message.split("\n")).toHaveLength(8);
    expect(error.message).toMatch(/^Protocol class Everything has 7 mistakes:/);
    for (const problem of error.problems) expect(error.message).toContain(problem);
  });
});

describe("a subclass of a class with a mistake", () => {
  it("reports the base's mistake, naming the base", () => {
    class BrokenBase extends Protocol {
      @onBytes(-3)
      body() {}
    }
    class Derived extends BrokenBase {
      @onTerminator("\n")
      line() {}
    }
    const error = definitionError(() => new Derived());
    expect(error.className).toBe("Derived");
    expect(error.problems).toEqual([expect.stringMatching(/^BrokenBase\.body: /)]);
  });

  it("does not make its sound base faulty", () => {
    class Sound extends Protocol {
      @onTerminator("\n")
      line() {}
    }
    class Faulty extends Sound {
      @onTerminator("\n", { initial: true })
      other() {}
      @onTerminator("\n", { initial: true })
      third() {}
    }
    expect(definitionError(() => new Faulty()).problems).toHaveLength(1);
    expect(() => new Sound()).not.toThrow();
    expect(describeProtocol(Sound).map((s) => s.name)).toEqual(["line"]);
  });
});
