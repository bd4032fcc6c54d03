/**
 * The examples behind a real HAProxy speaking the PROXY protocol: two
 * instances of each (one sent v1 with `send-proxy`, one v2 with
 * `send-proxy-v2`), HAProxy's own health checks through the header
 * (`check-send-proxy`; v2 checks are `LOCAL`), and real clients (redis-cli,
 * nodemailer, curl, irc-framework) whose address, not the balancer's, is the one the
 * examples show. HAProxy connects from 127.0.0.3, the clients from 127.0.0.1
 * (nodemailer and irc-framework from 127.0.0.9), so the two cannot be confused.
 */

import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { Client } from "irc-framework";
import nodemailer from "nodemailer";
import type { ProxyHeaderError } from "@asynchat/core";
import { describeWithPeers } from "../../../test-support/peers";
import { exampleRoutes } from "../../http/routes";
import { HttpServer } from "../../http/server";
import { defaultStaticRoot } from "../../http";
import { type IrcServer, startIrcServer } from "../../irc/server";
import { type RespServer, startRespServer } from "../../resp/server";
import { type SmtpServer, startSmtpServer } from "../../smtp/server";
import { deliveredMessages } from "../../smtp/test/helpers";
import { BALANCER_SOURCE, type RunningHaproxy, freePort, startHaproxy } from "./haproxy";

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { encoding: "latin1", timeout: 20_000 }, (error, stdout, stderr) => (error ? reject(new Error(`${command}: ${error.message} ${stderr}`)) : resolve(stdout)));
  });
}

