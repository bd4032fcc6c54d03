/**
 * A client's output on a fake transport: the send queue limit and the
 * bounded wait for the last line when it is disconnected.
 */

import { Client, type Transport } from "../client";

class FakeTransport implements Transport {
  readonly pushed: string[] = [];
  queuedOutput = 0;
  closing = false;
  closedAtOnce = false;

  push(data: string | Uint8Array): void {
    const text = typeof data === "string" ? data : Buffer.from(data).toString("utf8");
    this.pushed.push(text);
    this.queuedOutput += Buffer.byteLength(text);
  }

  hangUp(lastLine: string): void {
    this.push(lastLine);
    this.closing = true;
  }

  close(): void {
    this.closing = true;
    this.closedAtOnce = true;
  }
}

function makeClient(transport: Transport, onSendQueueExceeded = jest.fn()): Client {
  return new Client(transport, { host: "192.0.2.1", serverName: "irc.test", maxSendQueue: 100, closeTimeout: 1000, onSendQueueExceeded });
}

afterEach(() => {
  jest.useRealTimers();
});

it("reports a send queue past its limit once, after the send, and sends nothing more", async () => {
  const transport = new FakeTransport();
  const exceeded = jest.fn();
  const client = makeClient(transport, exceeded);
  client.send(`${"a".repeat(60)}\r\n`);
  client.send(`${"b".repeat(60)}\r\n`);
  expect(exceeded).not.toHaveBeenCalled();
  client.send("dropped\r\n");
  await Promise.resolve();
  expect(exceeded).toHaveBeenCalledTimes(1);
  expect(exceeded).toHaveBeenCalledWith(client);
  expect(transport.pushed).toHaveLength(2);
});

it("sends ERROR, hangs up, and closes anyway once the close timeout has passed", () => {
  jest.useFakeTimers();
  const transport = new FakeTransport();
  const client = makeClient(transport);
  client.nick = "gone";
  client.disconnect("Ping timeout: 60 seconds");
  expect(transport.pushed).toEqual(["ERROR :Closing Link: 192.0.2.1 (Ping timeout: 60 seconds)\r\n"]);
  expect(transport.closing).toBe(true);
  expect(transport.closedAtOnce).toBe(false);
  jest.advanceTimersByTime(999);
  expect(transport.closedAtOnce).toBe(false);
  jest.advanceTimersByTime(1);
  expect(transport.closedAtOnce).toBe(true);
});

it("closes at once, without an ERROR, when asked not to flush", () => {
  const transport = new FakeTransport();
  makeClient(transport).disconnect("Max SendQ exceeded", false);
  expect(transport.pushed).toEqual([]);
  expect(transport.closedAtOnce).toBe(true);
});

it("splits a long list reply over lines of at most 512 bytes", () => {
  const transport = new FakeTransport();
  const client = new Client(transport, { host: "h", serverName: "irc.test", maxSendQueue: 1e9, closeTimeout: 1000, onSendQueueExceeded: jest.fn() });
  client.nick = "me";
  const names = Array.from({ length: 100 }, (_, i) => `member${String(i).padStart(3, "0")}`);
  client.replyList("353", ["=", "#big"], names);
  expect(transport.pushed.length).toBeGreaterThan(1);
  for (const line of transport.pushed) {
    expect(Buffer.byteLength(line)).toBeLessThanOrEqual(512);
    expect(line).toMatch(/^:irc\.test 353 me = #big :member\d{3}( member\d{3})*\r\n$/);
  }
  const listed = transport.pushed.flatMap((line) => line.slice(line.indexOf(" :") + 2, -2).split(" "));
  expect(listed).toEqual(names);
});
