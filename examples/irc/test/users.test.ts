/**
 * The user and server commands common clients send, over raw sockets: AWAY
 * (301, 305, 306, `G` in WHO, 301 in WHOIS), ISON, USERHOST, VERSION,
 * LUSERS, TIME, INFO; and 403 naming the channel as it was sent.
 */

import { numeric, testServer } from "./raw-client";

type TestServer = Awaited<ReturnType<typeof testServer>>;

let irc: TestServer;
beforeAll(async () => {
  irc = await testServer();
});
afterAll(() => irc.stop());

describe("AWAY", () => {
  it("marks a client away (306) and back (305), and tells whoever messages it (301), but not a NOTICE", async () => {
    const ann = await irc.client("awayann");
    const bob = await irc.client("awaybob");
    ann.send("AWAY :gone fishing");
    expect(await ann.expect(numeric("306"))).toBe(":irc.local 306 awayann :You have been marked as being away");
    bob.send("PRIVMSG awayann :are you there?");
    expect(await bob.expect(numeric("301"))).toBe(":irc.local 301 awaybob awayann :gone fishing");
    expect(await ann.expect(/ PRIVMSG /)).toBe(":awaybob!~awaybob@127.0.0.1 PRIVMSG awayann :are you there?");
    bob.send("NOTICE awayann :just a notice");
    expect((await bob.sync()).some((line) => / 301 /.test(line))).toBe(false);
    ann.send("AWAY");
    expect(await ann.expect(numeric("305"))).toBe(":irc.local 305 awayann :You are no longer marked as being away");
    bob.send("PRIVMSG awayann :and now?");
    expect((await bob.sync()).some((line) => / 301 /.test(line))).toBe(false);
  });

  it("shows away status as G (and here as H) in WHO, with 301 in WHOIS, and - in USERHOST", async () => {
    const cat = await irc.client("awaycat");
    const dan = await irc.client("awaydan");
    for (const c of [cat, dan]) {
      c.send("JOIN #awaylounge");
      await c.expect(numeric("366"));
    }
    cat.send("AWAY :lunch");
    await cat.expect(numeric("306"));
    dan.send("WHO #awaylounge");
    expect(await dan.expect(numeric("352"))).toBe(":irc.local 352 awaydan #awaylounge ~awaycat 127.0.0.1 irc.local awaycat G@ :0 awaycat Tester");
    expect(await dan.expect(numeric("352"))).toBe(":irc.local 352 awaydan #awaylounge ~awaydan 127.0.0.1 irc.local awaydan H :0 awaydan Tester");
    dan.send("WHOIS awaycat");
    expect(await dan.expect(numeric("301"))).toBe(":irc.local 301 awaydan awaycat :lunch");
    await dan.expect(numeric("318"));
    dan.send("USERHOST awaycat awaydan");
    expect(await dan.expect(numeric("302"))).toBe(":irc.local 302 awaydan :awaycat=-~awaycat@127.0.0.1 awaydan=+~awaydan@127.0.0.1");
  });

  it("cuts an away message to AWAYLEN (200)", async () => {
    const eve = await irc.client("awayeve");
    eve.send(`AWAY :${"z".repeat(300)}`);
    await eve.expect(numeric("306"));
    eve.send("WHOIS awayeve");
    expect(await eve.expect(numeric("301"))).toBe(`:irc.local 301 awayeve awayeve :${"z".repeat(200)}`);
  });
});

describe("ISON and USERHOST", () => {
  it("answers ISON with the nicknames online, in their own case, from separate or trailing parameters", async () => {
    const fay = await irc.client("isonfay");
    await irc.client("IsonGus");
    fay.send("ISON isongus nobody ISONFAY");
    expect(await fay.expect(numeric("303"))).toBe(":irc.local 303 isonfay :IsonGus isonfay");
    fay.send("ISON :nobody isongus");
    expect(await fay.expect(numeric("303"))).toBe(":irc.local 303 isonfay :IsonGus");
    fay.send("ISON nobody");
    expect(await fay.expect(numeric("303"))).toBe(":irc.local 303 isonfay :");
    fay.send("ISON");
    expect(await fay.expect(numeric("461"))).toBe(":irc.local 461 isonfay ISON :Not enough parameters");
  });

  it("answers USERHOST for at most five nicknames, leaving out unknown ones", async () => {
    const hal = await irc.client("uhhal");
    hal.send("USERHOST nobody uhhal uhhal uhhal uhhal uhhal uhhal");
    expect(await hal.expect(numeric("302"))).toBe(`:irc.local 302 uhhal :${Array(4).fill("uhhal=+~uhhal@127.0.0.1").join(" ")}`);
  });
});

