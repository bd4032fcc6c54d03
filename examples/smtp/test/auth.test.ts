/**
 * AUTH PLAIN and AUTH LOGIN (RFC 4954) against the users file: real
 * clients (nodemailer, swaks) over STARTTLS, and raw sockets for every
 * reply code — initial responses, "*" to cancel, bad base64, the delay
 * before 535, 530 where AUTH is required, 503 where it is off, 538 before
 * STARTTLS.
 */

import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import * as tls from "node:tls";
import { promisify } from "node:util";
import nodemailer from "nodemailer";
import { describeWithPeers } from "../../../test-support/peers";
import { UsersFile, addUser } from "../users";
import { RawClient, type TestServer, codes, deliveredMessages, fixtureCertificate, splitTrace, startTestServer } from "./helpers";

const run = promisify(execFile);

let dir: string;
let users: UsersFile;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "smtp-auth-"));
  const file = path.join(dir, "users");
  await addUser(file, "alice", "correct horse");
  await addUser(file, "bob@example.test", "pässwörd");
  users = await UsersFile.load(file);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function b64(text: string): string {
  return Buffer.from(text, "utf8").toString("base64");
}

async function withServer(options: Parameters<typeof startTestServer>[0], body: (t: TestServer) => Promise<void>): Promise<void> {
  const t = await startTestServer({ authenticate: users.authenticator, authFailureDelay: 0, ...options });
  try {
    await body(t);
  } finally {
    await t.done();
  }
}

/** A client greeted with EHLO on a plaintext connection. */
async function ehloed(port: number): Promise<RawClient> {
  const client = await RawClient.greeted(port);
  expect((await client.command("EHLO client.test")).code).toBe(250);
  return client;
}

describe("the users file", () => {
  it("stores scrypt hashes with their parameters, one user a line, and verifies passwords against them", async () => {
    const text = await readFile(path.join(dir, "users"), "utf8");
    expect(text).toMatch(/^alice:scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+\nbob@example\.test:scrypt\$/);
    expect(text).not.toContain("correct horse");
    expect(users.size).toBe(2);
    expect(await users.verify("alice", "correct horse")).toBe(true);
    expect(await users.verify("alice", "correct horsE")).toBe(false);
    expect(await users.verify("bob@example.test", "pässwörd")).toBe(true);
    expect(await users.verify("nobody", "correct horse")).toBe(false);
  });

  it("gets new entries from the add-user command, the password read from stdin", async () => {
    const file = path.join(dir, "cli-users");
    const script = path.join(__dirname, "..", "add-user.ts");
    const env = { ...process.env, TSX_TSCONFIG_PATH: path.join(__dirname, "..", "..", "..", "tsconfig.test.json") };
    const addWithCli = (name: string, input: string) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = execFile(process.execPath, ["--import", "tsx", script, file, name], { env, timeout: 60_000 }, (error, _stdout, stderr) =>
          resolve({ code: error === null ? 0 : (error.code as number | null), stderr }),
        );
        child.stdin!.end(input);
      });
    expect(await addWithCli("carol", "s3cret\n")).toEqual({ code: 0, stderr: `added carol to ${file}\n` });
    const again = await addWithCli("carol", "other\n");
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('user "carol" already exists');
    expect(await (await UsersFile.load(file)).verify("carol", "s3cret")).toBe(true);
  }, 90_000);

  it("refuses a second entry for the same name and a malformed line, naming it", async () => {
    await expect(addUser(path.join(dir, "users"), "alice", "again")).rejects.toThrow(/user "alice" already exists/);
    expect(() => UsersFile.parse("alice:md5$abc\n", "f")).toThrow(/^f:1: expected scrypt\$N\$r\$p\$salt\$hash/);
    expect(() => UsersFile.parse("# users\n\nno colon here\n", "f")).toThrow(/^f:3: expected name:scrypt/);
  });
});

