/**
 * Registration over a raw socket: the welcome numerics, the MOTD, CAP, PASS,
 * and the errors a client can meet before and after registering.
 */

import { start } from "../index";
import { RawClient, numeric, testServer } from "./raw-client";

type TestServer = Awaited<ReturnType<typeof testServer>>;

describe("registration", () => {
  let irc: TestServer;
  beforeAll(async () => {
    irc = await testServer({ serverName: "irc.test", networkName: "TestNet", motd: ["first line", "second line"] });
  });
  afterAll(() => irc.stop());

  it("welcomes a client with 001 to 005 and the MOTD once it has sent NICK and USER", async () => {
    const c = await irc.connect();
    c.send("NICK alice", "USER alice 0 * :Alice Liddell");
    expect(await c.expect(numeric("001"))).toBe(":irc.test 001 alice :Welcome to the TestNet Internet Relay Chat Network alice!~alice@127.0.0.1");
    expect(await c.expect(numeric("002"))).toBe(":irc.test 002 alice :Your host is irc.test, running version asynchat-irc-1.0");
    expect(await c.expect(numeric("003"))).toMatch(/^:irc\.test 003 alice :This server was created /);
    expect(await c.expect(numeric("004"))).toBe(":irc.test 004 alice irc.test asynchat-irc-1.0 i biklmnotv bklov");
    const isupport = [await c.expect(numeric("005")), await c.expect(numeric("005"))];
    const tokens = isupport.flatMap((line) => line.split(" :")[0]!.split(" ").slice(3));
    expect(tokens).toEqual(expect.arrayContaining(["CASEMAPPING=rfc1459", "CHANMODES=b,k,l,imnt", "PREFIX=(ov)@+", "NETWORK=TestNet", "MODES=4", "AWAYLEN=200"]));
    for (const line of isupport) expect(line).toMatch(/ :are supported by this server$/);
    expect(await c.expect(numeric("375"))).toBe(":irc.test 375 alice :- irc.test Message of the day - ");
    expect(await c.expect(numeric("372"))).toBe(":irc.test 372 alice :- first line");
    expect(await c.expect(numeric("372"))).toBe(":irc.test 372 alice :- second line");
    expect(await c.expect(numeric("376"))).toBe(":irc.test 376 alice :End of /MOTD command.");
  });

  it("accepts USER before NICK, and bare LF line endings", async () => {
    const c = await irc.connect();
    c.sendRaw("USER lf 0 * :Line Feed\nNICK lf\n");
    expect(await c.expect(numeric("001"))).toMatch(/^:irc\.test 001 lf /);
    c.sendRaw("PING :mixed\nPING :endings\r\n");
    await c.expect(/ PONG irc\.test :mixed$/);
    await c.expect(/ PONG irc\.test :endings$/);
  });

  it("holds registration back during CAP negotiation until CAP END", async () => {
    const c = await irc.connect();
    c.send("CAP LS 302", "NICK capper", "USER capper 0 * :Cap");
    expect(await c.expect(/ CAP /)).toBe(":irc.test CAP * LS :");
    c.send("CAP REQ :multi-prefix");
    expect(await c.expect(/ CAP /)).toBe(":irc.test CAP capper NAK :multi-prefix");
    const before = await c.sync();
    expect(before.some((line) => numeric("001").test(line))).toBe(false);
    c.send("CAP END");
    await c.expect(numeric("001"));
  });

  it("answers commands other than the registration ones with 451 before registration", async () => {
    const c = await irc.connect();
    c.send("JOIN #early");
    expect(await c.expect(numeric("451"))).toBe(":irc.test 451 * :You have not registered");
    c.send("PRIVMSG someone :hi");
    await c.expect(numeric("451"));
  });

  it("answers PASS and USER after registration with 462", async () => {
    const c = await irc.client("again");
    c.send("USER again 0 * :Again");
    expect(await c.expect(numeric("462"))).toBe(":irc.test 462 again :You may not reregister");
    c.send("PASS secret");
    await c.expect(numeric("462"));
  });

  it("answers NICK without a nickname with 431 and an invalid one with 432", async () => {
    const c = await irc.connect();
    c.send("NICK");
    expect(await c.expect(numeric("431"))).toBe(":irc.test 431 * :No nickname given");
    c.send("NICK 9lives");
    expect(await c.expect(numeric("432"))).toBe(":irc.test 432 * 9lives :Erroneous nickname");
    c.send(`NICK ${"n".repeat(31)}`);
    await c.expect(numeric("432"));
    c.send("NICK bad!nick");
    await c.expect(numeric("432"));
  });

  it("answers a nickname in use, in any case, with 433, before and after registration", async () => {
    await irc.client("Taken[1]");
    const c = await irc.connect();
    c.send("NICK taken{1}");
    expect(await c.expect(numeric("433"))).toBe(":irc.test 433 * taken{1} :Nickname is already in use");
    c.send("NICK free", "USER free 0 * :Free");
    await c.expect(numeric("001"));
    c.send("NICK TAKEN[1]");
    await c.expect(numeric("433"));
  });

  it("lets a client change only the case of its own nickname", async () => {
    const c = await irc.client("casey");
    c.send("NICK CASEY");
    expect(await c.expect(/ NICK /)).toBe(":casey!~casey@127.0.0.1 NICK :CASEY");
  });

  it("frees a nickname when its client quits, and closes the connection with an ERROR line", async () => {
    const c = await irc.client("leaving");
    c.send("QUIT :gone fishing");
    expect(await c.expect(/^ERROR /)).toBe("ERROR :Closing Link: 127.0.0.1 (Quit: gone fishing)");
    await c.waitForClose();
    await irc.client("leaving");
  });
});