describe("VERSION, LUSERS, TIME, INFO", () => {
  it("answers VERSION with 351 and the 005 lines", async () => {
    const c = await irc.client("verkim");
    c.send("VERSION");
    expect(await c.expect(numeric("351"))).toBe(":irc.local 351 verkim asynchat-irc-1.0. irc.local :asynchat for TypeScript");
    expect(await c.expect(numeric("005"))).toContain("CHANMODES=b,k,l,imnt");
  });

  it("counts users, invisible users, unregistered connections and channels in LUSERS", async () => {
    const small = await testServer();
    try {
      const a = await small.client("lusa");
      const b = await small.client("lusb");
      await small.connect(); // not registered
      b.send("MODE lusb +i", "JOIN #lus");
      await b.expect(numeric("366"));
      a.send("LUSERS");
      expect(await a.expect(numeric("251"))).toBe(":irc.local 251 lusa :There are 1 users and 1 invisible on 1 servers");
      expect(await a.expect(numeric("252"))).toBe(":irc.local 252 lusa 0 :operator(s) online");
      expect(await a.expect(numeric("253"))).toBe(":irc.local 253 lusa 1 :unknown connection(s)");
      expect(await a.expect(numeric("254"))).toBe(":irc.local 254 lusa 1 :channels formed");
      expect(await a.expect(numeric("255"))).toBe(":irc.local 255 lusa :I have 2 clients and 0 servers");
      expect(await a.expect(numeric("265"))).toBe(":irc.local 265 lusa 2 2 :Current local users 2, max 2");
      expect(await a.expect(numeric("266"))).toBe(":irc.local 266 lusa 2 2 :Current global users 2, max 2");
    } finally {
      await small.stop();
    }
  });

  it("answers TIME with 391 and the server's time", async () => {
    const c = await irc.client("timelee");
    const before = Math.floor(Date.now() / 1000);
    c.send("TIME");
    const line = await c.expect(numeric("391"));
    expect(line).toMatch(/^:irc\.local 391 timelee irc\.local :\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
    const told = Date.parse(line.slice(line.indexOf(" :") + 2)) / 1000;
    expect(Math.abs(told - before)).toBeLessThanOrEqual(2);
  });

  it("answers INFO with 371 lines and 374", async () => {
    const c = await irc.client("infomo");
    c.send("INFO");
    expect(await c.expect(numeric("371"))).toMatch(/^:irc\.local 371 infomo :asynchat-irc-1\.0: /);
    expect(await c.expect(numeric("374"))).toBe(":irc.local 374 infomo :End of INFO list");
  });
});

describe("403 names the channel that was sent", () => {
  it("echoes a missing channel's name as sent, in its case, and a malformed one in full", async () => {
    const c = await irc.client("nochan");
    c.send("MODE #NoSuchPlace");
    expect(await c.expect(numeric("403"))).toBe(":irc.local 403 nochan #NoSuchPlace :No such channel");
    c.send("TOPIC #NoSuchPlace");
    expect(await c.expect(numeric("403"))).toBe(":irc.local 403 nochan #NoSuchPlace :No such channel");
    const long = `#${"x".repeat(80)}`;
    c.send(`JOIN ${long}`);
    expect(await c.expect(numeric("403"))).toBe(`:irc.local 403 nochan ${long} :No such channel`);
    c.send(`INVITE nochan #Elsewhere`);
    expect(await c.expect(numeric("403"))).toBe(":irc.local 403 nochan #Elsewhere :No such channel");
  });

  it("shortens only a name that would not fit in one line", async () => {
    const c = await irc.client("hugechan");
    const huge = `#${"y".repeat(480)}`;
    c.send(`JOIN ${huge}`);
    const line = await c.expect(numeric("403"));
    expect(Buffer.byteLength(line) + 2).toBeLessThanOrEqual(512);
    expect(line).toMatch(/^:irc\.local 403 hugechan #y+ :No such channel$/);
  });
});
