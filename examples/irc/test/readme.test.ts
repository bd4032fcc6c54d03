/**
 * The README's state diagram is the one the code compiles to.
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { toMermaid } from "@asynchat/decorators";
import { IrcConnection } from "../protocol";

it("shows in the README the state diagram toMermaid draws for IrcConnection", () => {
  const readme = readFileSync(join(__dirname, "..", "README.md"), "utf8");
  const diagram = /```mermaid\n([\s\S]*?)```/.exec(readme);
  expect(diagram).not.toBeNull();
  expect(diagram![1]).toBe(toMermaid(IrcConnection));
});