describe("AUTH over raw sockets, offered on plaintext (authOverPlaintext)", () => {
  const options = { authOverPlaintext: true };

  it("advertises AUTH PLAIN LOGIN in EHLO and accepts PLAIN with an initial response", async () => {
    await withServer(options, async (t) => {
      const client = await RawClient.greeted(t.port);
      expect((await client.command("EHLO client.test")).lines).toContain("AUTH PLAIN LOGIN");
      expect((await client.command(`AUTH PLAIN ${b64("\0alice\0correct horse")}`)).raw).toBe("235 2.7.0 Authentication successful\r\n");
      expect((await client.command(`AUTH PLAIN ${b64("\0alice\0correct horse")}`)).raw).toBe("503 5.5.1 Error: already authenticated\r\n");
      client.destroy();
    });
  });

  it("accepts PLAIN after an empty 334 challenge, with an authorization identity equal to the user", async () => {
    await withServer(options, async (t) => {
      const client = await ehloed(t.port);
      expect((await client.command("AUTH PLAIN")).raw).toBe("334 \r\n");
      expect((await client.command(b64("alice\0alice\0correct horse"))).code).toBe(235);
      client.destroy();
    });
  });

  it("accepts LOGIN with its Username: and Password: challenges, and with the user name as initial response", async () => {
    await withServer(options, async (t) => {
      const client = await ehloed(t.port);
      expect((await client.command("AUTH LOGIN")).raw).toBe(`334 ${b64("Username:")}\r\n`);
      expect((await client.command(b64("bob@example.test"))).raw).toBe(`334 ${b64("Password:")}\r\n`);
      expect((await client.command(b64("pässwörd"))).code).toBe(235);
      client.destroy();
      const second = await ehloed(t.port);
      expect((await second.command(`auth login ${b64("alice")}`)).raw).toBe(`334 ${b64("Password:")}\r\n`);
      expect((await second.command(b64("correct horse"))).code).toBe(235);
      second.destroy();
    });
  });

  it("answers a wrong password or an unknown user with 535 5.7.8, after the failure delay", async () => {
    await withServer({ ...options, authFailureDelay: 300 }, async (t) => {
      const client = await ehloed(t.port);
      const started = Date.now();
      expect((await client.command(`AUTH PLAIN ${b64("\0alice\0wrong")}`)).raw).toBe("535 5.7.8 Error: authentication failed\r\n");
      expect(Date.now() - started).toBeGreaterThanOrEqual(280);
      expect((await client.command(`AUTH PLAIN ${b64("\0mallory\0correct horse")}`)).code).toBe(535);
      // Acting for someone else is not allowed.
      expect((await client.command(`AUTH PLAIN ${b64("bob@example.test\0alice\0correct horse")}`)).code).toBe(535);
      expect((await client.command(`AUTH PLAIN ${b64("\0alice\0correct horse")}`)).code).toBe(235);
      client.destroy();
    });
  });

  it("cancels on * with 501, and refuses bad base64 and a malformed PLAIN message with 501, staying usable", async () => {
    await withServer(options, async (t) => {
      const client = await ehloed(t.port);
      expect((await client.command("AUTH LOGIN")).code).toBe(334);
      expect((await client.command("*")).raw).toBe("501 5.7.0 Authentication cancelled\r\n");
      expect((await client.command("AUTH PLAIN")).code).toBe(334);
      expect((await client.command("*")).code).toBe(501);
      expect((await client.command("AUTH PLAIN not*base64")).raw).toBe("501 5.5.2 Error: the response is not valid base64\r\n");
      expect((await client.command("AUTH PLAIN YWJj")).code).toBe(501); // "abc": valid base64, unpadded length is fine, but no NULs
      expect((await client.command("AUTH PLAIN YWJjZA")).raw).toBe("501 5.5.2 Error: the response is not valid base64\r\n"); // missing padding
      expect((await client.command("AUTH LOGIN")).code).toBe(334);
      expect((await client.command("@@@@")).code).toBe(501);
      expect((await client.command("AUTH CRAM-MD5")).raw).toBe("504 5.5.4 Unrecognized authentication type\r\n");
      expect((await client.command("AUTH")).raw).toBe("501 5.5.4 Syntax: AUTH mechanism [initial-response]\r\n");
      expect((await client.command("NOOP")).code).toBe(250);
      expect((await client.command(`AUTH PLAIN ${b64("\0alice\0correct horse")}`)).code).toBe(235);
      client.destroy();
    });
  });

  it("refuses AUTH before EHLO and inside a mail transaction with 503", async () => {
    await withServer(options, async (t) => {
      const client = await RawClient.greeted(t.port);
      expect((await client.command(`AUTH PLAIN ${b64("\0alice\0correct horse")}`)).code).toBe(503);
      expect((await client.command("EHLO client.test")).code).toBe(250);
      expect((await client.command("MAIL FROM:<a@example.test>")).code).toBe(250);
      expect((await client.command(`AUTH PLAIN ${b64("\0alice\0correct horse")}`)).raw).toBe("503 5.5.1 Error: MAIL transaction in progress\r\n");
      client.destroy();
    });
  });

  it("with requireAuth, refuses MAIL with 530 5.7.0 until the client authenticates, then delivers with ESMTPA", async () => {
    await withServer({ ...options, requireAuth: true }, async (t) => {
      const client = await ehloed(t.port);
      expect((await client.command("MAIL FROM:<a@example.test>")).raw).toBe("530 5.7.0 Authentication required\r\n");
      expect((await client.command(`AUTH PLAIN ${b64("\0alice\0correct horse")}`)).code).toBe(235);
      client.send("MAIL FROM:<a@example.test> AUTH=alice\r\nRCPT TO:<b@example.test>\r\nDATA\r\nSubject: x\r\n\r\nauthenticated\r\n.\r\n");
      expect(codes(await client.replies(4))).toEqual([250, 250, 354, 250]);
      const [message] = await deliveredMessages(t.maildir);
      expect(splitTrace(message!).received).toContain(" with ESMTPA id ");
      client.destroy();
    });
  });

  it("answers 454 when the check itself fails, and the session goes on", async () => {
    await withServer({ ...options, authenticate: () => Promise.reject(new Error("directory down")) }, async (t) => {
      const client = await ehloed(t.port);
      expect((await client.command(`AUTH PLAIN ${b64("\0alice\0x")}`)).raw).toBe("454 4.7.0 Temporary authentication failure\r\n");
      expect((await client.command("NOOP")).code).toBe(250);
      client.destroy();
    });
  });

  it("accepts a response line longer than a command line (up to 12288 octets, RFC 4954)", async () => {
    await withServer({ ...options, authenticate: ({ password }) => password.length === 5000 }, async (t) => {
      const client = await ehloed(t.port);
      expect((await client.command("AUTH PLAIN")).code).toBe(334);
      expect((await client.command(b64(`\0alice\0${"p".repeat(5000)}`))).code).toBe(235);
      client.destroy();
    });
  });
});

