/**
 * The package's public surface: its exports and its error codes, kept in
 * step with the README's list of codes.
 */

import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as decorators from "@asynchat/decorators";
import { ProtocolDefinitionError, ProtocolErrorCode, ProtocolStateError } from "@asynchat/decorators";

describe("@asynchat/decorators", () => {
  it("exports exactly its documented values", () => {
    expect(Object.keys(decorators).sort()).toEqual(
      [
        "DEFAULT_MAX_LENGTH",
        "Protocol",
        "ProtocolDefinitionError",
        "ProtocolErrorCode",
        "ProtocolStateError",
        "describeProtocol",
        "onBytes",
        "onClose",
        "onConnect",
        "onError",
        "onOverflow",
        "onRejection",
        "onTerminator",
        "toMermaid",
      ].sort(),
    );
  });

  it("has one stable code per kind of mistake, each listed in the README with its class", () => {
    expect(ProtocolErrorCode).toEqual({
      DEFINITION: "ERR_PROTOCOL_DEFINITION",
      BAD_NEXT_STATE: "ERR_PROTOCOL_NEXT_STATE",
      BAD_TERMINATOR: "ERR_PROTOCOL_TERMINATOR",
    });
    const readme = readFileSync(path.resolve(__dirname, "../../../README.md"), "utf8");
    const listed = [...readme.matchAll(/^\| `(ERR_PROTOCOL_[A-Z_]+)` \| `(\w+)`/gm)].map((m) => [m[1], m[2]]);
    expect(listed).toEqual([
      [ProtocolErrorCode.DEFINITION, ProtocolDefinitionError.name],
      [ProtocolErrorCode.BAD_NEXT_STATE, ProtocolStateError.name],
      [ProtocolErrorCode.BAD_TERMINATOR, ProtocolStateError.name],
    ]);
  });

  it("makes errors that are Errors with their code, class name and details", () => {
    const definition = new ProtocolDefinitionError("Smtp", ["Smtp.data: decorated twice"]);
    expect(definition).toBeInstanceOf(Error);
    expect(definition).toMatchObject({
      name: "ProtocolDefinitionError",
      code: "ERR_PROTOCOL_DEFINITION",
      className: "Smtp",
      problems: ["Smtp.data: decorated twice"],
    });
    expect(definition.message).toBe("Protocol class Smtp has a mistake:\n  Smtp.data: decorated twice");

    const state = new ProtocolStateError(ProtocolErrorCode.BAD_NEXT_STATE, "Smtp.data returned 3", 3);
    expect(state).toBeInstanceOf(Error);
    expect(state).toMatchObject({ name: "ProtocolStateError", code: "ERR_PROTOCOL_NEXT_STATE", value: 3, message: "Smtp.data returned 3" });
  });

  it("gives Protocol the class defaults it documents", () => {
    expect(decorators.Protocol.defaultMaxLength).toBe(decorators.DEFAULT_MAX_LENGTH);
    expect(decorators.Protocol.budgets).toEqual({});
  });
});
