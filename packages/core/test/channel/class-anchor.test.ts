/**
 * The newest channel of each class stays reachable (so V8 keeps the hidden
 * classes its optimised framing code was built on), and no more than that:
 * older channels of the class, and a dropped class with its channel, are
 * collected as before.
 */

import { AsyncChat } from "../../src";
import { fullGc } from "../../../../test-support/gc";

/** Full collections, after the current job (WeakRefs read in a job keep their target until it ends). */
async function collectGarbage(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  fullGc();
  await new Promise((resolve) => setImmediate(resolve));
}

/** A channel class of its own per call, and a WeakRef to each of `count` channels made of it. */
function makeChannels(count: number): { refs: WeakRef<AsyncChat>[]; Lines: WeakRef<object> } {
  class Lines extends AsyncChat {
    constructor() {
      super();
      this.setTerminator("\r\n");
    }
    override collectIncomingData(data: Buffer): void {
      this.appendData(data);
    }
    override foundTerminator(): void {
      this.getData();
    }
  }
  const refs: WeakRef<AsyncChat>[] = [];
  for (let i = 0; i < count; i++) {
    const channel = new Lines();
    channel.handleRead(Buffer.from("one\r\ntwo\r\n"));
    refs.push(new WeakRef(channel));
  }
  return { refs, Lines: new WeakRef(Lines) };
}

describe("the channel class anchor", () => {
  it("keeps the newest channel of a class reachable and lets the older ones go", async () => {
    const { refs, Lines } = makeChannels(5);
    // The class itself is held here, as a module holds the class of its server.
    const keepClass = Lines.deref();
    await collectGarbage();
    expect(refs.map((ref) => ref.deref() !== undefined)).toEqual([false, false, false, false, true]);
    expect(keepClass).toBeDefined();
  });

  it("lets a class that is itself dropped go, with its channel", async () => {
    const { refs, Lines } = makeChannels(2);
    await collectGarbage();
    expect(Lines.deref()).toBeUndefined();
    expect(refs.every((ref) => ref.deref() === undefined)).toBe(true);
  });

  it("anchors each class apart: a channel of another class does not release it", async () => {
    const first = makeChannels(1);
    const second = makeChannels(1);
    const classes = [first.Lines.deref(), second.Lines.deref()];
    await collectGarbage();
    expect(first.refs[0]!.deref()).toBeDefined();
    expect(second.refs[0]!.deref()).toBeDefined();
    expect(classes).toHaveLength(2);
  });
});
