/**
 * idleTimeout and frameTimeout, with timers of tens of milliseconds.
 */

import { ChannelTimeoutError } from "@asynchat/core";
import { createSocketPair } from "@asynchat/core/testing";
import { CallLog, once, readAll, sleep } from "../helpers";

function channelWith(options: { idleTimeout?: number; frameTimeout?: number }) {
  const [near, far] = createSocketPair();
  const channel = new CallLog("\n", near, options);
  const errors: Error[] = [];
  channel.on("error", (error) => errors.push(error));
  void readAll(far);
  return { channel, far, errors };
}

describe("idleTimeout", () => {
  it("fails the channel with ERR_IDLE_TIMEOUT after no traffic for that long", async () => {
    const { channel, errors } = channelWith({ idleTimeout: 30 });
    await once(channel, "close");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(ChannelTimeoutError);
    expect(errors[0]).toMatchObject({ code: "ERR_IDLE_TIMEOUT", timeout: 30 });
  });

  it("is put off by input", async () => {
    const { channel, far, errors } = channelWith({ idleTimeout: 60 });
    for (let i = 0; i < 8; i++) {
      far.write(`${i}\n`);
      await sleep(10);
    }
    expect(errors).toEqual([]);
    expect(channel.closed).toBe(false);
    expect(channel.frames).toHaveLength(8);
    await once(channel, "close");
    expect(errors[0]).toMatchObject({ code: "ERR_IDLE_TIMEOUT" });
  });

  it("is put off by output", async () => {
    const { channel, errors } = channelWith({ idleTimeout: 60 });
    for (let i = 0; i < 8; i++) {
      channel.push(`${i}\n`);
      await sleep(10);
    }
    expect(errors).toEqual([]);
    expect(channel.closed).toBe(false);
    channel.destroy();
  });

  it("is off by default", async () => {
    const { channel, errors } = channelWith({});
    await sleep(50);
    expect(errors).toEqual([]);
    expect(channel.closed).toBe(false);
    channel.destroy();
  });

  it("stops once the channel is closed", async () => {
    const { channel, errors } = channelWith({ idleTimeout: 20 });
    channel.close();
    await sleep(50);
    expect(errors).toEqual([]);
  });
});

describe("frameTimeout", () => {
  it("fails the channel with ERR_FRAME_TIMEOUT when a frame's terminator does not come in time", async () => {
    const { channel, far, errors } = channelWith({ frameTimeout: 30 });
    far.write("partial line");
    await once(channel, "close");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(ChannelTimeoutError);
    expect(errors[0]).toMatchObject({ code: "ERR_FRAME_TIMEOUT", timeout: 30 });
  });

  it("is not put off by more bytes of the same frame", async () => {
    const { channel, far, errors } = channelWith({ frameTimeout: 40 });
    for (let i = 0; i < 20 && !channel.closed; i++) {
      far.write("x");
      await sleep(10);
    }
    expect(channel.closed).toBe(true);
    expect(errors[0]).toMatchObject({ code: "ERR_FRAME_TIMEOUT" });
    // A slowloris trickle does not keep the frame alive for the whole loop.
    expect(channel.frames).toEqual([]);
  });

  it("does not fire while complete frames keep arriving", async () => {
    const { channel, far, errors } = channelWith({ frameTimeout: 60 });
    for (let i = 0; i < 8; i++) {
      far.write(`line ${i}\n`);
      await sleep(10);
    }
    expect(errors).toEqual([]);
    expect(channel.frames).toHaveLength(8);
    channel.destroy();
  });

  it("gives each frame its own time", async () => {
    const { channel, far, errors } = channelWith({ frameTimeout: 80 });
    // Each frame takes 30 ms from its first byte to its terminator: under the limit, though together they take longer.
    for (let i = 0; i < 3; i++) {
      far.write("part");
      await sleep(30);
      far.write("\n");
      await sleep(1);
    }
    expect(errors).toEqual([]);
    expect(channel.frames).toEqual(["part", "part", "part"]);
    channel.destroy();
  });

  it("does not run between frames", async () => {
    const { channel, far, errors } = channelWith({ frameTimeout: 20 });
    far.write("complete\n");
    await sleep(60);
    expect(errors).toEqual([]);
    expect(channel.closed).toBe(false);
    channel.destroy();
  });
});
