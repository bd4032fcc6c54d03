/**
 * States are inherited: a subclass can override a state's method, decorate
 * it again with other options, and add states, without changing its base.
 */

import { Protocol, describeProtocol, onBytes, onTerminator } from "@asynchat/decorators";
import { feed } from "../helpers";

/** The base protocol: `len` lines announcing a counted body. */
class Base extends Protocol {
  readonly seen: string[] = [];
  size = 0;

  @onTerminator("\n", { encoding: "latin1" })
  header(line: string): unknown {
    this.seen.push(`base header ${line}`);
    if (line.startsWith("len ")) {
      this.size = Number(line.slice(4));
      return this.body;
    }
    return undefined;
  }

  @onBytes((self: Base) => self.size, { encoding: "latin1" })
  body(data: string): unknown {
    this.seen.push(`base body ${data}`);
    return this.header;
  }
}

/** Overrides a handler without decorating it again: the state and its terminator stay. */
class Shouting extends Base {
  override body(data: string): unknown {
    this.seen.push(`shouting body ${data.toUpperCase()}`);
    return this.header;
  }
}

/** Decorates `header` again with other options. */
class CrLf extends Base {
  @onTerminator("\r\n", { encoding: "utf8", maxLength: 16 })
  override header(line: string): unknown {
    return super.header(line);
  }
}

/** Adds a state, reached from an overridden handler. */
class WithTrailer extends Base {
  @onTerminator(";", { encoding: "latin1" })
  trailer(text: string): unknown {
    this.seen.push(`trailer ${text}`);
    return "header";
  }

  override body(data: string): unknown {
    super.body(data);
    return this.trailer;
  }
}

/** A subclass of a subclass: everything above still applies. */
class Grandchild extends WithTrailer {
  override trailer(text: string): unknown {
    this.seen.push(`grandchild trailer ${text}`);
    return super.trailer(text);
  }
}

describe("a subclass of a protocol", () => {
  it("inherits every state of its base", () => {
    const channel = new (class Plain extends Base {})();
    feed(channel, "hi\nlen 3\nabcbye\n");
    expect(channel.seen).toEqual(["base header hi", "base header len 3", "base body abc", "base header bye"]);
  });

  it("can override a state's method without decorating it again, keeping the state's terminator", () => {
    const channel = new Shouting();
    feed(channel, "len 3\nabcbye\n");
    expect(channel.seen).toEqual(["base header len 3", "shouting body ABC", "base header bye"]);
    expect(describeProtocol(Shouting)).toEqual(describeProtocol(Base));
  });

  it("reaches an overridden state when the base's handler returns `this.body`", () => {
    const channel = new Shouting();
    feed(channel, "len 1\nx");
    expect(channel.state).toBe("header");
    expect(channel.seen).toContain("shouting body X");
  });

  it("can decorate a state again with new options", () => {
    const channel = new CrLf();
    feed(channel, "a\nb\r\nlen 2\r\nxyc\r\n");
    expect(channel.seen).toEqual(["base header a\nb", "base header len 2", "base body xy", "base header c"]);
    const header = describeProtocol(CrLf).find((s) => s.name === "header")!;
    expect(header.terminator).toBe("\r\n");
    expect(header.options).toEqual({ encoding: "utf8", maxLength: 16 });
    expect(header.maxLength).toBe(16);
  });

  it("keeps a state decorated again in its place, so the initial state does not change", () => {
    expect(describeProtocol(CrLf).map((s) => [s.name, s.initial])).toEqual([
      ["header", true],
      ["body", false],
    ]);
    expect(new CrLf().state).toBe("header");
  });

  it("can add states and move to them", () => {
    const channel = new WithTrailer();
    feed(channel, "len 2\nxyend;next\n");
    expect(channel.seen).toEqual(["base header len 2", "base body xy", "trailer end", "base header next"]);
    expect(describeProtocol(WithTrailer).map((s) => s.name)).toEqual(["header", "body", "trailer"]);
  });

  it("passes everything on to its own subclasses", () => {
    const channel = new Grandchild();
    feed(channel, "len 1\nzq;\n");
    expect(channel.seen).toEqual(["base header len 1", "base body z", "grandchild trailer q", "trailer q", "base header "]);
  });

  it("leaves its base's states as they were", () => {
    const before = describeProtocol(Base);
    new CrLf();
    new WithTrailer();
    new Grandchild();
    expect(describeProtocol(Base)).toEqual(before);
    expect(before.map((s) => s.name)).toEqual(["header", "body"]);
    expect(before[0]!.terminator).toBe("\n");

    const channel = new Base();
    feed(channel, "a\r\nlen 1\nz;x\n");
    expect(channel.seen).toEqual(["base header a\r", "base header len 1", "base body z", "base header ;x"]);
  });

  it("does not share states with a sibling subclass", () => {
    expect(describeProtocol(Shouting).map((s) => s.name)).toEqual(["header", "body"]);
    expect(describeProtocol(CrLf).find((s) => s.name === "header")!.terminator).toBe("\r\n");
    expect(describeProtocol(WithTrailer).find((s) => s.name === "header")!.terminator).toBe("\n");
  });

  it("can make a state of a method its base did not decorate", () => {
    class Undecorated extends Protocol {
      seen: string[] = [];
      @onTerminator("\n", { encoding: "latin1" })
      line(text: string): unknown {
        this.seen.push(`line ${text}`);
        return text === "go" ? "word" : undefined;
      }
      word(text: string): unknown {
        this.seen.push(`plain word ${text}`);
        return undefined;
      }
    }
    class Decorated extends Undecorated {
      @onTerminator(" ", { encoding: "latin1" })
      override word(text: string): unknown {
        this.seen.push(`word ${text}`);
        return "line";
      }
    }
    const channel = new Decorated();
    feed(channel, "go\nx y\n");
    expect(channel.seen).toEqual(["line go", "word x", "line y"]);
    expect(describeProtocol(Undecorated).map((s) => s.name)).toEqual(["line"]);
  });
});
