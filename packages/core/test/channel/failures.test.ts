/**
 * Failures go to an overridable hook first (default: close), then to the
 * `error` event: exceptions from user code, socket errors, the defaults
 * that must be overridden.
 */

import { AsyncChat, NotImplementedError } from "@asynchat/core";
import { chunkings, createSocketPair } from "@asynchat/core/testing";
import { bytes, CallLog, once, readAll, tick } from "../helpers";

/** Echoes lines; "BOOM" throws. */
class Echo extends CallLog {
  constructor(...args: ConstructorParameters<typeof CallLog>) {
    super(...args);
    this.onFound = (frame) => {
      if (frame === "BOOM") throw new Error("boom");
      this.push(`${frame}\n`);
    };
  }
}

describe("the default collectIncomingData and foundTerminator", () => {
  it("throw NotImplementedError naming the method", () => {
    const channel = new AsyncChat();
    for (const call of [() => channel.collectIncomingData(Buffer.from("x")), () => channel.foundTerminator()]) {
      let error: unknown;
      try {
        call();
      } catch (thrown) {
        error = thrown;
      }
      expect(error).toBeInstanceOf(NotImplementedError);
      expect((error as NotImplementedError).code).toBe("ERR_NOT_IMPLEMENTED");
    }
  });

  it("fail the channel when data arrives for a class that did not override them", () => {
    const channel = new AsyncChat();
    channel.setTerminator("\n");
    const errors: Error[] = [];
    channel.on("error", (error) => errors.push(error));
    channel.handleRead(bytes("x\n"));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: "ERR_NOT_IMPLEMENTED", method: "collectIncomingData" });
    expect(channel.closed).toBe(true);
  });
});

describe("exceptions from user code", () => {
  it("go to handleError, then to the error event, and close the channel by default", async () => {
    const order: string[] = [];
    class Tracked extends Echo {
      override handleError(error: Error): void {
        order.push(`handleError ${error.message}`);
        super.handleError(error);
      }
    }
    const [near, far] = createSocketPair();
    const channel = new Tracked("\n", near);
    channel.on("error", (error) => order.push(`error ${error.message}`));
    const closed = once(channel, "close");
    void readAll(far);
    channel.handleRead(bytes("BOOM\n"));
    await closed;
    expect(order).toEqual(["handleError boom", "error boom"]);
    expect(channel.closed).toBe(true);
  });

  it("wrap a thrown non-Error value in an Error", () => {
    const channel = new CallLog("\n");
    const errors: Error[] = [];
    channel.on("error", (error) => errors.push(error));
    channel.onFound = () => {
      throw "plain string";
    };
    channel.handleRead(bytes("x\n"));
    expect(errors[0]).toBeInstanceOf(Error);
    expect(errors[0]!.message).toBe("plain string");
  });

  it("close the channel even when handleError itself throws", () => {
    class Broken extends Echo {
      override handleError(): void {
        throw new Error("handler broke too");
      }
    }
    const channel = new Broken("\n");
    const errors: Error[] = [];
    channel.on("error", (error) => errors.push(error));
    channel.handleRead(bytes("BOOM\nafter\n"));
    expect(channel.closed).toBe(true);
    expect(errors.map((error) => error.message)).toEqual(["boom"]);
    expect(channel.frames).toEqual(["BOOM"]);
  });

  it("from handleConnect fail the channel", async () => {
    class BadGreeter extends CallLog {
      override handleConnect(): void {
        throw new Error("no greeting");
      }
    }
    const [near] = createSocketPair();
    const channel = new BadGreeter("\n", near);
    const [error] = await once<[Error]>(channel, "error");
    expect(error.message).toBe("no greeting");
    await once(channel, "close");
  });

  it("from handleClose still close the channel and are reported", async () => {
    class BadCloser extends CallLog {
      override handleClose(): void {
        throw new Error("cleanup failed");
      }
    }
    const [near, far] = createSocketPair();
    const channel = new BadCloser("\n", near);
    const errors: Error[] = [];
    channel.on("error", (error) => errors.push(error));
    const closed = once(channel, "close");
    void readAll(far);
    channel.closeWhenDone();
    await closed;
    expect(errors.map((error) => error.message)).toEqual(["cleanup failed"]);
  });

  it("do not lose the replies to earlier frames of the same read, in any chunking", async () => {
    const input = bytes("one\ntwo\nBOOM\nthree\n");
    for (const chunking of chunkings(input, { sizes: [1, 4], randomRuns: 3 })) {
      const [near, far] = createSocketPair();
      const channel = new Echo("\n", near);
      channel.on("error", () => undefined);
      const received = readAll(far);
      for (const chunk of chunking.chunks) channel.handleRead(chunk);
      expect([chunking.name, (await received).toString()]).toEqual([chunking.name, "one\ntwo\n"]);
    }
  });

  it("do not lose the replies sent before an over-long frame closes the channel, in any chunking", async () => {
    const input = bytes("one\nthis line is too long\ntwo\n");
    for (const chunking of chunkings(input, { sizes: [1, 5], randomRuns: 3 })) {
      const [near, far] = createSocketPair();
      const channel = new Echo("\n", near, { maxLength: 8 });
      channel.on("error", () => undefined);
      const received = readAll(far);
      for (const chunk of chunking.chunks) channel.handleRead(chunk);
      expect([chunking.name, (await received).toString()]).toEqual([chunking.name, "one\n"]);
    }
  });
});

describe("socket errors", () => {
  it("go to handleError and the error event, and close the channel", async () => {
    const [near, far] = createSocketPair();
    const channel = new CallLog("\n", near);
    const errors: Error[] = [];
    channel.on("error", (error) => errors.push(error));
    const closed = once(channel, "close");
    near.destroy(new Error("connection reset"));
    await closed;
    await tick();
    expect(errors.map((error) => error.message)).toEqual(["connection reset"]);
    expect(channel.closed).toBe(true);
    far.destroy();
  });

  it("are dealt with by the hook even when nobody listens for error", async () => {
    const [near, far] = createSocketPair();
    const channel = new CallLog("\n", near);
    const closed = once(channel, "close");
    near.destroy(new Error("connection reset"));
    await closed;
    expect(channel.closed).toBe(true);
    far.destroy();
  });
});
