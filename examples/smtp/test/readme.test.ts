/**
 * The README's state diagram is the one the protocol class declares.
 */

import { readFileSync } from "node:fs";
import * as path from "node:path";
import { toMermaid } from "@asynchat/decorators";
import { SmtpSession } from "../session";

describe("the README", () => {
  it("shows the state diagram that toMermaid(SmtpSession) renders", () => {
    const readme = readFileSync(path.join(__dirname, "..", "README.md"), "utf8");
    const match = /```mermaid\n([\s\S]*?)```/.exec(readme);
    expect(match).not.toBeNull();
    expect(match![1]).toBe(toMermaid(SmtpSession));
  });
});
