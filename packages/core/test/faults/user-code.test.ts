/**
 * Failures of the application's own code over real sockets: a producer
 * whose more() throws or rejects, a handler that throws, a handler that
 * pushes after close. Each fails and closes only its channel; a second
 * client of the same server keeps being served, and nothing escapes to the
 * process.
 */

import type * as net from "node:net";
import { ErrorCode } from "@asynchat/core";
import { rawConnect, sleep, waitUntil } from "../helpers";
import { TextReader } from "../peers";
import { type ProcessFaults, watchProcessFaults } from "../process-faults";
import { EchoClient, type RunningService, type Service, startService } from "./service";

let faults: ProcessFaults;
let running: RunningService;
let other: EchoClient;
const sockets: net.Socket[] = [];

beforeEach(async () => {
  faults = watchProcessFaults();
  running = await startService();
  other = await EchoClient.connect(running.port);
  sockets.push(other.socket);
  await other.check();
});

afterEach(async () => {
  faults.stop();
  for (const socket of sockets.splice(0)) socket.destroy();
  await running.server.close({ graceful: false });
});

/** Connects a second client and returns it with its channel. */
async function failing(): Promise<{ socket: net.Socket; reader: TextReader; channel: Service }> {
  const socket = await rawConnect(running.port);
  sockets.push(socket);
  const reader = new TextReader(socket);
  await waitUntil(() => running.made.length === 2, "the channel is made");
  return { socket, reader, channel: running.made[1]! };
}

/** The failing channel closed once and nothing reached the process; the other client is still served. */
async function expectOnlyThatChannelFailed(channel: Service): Promise<void> {
  await waitUntil(() => channel.closed, "the failing channel closes");
  await sleep(20);
  expect(channel.closes).toBe(1);
  expect(faults.seen).toEqual([]);
  await other.check();
  await other.check();
  expect(running.made[0]!.errors).toEqual([]);
  expect(running.server.channels.size).toBe(1);
}

describe("a failing producer", () => {
  it.each(["PRODUCER-THROWS", "PRODUCER-REJECTS"])(
    "(%s) fails its channel with ERR_PRODUCER_FAILED after sending what came before it, and nothing queued after it",
    async (command) => {
      const { socket, reader, channel } = await failing();
      socket.write(`${command}\n`);
      await reader.untilEnd();
      expect(reader.text).toBe("before\nfirst piece\n");
      expect(channel.errors).toHaveLength(1);
      expect(channel.errors[0]).toMatchObject({ code: ErrorCode.PRODUCER_FAILED });
      expect((channel.errors[0]!.cause as Error).message).toBe("the producer's source failed");
      await expectOnlyThatChannelFailed(channel);
    },
  );
});

describe("a handler that throws", () => {
  it("fails its channel after the replies to earlier lines, and no later line is handled", async () => {
    const { socket, reader, channel } = await failing();
    socket.write("one\nTHROW\ntwo\n");
    await reader.untilEnd();
    expect(reader.text).toBe("one\n");
    expect(channel.frames).toEqual(["one", "THROW"]);
    expect(channel.errors.map((error) => error.message)).toEqual(["a handler failed"]);
    await expectOnlyThatChannelFailed(channel);
  });
});

describe("a handler that pushes after close", () => {
  it("gets ERR_CHANNEL_CLOSED on the error event, not an exception, and the output is dropped", async () => {
    const { socket, reader, channel } = await failing();
    socket.write("PUSH-AFTER-CLOSE\n");
    await reader.untilEnd();
    await sleep(20);
    expect(reader.text).toBe("bye\n");
    expect(channel.pushThrew).toEqual([]);
    // push and pushWithProducer, at once and again from a timer.
    expect(channel.errors.map((error) => (error as { code?: string }).code)).toEqual(Array(4).fill(ErrorCode.CHANNEL_CLOSED));
    await expectOnlyThatChannelFailed(channel);
  });
});