describeWithPeers(["haproxy", "redis-cli", "curl"], "the examples behind HAProxy with the PROXY protocol", () => {
  jest.setTimeout(60_000);

  const deployment = { proxyProtocol: true } as const;
  let haproxy: RunningHaproxy;
  let resp: RespServer[];
  let smtp: SmtpServer[];
  let http: HttpServer[];
  let irc: IrcServer[];
  let maildirs: string[];
  const ports = { resp: 0, smtp: 0, http: 0, irc: 0 };
  const dropped: ProxyHeaderError[] = [];
  /** The address each RESP instance's channels reported, in order (health checks included). */
  const respPeers: string[][] = [[], []];

  /** HAProxy's count of client sessions sent to each instance of `service` (its health checks are not counted). */
  async function sessions(service: string): Promise<number[]> {
    const stats = await haproxy.stats();
    const prefix = service[0];
    return [1, 2].map((n) => Number(stats[`${service}/${prefix}${n}`]!.stot));
  }

  beforeAll(async () => {
    resp = await Promise.all([0, 1].map(() => startRespServer({ port: 0 }, deployment)));
    maildirs = await Promise.all([0, 1].map(() => mkdtemp(path.join(os.tmpdir(), "haproxy-smtp-"))));
    smtp = await Promise.all(maildirs.map((maildir) => startSmtpServer({ maildir, hostname: "mx.test" }, 0, "127.0.0.1", deployment)));
    http = [0, 1].map(() => new HttpServer(exampleRoutes(defaultStaticRoot()), {}, deployment));
    await Promise.all(http.map((server) => server.listen(0)));
    irc = await Promise.all([0, 1].map(() => startIrcServer(0, "127.0.0.1", {}, deployment)));
    resp.forEach((server, i) => {
      server.chat.on("connection", (channel) => respPeers[i]!.push(channel.remoteAddress!));
      server.chat.on("proxyError", (error) => dropped.push(error));
    });
    ports.resp = await freePort();
    ports.smtp = await freePort();
    ports.http = await freePort();
    ports.irc = await freePort();
    const pair = (name: string, servers: Array<{ address: { port: number } | null }>) => [
      { name: `${name}1`, port: servers[0]!.address!.port, proxy: "send-proxy" as const },
      { name: `${name}2`, port: servers[1]!.address!.port, proxy: "send-proxy-v2" as const },
    ];
    haproxy = await startHaproxy([
      { name: "resp", port: ports.resp, backends: pair("r", resp), check: ["option redis-check"] },
      { name: "smtp", port: ports.smtp, backends: pair("s", smtp), check: ["option smtpchk HELO haproxy.test"] },
      { name: "http", port: ports.http, backends: pair("h", http), check: ["option httpchk", "http-check send meth GET uri / ver HTTP/1.1 hdr Host localhost"] },
      // An unregistered client that quits gets ERROR from the IRC example: a check through the header that needs no nickname.
      { name: "irc", port: ports.irc, backends: pair("i", irc), check: ["option tcp-check", "tcp-check send QUIT\\r\\n", "tcp-check expect string ERROR"] },
    ]);
    // Every server up by HAProxy's own checks, which went through the PROXY header.
    const deadline = Date.now() + 15_000;
    for (;;) {
      const stats = await haproxy.stats();
      const servers = ["resp/r1", "resp/r2", "smtp/s1", "smtp/s2", "http/h1", "http/h2", "irc/i1", "irc/i2"].map((name) => stats[name]);
      if (servers.every((row) => row?.status === "UP" && row.check_status === "L7OK")) break;
      if (Date.now() > deadline) throw new Error(`HAProxy's checks did not pass: ${JSON.stringify(servers.map((row) => [row?.svname, row?.status, row?.check_status, row?.last_chk]))}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });

  afterAll(async () => {
    await haproxy?.stop();
    await Promise.all([...(resp ?? []), ...(smtp ?? []), ...(http ?? []), ...(irc ?? [])].map((server) => server.close()));
    await Promise.all((maildirs ?? []).map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it("passes HAProxy's health checks on both instances, v1 and v2 (LOCAL), with the balancer's own address", () => {
    // Health checks reached both RESP instances as channels; the v2 ones are LOCAL, so they keep the balancer's address.
    expect(respPeers[1]).toContain(BALANCER_SOURCE);
    expect(respPeers[0]!.length).toBeGreaterThan(0);
    expect(dropped).toEqual([]);
  });

  it("shows redis-cli's address, not HAProxy's, in CLIENT INFO on both instances", async () => {
    const before = await sessions("resp");
    for (let i = 0; i < 4; i++) {
      const info = await run("redis-cli", ["-h", "127.0.0.1", "-p", String(ports.resp), "CLIENT", "INFO"]);
      expect(info).toMatch(/ addr=127\.0\.0\.1:\d+ /);
      expect(info).not.toContain(BALANCER_SOURCE);
    }
    // Round robin: two sessions on each instance.
    expect(await sessions("resp")).toEqual(before.map((count) => count + 2));
    expect(await run("redis-cli", ["-h", "127.0.0.1", "-p", String(ports.resp), "SET", "k", "v"])).toBe("OK\n");
    expect(dropped).toEqual([]);
  });

  it("writes nodemailer's address into the Received header on whichever instance took the message", async () => {
    const transport = nodemailer.createTransport({ host: "127.0.0.1", port: ports.smtp, secure: false, ignoreTLS: true, name: "client.test", localAddress: "127.0.0.9" });
    for (let i = 0; i < 2; i++) {
      await transport.sendMail({ from: "a@example.test", to: "b@example.test", subject: `through haproxy ${i}`, text: "Hello." });
    }
    transport.close();
    const messages = (await Promise.all(maildirs.map((dir) => deliveredMessages(dir)))).map((list) => list.map((m) => m.toString("latin1")));
    expect(messages.map((list) => list.length)).toEqual([1, 1]);
    for (const message of messages.flat()) {
      expect(message).toMatch(/^Received: from client\.test \(\[127\.0\.0\.9\]\)/m);
      expect(message).not.toContain(BALANCER_SOURCE);
    }
  });

  it("answers curl through HAProxy from both instances", async () => {
    const before = await sessions("http");
    for (let i = 0; i < 4; i++) {
      const body = await run("curl", ["--silent", "--show-error", "--fail", `http://127.0.0.1:${ports.http}/`]);
      expect(body).toContain("Hello");
    }
    expect(await sessions("http")).toEqual(before.map((count) => count + 2));
  });

  it("gives irc-framework clients their own address, not HAProxy's, in their hostmask on both instances", async () => {
    const before = await sessions("irc");
    const masks: string[] = [];
    for (let i = 0; i < 2; i++) {
      const client = new Client();
      const nick = `proxied${i}`;
      const joined = new Promise<{ ident: string; hostname: string }>((resolve, reject) => {
        client.on("join", (event: { nick: string; ident: string; hostname: string }) => {
          if (event.nick === nick) resolve(event);
        });
        client.on("close", () => reject(new Error(`${nick} was disconnected`)));
      });
      client.on("registered", () => client.join("#balanced"));
      client.connect({ host: "127.0.0.1", port: ports.irc, nick, username: nick, gecos: nick, auto_reconnect: false, outgoing_addr: "127.0.0.9" });
      const event = await joined;
      masks.push(`${nick}!${event.ident}@${event.hostname}`);
      const closed = new Promise((resolve) => client.on("close", resolve));
      client.quit("done");
      await closed;
    }
    expect(masks).toEqual(["proxied0!~proxied0@127.0.0.9", "proxied1!~proxied1@127.0.0.9"]);
    expect(await sessions("irc")).toEqual(before.map((count) => count + 1));
  });
});
