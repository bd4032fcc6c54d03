/**
 * A real command-line client, swaks, delivering to the server.
 */

import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describeWithPeers } from "../../../test-support/peers";
import { type TestServer, deliveredMessages, splitReceived, startTestServer } from "./helpers";

const run = promisify(execFile);

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});

afterAll(async () => {
  await t.done();
});

function swaks(extra: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(
    "swaks",
    [
      "--server", `127.0.0.1:${t.port}`,
      "--helo", "client.test",
      "--from", "sender@example.test",
      "--to", "receiver@example.test",
      "--timeout", "10",
      ...extra,
    ],
    { timeout: 20_000 },
  );
}

describeWithPeers("swaks", "swaks as the client", () => {
  it("delivers a plain message", async () => {
    const { stdout } = await swaks(["--header", "Subject: from swaks", "--body", "Hello from swaks.\n.leading dot\n"]);
    expect(stdout).toMatch(/<- {2}250 2\.0\.0 Ok: queued as [0-9A-Z]+/);
    expect(stdout).toContain("<-  221 2.0.0 Bye");
    const message = (await deliveredMessages(t.maildir)).find((m) => m.toString("latin1").includes("Subject: from swaks"));
    expect(message).toBeDefined();
    const { received, rest } = splitReceived(message!);
    expect(received).toContain("for <receiver@example.test>");
    expect(rest.toString("latin1")).toContain("\r\n\r\nHello from swaks.\r\n.leading dot\r\n");
  });

  it("delivers a message with PIPELINING", async () => {
    const { stdout } = await swaks(["--pipeline", "--header", "Subject: pipelined swaks", "--body", "Pipelined."]);
    expect(stdout).toMatch(/<- {2}250 2\.0\.0 Ok: queued as [0-9A-Z]+/);
    const message = (await deliveredMessages(t.maildir)).find((m) => m.toString("latin1").includes("Subject: pipelined swaks"));
    expect(splitReceived(message!).rest.toString("latin1")).toContain("Pipelined.");
  });
});