describe("where AUTH is not offered", () => {
  it("answers AUTH with 503 5.5.1 when the server has no authenticate check, and does not advertise it", async () => {
    const t = await startTestServer({ tls: await fixtureCertificate() });
    try {
      const client = await RawClient.greeted(t.port);
      expect((await client.command("EHLO client.test")).raw).not.toContain("AUTH");
      expect((await client.command("AUTH PLAIN AGFsaWNlAHg=")).raw).toBe("503 5.5.1 Error: authentication not enabled\r\n");
      client.destroy();
    } finally {
      await t.done();
    }
  });

  it("offers AUTH only after STARTTLS by default, answering 538 5.7.11 on plaintext; over TLS it works", async () => {
    await withServer({ tls: await fixtureCertificate() }, async (t) => {
      const client = await RawClient.greeted(t.port);
      const ehlo = await client.command("EHLO client.test");
      expect(ehlo.lines).toContain("STARTTLS");
      expect(ehlo.raw).not.toContain("AUTH");
      expect((await client.command(`AUTH PLAIN ${b64("\0alice\0correct horse")}`)).raw).toBe(
        "538 5.7.11 Encryption required for requested authentication mechanism\r\n",
      );
      expect((await client.command("STARTTLS")).code).toBe(220);
      const socket = tls.connect({ socket: client.detach(), rejectUnauthorized: false, servername: "localhost" });
      await new Promise<void>((resolve, reject) => socket.once("secureConnect", resolve).once("error", reject));
      const secure = new RawClient(socket);
      expect((await secure.command("EHLO client.test")).lines).toContain("AUTH PLAIN LOGIN");
      expect((await secure.command(`AUTH PLAIN ${b64("\0alice\0correct horse")}`)).code).toBe(235);
      secure.destroy();
    });
  });

  it("refuses a configuration where AUTH could never be offered, and requireAuth without a check", async () => {
    await expect(startTestServer({ authenticate: users.authenticator })).rejects.toThrow(/needs "tls".*or "authOverPlaintext: true"/);
    await expect(startTestServer({ requireAuth: true })).rejects.toThrow(/"requireAuth" needs "authenticate"/);
  });
});

