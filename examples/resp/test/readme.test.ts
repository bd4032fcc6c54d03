/**
 * The README's state diagram is the one the protocol class declares, so the
 * two cannot drift apart.
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { toMermaid } from "@asynchat/decorators";
import { commands } from "../commands";
import { RespConnection } from "../protocol";

describe("the README", () => {
  it("shows the state diagram that toMermaid draws from RespConnection", () => {
    const readme = readFileSync(join(__dirname, "..", "README.md"), "utf8");
    const block = /```mermaid\n([\s\S]*?)```/.exec(readme);
    expect(block).not.toBeNull();
    expect(block![1]!.trimEnd()).toBe(toMermaid(RespConnection).trimEnd());
  });

  it("lists every command the server knows", () => {
    const readme = readFileSync(join(__dirname, "..", "README.md"), "utf8");
    for (const command of commands.all) expect(readme).toContain(`\`${command.spec.name.toUpperCase()}`);
  });
});
