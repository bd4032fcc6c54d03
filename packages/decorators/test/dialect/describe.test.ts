/**
 * Looking at a state machine: describeProtocol lists a class's compiled
 * states, toMermaid draws them.
 */

import { Protocol, describeProtocol, onBytes, onTerminator, toMermaid } from "@asynchat/decorators";

class Resp extends Protocol {
  need = 0;
  boundary = "--";

  @onTerminator("\r\n", { encoding: "latin1", maxLength: 1024, next: ["bulk", "fixed", "body", "blob", "until"] })
  header(line: string): unknown {
    if (line[0] === "$") {
      this.need = Number(line.slice(1)) + 2;
      return this.bulk;
    }
    return undefined;
  }

  @onBytes((self: Resp) => self.need, { next: ["header"] })
  bulk(): unknown {
    return this.header;
  }

  @onBytes(4)
  fixed(): unknown {
    return this.header;
  }

  @onTerminator(["\r\n.\r\n", "\n.\n"], { stream: true, encoding: "utf8" })
  body(): unknown {
    return undefined;
  }

  @onTerminator(new Uint8Array([0x00, 0xff]))
  blob(): unknown {
    return "header";
  }

  @onTerminator((self: Resp) => self.boundary, { maxLength: Infinity })
  until(): unknown {
    return "header";
  }
}

describe("describeProtocol", () => {
  it("lists every state in declaration order with its kind, terminator or count, options and successors", () => {
    expect(describeProtocol(Resp)).toEqual([
      {
        name: "header",
        kind: "terminator",
        terminator: "\r\n",
        count: null,
        dynamic: false,
        options: { encoding: "latin1", maxLength: 1024, next: ["bulk", "fixed", "body", "blob", "until"] },
        maxLength: 1024,
        next: ["bulk", "fixed", "body", "blob", "until"],
        initial: true,
      },
      {
        name: "bulk",
        kind: "bytes",
        terminator: null,
        count: null,
        dynamic: true,
        options: { next: ["header"] },
        maxLength: 64 * 1024,
        next: ["header"],
        initial: false,
      },
      {
        name: "fixed",
        kind: "bytes",
        terminator: null,
        count: 4,
        dynamic: false,
        options: {},
        maxLength: 64 * 1024,
        next: null,
        initial: false,
      },
      {
        name: "body",
        kind: "terminator",
        terminator: ["\r\n.\r\n", "\n.\n"],
        count: null,
        dynamic: false,
        options: { stream: true, encoding: "utf8" },
        maxLength: Infinity,
        next: null,
        initial: false,
      },
      {
        name: "blob",
        kind: "terminator",
        terminator: new Uint8Array([0x00, 0xff]),
        count: null,
        dynamic: false,
        options: {},
        maxLength: 64 * 1024,
        next: null,
        initial: false,
      },
      {
        name: "until",
        kind: "terminator",
        terminator: null,
        count: null,
        dynamic: true,
        options: { maxLength: Infinity },
        maxLength: Infinity,
        next: null,
        initial: false,
      },
    ]);
  });

  it("marks the state with { initial: true } as initial, and only that one", () => {
    class Late extends Protocol {
      @onTerminator("\n")
      a() {}
      @onTerminator("\n", { initial: true })
      b() {}
    }
    expect(describeProtocol(Late).map((s) => [s.name, s.initial])).toEqual([
      ["a", false],
      ["b", true],
    ]);
  });

  it("gives back options that changing the decorator's object afterwards does not alter", () => {
    const options = { encoding: "latin1" as BufferEncoding, next: ["b"] };
    class Copied extends Protocol {
      @onTerminator("\n", options)
      a() {}
      @onTerminator("\n")
      b() {}
    }
    options.encoding = "hex";
    options.next.push("c");
    expect(describeProtocol(Copied)[0]!.options).toEqual({ encoding: "latin1", next: ["b"] });
    expect(describeProtocol(Copied)[0]!.next).toEqual(["b"]);
  });

  it("describes the same states however often it is asked", () => {
    expect(describeProtocol(Resp)).toEqual(describeProtocol(Resp));
  });
});

describe("toMermaid", () => {
  it("draws each state with what ends its frames, the initial arrow, declared successors, and notes for the rest", () => {
    expect(toMermaid(Resp)).toBe(
      [
        "stateDiagram-v2",
        "    header : header - until '\\r\\n' (latin1)",
        "    bulk : bulk - n bytes (computed)",
        "    fixed : fixed - 4 bytes",
        "    body : body - until '\\r\\n.\\r\\n' | '\\n.\\n' (utf8, streamed)",
        "    blob : blob - until bytes 00ff",
        "    until : until - until a computed terminator",
        "    [*] --> header",
        "    header --> bulk",
        "    header --> fixed",
        "    header --> body",
        "    header --> blob",
        "    header --> until",
        "    bulk --> header",
        "    note right of fixed : successors decided at run time",
        "    note right of body : successors decided at run time",
        "    note right of blob : successors decided at run time",
        "    note right of until : successors decided at run time",
        "",
      ].join("\n"),
    );
  });

  it("keeps characters that would break a Mermaid line out of the labels", () => {
    class Punctuated extends Protocol {
      @onTerminator(":;#<>{}\n")
      line() {}
    }
    const lines = toMermaid(Punctuated).split("\n");
    expect(lines[1]).toMatch(/^ {4}line : line - until /);
    expect(lines[1]!.slice("    line : ".length)).not.toMatch(/[:;#<>{}]/);
  });

  it("draws a subclass's added states without touching its base's diagram", () => {
    const before = toMermaid(Resp);
    class More extends Resp {
      @onTerminator("\n")
      extra(): unknown {
        return undefined;
      }
    }
    expect(toMermaid(More)).toContain("    extra : extra - until '\\n'");
    expect(toMermaid(Resp)).toBe(before);
  });
});
