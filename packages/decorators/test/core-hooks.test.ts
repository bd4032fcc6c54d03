/**
 * A Protocol goes through the core's hooks for every rejected frame, takes
 * the channel-wide policies as its states' defaults, and its errors are
 * core's errors.
 */

import { AsyncChatError, BareLineEndingError, BudgetExceededError, ErrorCode } from "@asynchat/core";
import { Protocol, ProtocolDefinitionError, ProtocolErrorCode, ProtocolStateError, onBytes, onRejection, onTerminator } from "@asynchat/decorators";
import { feed } from "./helpers";

class Base extends Protocol {
  static override budgets = { headers: { maxFrames: 2 } };
  readonly lines: string[] = [];
  readonly hooks: string[] = [];

  @onTerminator("\r\n", { encoding: "latin1", lineEndings: "crlf", next: ["headers"] })
  command(line: string): unknown {
    this.lines.push(line);
    return line === "HEADERS" ? "headers" : undefined;
  }

  @onTerminator("\r\n", { encoding: "latin1", budget: "headers" })
  headers(line: string): void {
    this.lines.push(`header ${line}`);
  }
}

/** Overrides the core's hooks, calling the default for nothing. */
class Lines extends Base {
  override handleBareLineEnding(error: BareLineEndingError): void {
    this.hooks.push(`bare ${error.offset}`);
    this.push("500 bare line ending\r\n");
  }

  override handleBudgetExceeded(error: BudgetExceededError): void {
    this.hooks.push(`budget ${error.resource}`);
  }
}

describe("a Protocol's rejected frames", () => {
  it("go to handleBareLineEnding and handleBudgetExceeded when it has no @onRejection method", () => {
    const channel = new Lines();
    const errors: Error[] = [];
    channel.on("error", (error) => errors.push(error));
    feed(channel, "a\nb\r\nok\r\nHEADERS\r\n1\r\n2\r\n3\r\n");
    expect(channel.hooks).toEqual(["bare 1", "budget frames"]);
    expect(channel.lines).toEqual(["ok", "HEADERS", "header 1", "header 2"]);
    expect(errors.map((e) => (e as AsyncChatError).code)).toEqual([ErrorCode.BARE_LINE_ENDING, ErrorCode.BUDGET_EXCEEDED]);
    expect(channel.closed).toBe(false);
  });

  it("go to @onRejection first, when there is one", () => {
    class Answering extends Base {
      readonly rejections: string[] = [];
      @onRejection
      rejected(error: Error, state: string): void {
        this.rejections.push(`${(error as AsyncChatError).code} in ${state}`);
      }
    }
    const channel = new Answering();
    channel.on("error", () => undefined);
    feed(channel, "a\nb\r\nok\r\n");
    expect(channel.rejections).toEqual([`${ErrorCode.BARE_LINE_ENDING} in command`]);
    expect(channel.hooks).toEqual([]);
    expect(channel.lines).toEqual(["ok"]);
  });
});

describe("channel-wide policies on a Protocol", () => {
  class Plain extends Protocol {
    readonly lines: string[] = [];
    @onTerminator("\r\n", { encoding: "latin1" })
    line(line: string): void {
      this.lines.push(line);
    }
  }

  it("lineEndings: \"crlf\" from the options is the default of states that set none", () => {
    const channel = new Plain(null, { lineEndings: "crlf" });
    const errors: Error[] = [];
    channel.on("error", (error) => errors.push(error));
    feed(channel, "good\r\n");
    feed(channel, "smug\ngled\r\n");
    expect(channel.lines).toEqual(["good"]);
    expect(errors[0]).toBeInstanceOf(BareLineEndingError);
    expect(channel.closed).toBe(true);
  });

  it("the lineEndings setter switches the default for the current state at once", () => {
    const channel = new Plain();
    channel.on("error", () => undefined);
    feed(channel, "a\nb\r\n");
    channel.lineEndings = "crlf";
    expect(channel.options.lineEndings).toBe("crlf");
    feed(channel, "c\nd\r\n");
    expect(channel.lines).toEqual(["a\nb"]);
    expect(channel.closed).toBe(true);
  });

  it("startBudget counts frames of states without a budget of their own, and endBudget returns the use", () => {
    const channel = new Plain();
    channel.startBudget({ maxBytes: 100 });
    feed(channel, "abc\r\nde\r\n");
    expect(channel.endBudget()).toEqual({ bytes: 5, frames: 2 });
    expect(channel.budgetUsed).toBeNull();
  });
});

describe("the decorators' errors", () => {
  it("extend core's AsyncChatError and keep their codes", () => {
    class Empty extends Protocol {}
    let definition: unknown;
    try {
      new Empty();
    } catch (error) {
      definition = error;
    }
    expect(definition).toBeInstanceOf(ProtocolDefinitionError);
    expect(definition).toBeInstanceOf(AsyncChatError);
    expect(definition).toMatchObject({ code: ProtocolErrorCode.DEFINITION, name: "ProtocolDefinitionError" });

    class Wandering extends Protocol {
      @onBytes(1)
      one(): unknown {
        return "nowhere";
      }
    }
    const errors: Error[] = [];
    const channel = new Wandering();
    channel.on("error", (error) => errors.push(error));
    feed(channel, "x");
    expect(errors[0]).toBeInstanceOf(ProtocolStateError);
    expect(errors[0]).toBeInstanceOf(AsyncChatError);
    expect(errors[0]).toMatchObject({ code: ProtocolErrorCode.BAD_NEXT_STATE, name: "ProtocolStateError", value: "nowhere" });
  });

  it("range problems in a state's options are reported like core's: integers >= 0 or Infinity", () => {
    class Fractional extends Protocol {
      @onTerminator("\r\n", { frameTimeout: 1.5 })
      line(): void {}
    }
    expect(() => new Fractional()).toThrow(/options.frameTimeout must be an integer >= 0 or Infinity/);
  });
});