describe("MOTD", () => {
  it("answers 422 instead of the MOTD when there is none", async () => {
    const irc = await testServer({ motd: null });
    try {
      const c = await irc.client("nomotd");
      expect(c.lines.some((line) => numeric("375").test(line))).toBe(false);
      expect(c.lines).toContain(":irc.local 422 nomotd :MOTD File is missing");
      c.send("MOTD");
      await c.expect(numeric("422"));
    } finally {
      await irc.stop();
    }
  });
});

describe("a server with a password", () => {
  let irc: TestServer;
  beforeAll(async () => {
    irc = await testServer({ password: "s3cret" });
  });
  afterAll(() => irc.stop());

  it("registers a client that sent the right PASS first", async () => {
    const c = await irc.client("insider", "s3cret");
    expect(c.lines.some((line) => numeric("001").test(line))).toBe(true);
  });

  it("answers a wrong password with 464 and closes the connection", async () => {
    const c = await irc.connect();
    c.send("PASS guess", "NICK outsider", "USER outsider 0 * :Outsider");
    expect(await c.expect(numeric("464"))).toBe(":irc.local 464 outsider :Password incorrect");
    expect(await c.expect(/^ERROR /)).toMatch(/Bad password/);
    await c.waitForClose();
    expect(c.lines.some((line) => numeric("001").test(line))).toBe(false);
  });

  it("answers a missing password with 464 and closes the connection", async () => {
    const c = await irc.connect();
    c.send("NICK nopass", "USER nopass 0 * :No Pass");
    await c.expect(numeric("464"));
    await c.waitForClose();
  });

  it("answers PASS without a parameter with 461", async () => {
    const c = await irc.connect();
    c.send("PASS");
    expect(await c.expect(numeric("461"))).toBe(":irc.local 461 * PASS :Not enough parameters");
  });
});

describe("shutting down", () => {
  it("tells every connected client the server is shutting down, then closes", async () => {
    const irc = await testServer();
    const registered = await irc.client("stayer");
    const pending = await irc.connect();
    await pending.sync();
    const closing = irc.server.close();
    expect(await registered.expect(/^ERROR /)).toBe("ERROR :Closing Link: 127.0.0.1 (Server shutting down)");
    expect(await pending.expect(/^ERROR /)).toBe("ERROR :Closing Link: 127.0.0.1 (Server shutting down)");
    await closing;
    await registered.waitForClose();
    await pending.waitForClose();
    await irc.stop();
  });
});

describe("the start-up entry point", () => {
  it("takes the password from the --password flag", async () => {
    const running = await start({ port: 0, host: "127.0.0.1", flags: { password: "flagged", "ping-interval": "30" } });
    try {
      const port = running.address!.port;
      const wrong = await RawClient.connect(port);
      wrong.send("NICK wrong", "USER wrong 0 * :Wrong");
      await wrong.expect(numeric("464"));
      wrong.close();
      const right = await RawClient.connect(port);
      await right.register("right", "flagged");
      right.close();
    } finally {
      await running.close();
    }
  });
});