describe("nodemailer authenticating over STARTTLS", () => {
  it.each(["PLAIN", "LOGIN"])("sends with AUTH %s to a server that requires it; a wrong password is refused", async (method) => {
    await withServer({ tls: await fixtureCertificate(), requireAuth: true }, async (t) => {
      const transport = (pass: string) =>
        nodemailer.createTransport({
          host: "127.0.0.1",
          port: t.port,
          secure: false,
          requireTLS: true,
          tls: { rejectUnauthorized: false },
          name: "client.test",
          auth: { user: "alice", pass },
          authMethod: method,
        });
      const good = transport("correct horse");
      const info = await good.sendMail({ from: "alice@example.test", to: "x@example.test", subject: "authenticated", text: "hi" });
      expect(info.response).toMatch(/^250 2\.0\.0 Ok: queued as /);
      good.close();
      const bad = transport("wrong");
      await expect(bad.sendMail({ from: "alice@example.test", to: "x@example.test", text: "hi" })).rejects.toMatchObject({ responseCode: 535 });
      bad.close();
      const [message] = await deliveredMessages(t.maildir);
      expect(splitTrace(message!).received).toContain(" with ESMTPSA id ");
    });
  });
});

// swaks needs Perl's Net::SSLeay for --tls, which its Debian package does not pull in: these run on plaintext (nodemailer covers STARTTLS).
describeWithPeers("swaks", "swaks authenticating (authOverPlaintext)", () => {
  it.each(["PLAIN", "LOGIN"])("delivers with --auth %s, and fails with a wrong password", async (method) => {
    await withServer({ authOverPlaintext: true, requireAuth: true }, async (t) => {
      const swaks = (password: string) =>
        run(
          "swaks",
          ["--server", `127.0.0.1:${t.port}`, "--helo", "client.test", "--from", "alice@example.test", "--to", "x@example.test",
            "--auth", method, "--auth-user", "alice", "--auth-password", password, "--timeout", "10"],
          { timeout: 20_000 },
        );
      const { stdout } = await swaks("correct horse");
      expect(stdout).toMatch(/<- {2}235 2\.7\.0 Authentication successful/);
      expect(stdout).toMatch(/<- {2}250 2\.0\.0 Ok: queued as /);
      const failed = await swaks("wrong").then(
        () => null,
        (error: { stdout: string }) => error,
      );
      expect(failed?.stdout).toMatch(/<\*\* 535 5\.7\.8 Error: authentication failed/);
      expect((await deliveredMessages(t.maildir)).length).toBe(1);
    });
  });
});
