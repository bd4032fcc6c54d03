/**
 * The shared microtask queue the channels use for their announcements and
 * flushes: order kept, items queued meanwhile run in the same turn, and an
 * item that throws loses none of the others (its error still surfaces).
 */

import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { soon } from "../../src/channel/soon";

describe("soon", () => {
  it("runs items after the current code, in the order queued, items queued meanwhile included", async () => {
    const seen: string[] = [];
    soon((x: string) => seen.push(x), "a");
    soon((x: string) => {
      seen.push(x);
      soon((y: string) => seen.push(y), "c (queued by b)");
    }, "b");
    seen.push("sync");
    await Promise.resolve();
    await Promise.resolve();
    expect(seen).toEqual(["sync", "a", "b", "c (queued by b)"]);
  });

  it("runs the items after one that throws, and the error still reaches the process", () => {
    // In a process of its own: under the test runner a throw in a microtask fails the test itself.
    const script = `
      const { soon } = require(${JSON.stringify(path.join(__dirname, "../../dist/channel/soon.js"))});
      const seen = [];
      process.on("uncaughtException", (error) => seen.push("uncaught " + error.message));
      soon((n) => seen.push(n), 1);
      soon(() => { throw new Error("boom"); }, 0);
      soon((n) => seen.push(n), 3);
      setImmediate(() => console.log(JSON.stringify(seen)));
    `;
    const output = execFileSync(process.execPath, ["-e", script], { encoding: "utf8" });
    expect(JSON.parse(output)).toEqual([1, "uncaught boom", 3]);
  });
});
