/**
 * The README's state diagram is the one the class compiles to.
 */

import * as fs from "node:fs";
import * as path from "node:path";
import { toMermaid } from "@asynchat/decorators";
import { HttpChannel } from "../protocol";

describe("the README", () => {
  it("shows the state diagram that toMermaid(HttpChannel) draws", () => {
    const readme = fs.readFileSync(path.join(__dirname, "..", "README.md"), "utf8");
    const block = /```mermaid\n([\s\S]*?)```/.exec(readme);
    expect(block).not.toBeNull();
    expect(block![1]).toBe(toMermaid(HttpChannel));
  });
});
