/**
 * The in-memory socket pair of the test kit: what one end writes the other
 * reads, with backpressure, half-close, and a count of writes.
 */

import { createSocketPair, MemorySocket } from "@asynchat/core/testing";
import { once, readAll, tick } from "../helpers";

describe("createSocketPair", () => {
  it("connects two ends both ways", async () => {
    const [a, b] = createSocketPair();
    expect(a).toBeInstanceOf(MemorySocket);
    expect(a.peer).toBe(b);
    expect(b.peer).toBe(a);
    const atB = readAll(b);
    const atA = readAll(a);
    a.end("to b");
    b.end("to a");
    expect((await atB).toString()).toBe("to b");
    expect((await atA).toString()).toBe("to a");
  });

  it("counts writes and keeps every byte written", async () => {
    const [a, b] = createSocketPair();
    b.resume();
    a.write("one");
    a.write(Buffer.from("two"));
    await tick();
    expect(a.writeCount).toBe(2);
    expect(a.written.map((chunk) => chunk.toString())).toEqual(["one", "two"]);
    expect(a.writtenBytes().toString()).toBe("onetwo");
    expect(b.writeCount).toBe(0);
  });

  it("counts a corked batch as one write", async () => {
    const [a, b] = createSocketPair();
    b.resume();
    a.cork();
    a.write("x");
    a.write("y");
    a.write("z");
    a.uncork();
    await tick();
    expect(a.writeCount).toBe(1);
    expect(a.writtenBytes().toString()).toBe("xyz");
  });

  it("makes a writer wait while the reader's buffer is full, and drains when it reads", async () => {
    const [a, b] = createSocketPair({ highWaterMark: 1024 });
    b.pause();
    let ok = true;
    let written = 0;
    while (ok && written < 64 * 1024) {
      ok = a.write(Buffer.alloc(256, 7));
      written += 256;
    }
    // Back pressure: the writer was told to wait well before 64 KiB.
    expect(ok).toBe(false);
    expect(written).toBeLessThan(8 * 1024);
    await tick();
    const stuck = a.writableLength;
    expect(stuck).toBeGreaterThan(0);
    const drained = once(a, "drain");
    let read = 0;
    b.on("data", (data: Buffer) => (read += data.length));
    b.resume();
    await drained;
    await tick();
    expect(read).toBe(written);
    expect(a.writableLength).toBe(0);
  });

  it("lets an end keep writing after the other has ended its side (half-close)", async () => {
    const [a, b] = createSocketPair();
    const bEnded = once(b, "end");
    b.resume();
    a.end("request");
    await bEnded;
    expect(b.writable).toBe(true);
    const atA = readAll(a);
    b.end("response after end");
    expect((await atA).toString()).toBe("response after end");
  });

  it("closes the readable side of an end that does not allow half-open", async () => {
    const [a, b] = createSocketPair({ allowHalfOpen: false });
    b.resume();
    const bFinished = once(b, "finish");
    a.end();
    await bFinished;
    expect(b.writable).toBe(false);
  });

  it("ends the other end's input when one end is destroyed", async () => {
    const [a, b] = createSocketPair();
    const bEnded = once(b, "end");
    b.resume();
    a.destroy();
    await bEnded;
    expect(b.readableEnded).toBe(true);
  });

  it("releases a writer waiting for room when the reader is destroyed", async () => {
    const [a, b] = createSocketPair({ highWaterMark: 256 });
    b.pause();
    while (a.write(Buffer.alloc(128))) {
      /* fill */
    }
    const finished = new Promise<void>((resolve) => a.end(resolve));
    b.destroy();
    await finished;
    expect(a.writableFinished).toBe(true);
  });
});
