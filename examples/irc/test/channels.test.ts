/**
 * Channels and messages over raw sockets: JOIN/PART, TOPIC, NAMES, WHO,
 * WHOIS, MODE, KICK, PRIVMSG/NOTICE, and NICK/QUIT as peers see them.
 */

import { type RawClient, numeric, testServer } from "./raw-client";

type TestServer = Awaited<ReturnType<typeof testServer>>;

let irc: TestServer;
beforeAll(async () => {
  irc = await testServer();
});
afterAll(() => irc.stop());

let serial = 0;
/** A fresh channel name per test, so tests do not share channels. */
function channelName(): string {
  return `#room${++serial}`;
}

/** Joins and waits for the end of the NAMES list. */
async function join(client: RawClient, channel: string): Promise<void> {
  client.send(`JOIN ${channel}`);
  await client.expect(new RegExp(`^:\\S+ 366 \\S+ ${channel.replace(/[#[\]\\^{}|]/g, "\\$&")} `, "i"));
}

describe("JOIN and PART", () => {
  it("makes the creator of a channel its operator and shows later joiners to everyone", async () => {
    const chan = channelName();
    const ann = await irc.client("ann");
    ann.send(`JOIN ${chan}`);
    expect(await ann.expect(/ JOIN /)).toBe(`:ann!~ann@127.0.0.1 JOIN ${chan}`);
    expect(await ann.expect(numeric("353"))).toBe(`:irc.local 353 ann = ${chan} :@ann`);
    expect(await ann.expect(numeric("366"))).toBe(`:irc.local 366 ann ${chan} :End of /NAMES list.`);

    const ben = await irc.client("ben");
    await join(ben, chan);
    expect(ben.lines).toContain(`:irc.local 353 ben = ${chan} :@ann ben`);
    expect(await ann.expect(/ JOIN /)).toBe(`:ben!~ben@127.0.0.1 JOIN ${chan}`);
  });

  it("joins several comma-separated channels, matching names case-insensitively", async () => {
    const [a, b] = [channelName(), channelName()];
    const cat = await irc.client("cat");
    cat.send(`JOIN ${a},${b}`);
    await cat.expect(new RegExp(`JOIN ${a}$`));
    await cat.expect(new RegExp(`JOIN ${b}$`));
    const dan = await irc.client("dan");
    dan.send(`JOIN ${a.toUpperCase()}`);
    // The channel keeps the name it was created with.
    expect(await dan.expect(/ JOIN /)).toBe(`:dan!~dan@127.0.0.1 JOIN ${a}`);
    expect(await dan.expect(numeric("353"))).toBe(`:irc.local 353 dan = ${a} :@cat dan`);
  });

  it("parts several channels with a reason, seen by the other members", async () => {
    const [a, b] = [channelName(), channelName()];
    const eve = await irc.client("eve");
    const fay = await irc.client("fay");
    for (const chan of [a, b]) {
      await join(eve, chan);
      await join(fay, chan);
    }
    eve.send(`PART ${a},${b} :off to lunch`);
    expect(await eve.expect(/ PART /)).toBe(`:eve!~eve@127.0.0.1 PART ${a} :off to lunch`);
    expect(await fay.expect(/ PART /)).toBe(`:eve!~eve@127.0.0.1 PART ${a} :off to lunch`);
    expect(await fay.expect(/ PART /)).toBe(`:eve!~eve@127.0.0.1 PART ${b} :off to lunch`);
    fay.send(`NAMES ${a}`);
    expect(await fay.expect(numeric("353"))).toBe(`:irc.local 353 fay = ${a} :fay`);
  });

  it("parts every channel on JOIN 0", async () => {
    const [a, b] = [channelName(), channelName()];
    const gus = await irc.client("gus");
    await join(gus, a);
    await join(gus, b);
    gus.send("JOIN 0");
    await gus.expect(new RegExp(`PART ${a} `));
    await gus.expect(new RegExp(`PART ${b} `));
    gus.send("WHOIS gus");
    const whois = await gus.sync();
    expect(whois.some((line) => numeric("319").test(line))).toBe(false);
    expect(whois.some((line) => numeric("318").test(line))).toBe(true);
  });

  it("answers JOIN of a malformed channel name with 403", async () => {
    const hal = await irc.client("hal");
    hal.send("JOIN nochannel");
    expect(await hal.expect(numeric("403"))).toBe(":irc.local 403 hal nochannel :No such channel");
  });

  it("answers PART of a channel that does not exist with 403, and of one the client is not on with 442", async () => {
    const chan = channelName();
    const ivy = await irc.client("ivy");
    const jon = await irc.client("jon");
    await join(jon, chan);
    ivy.send("PART #nowhere");
    expect(await ivy.expect(numeric("403"))).toBe(":irc.local 403 ivy #nowhere :No such channel");
    ivy.send(`PART ${chan}`);
    expect(await ivy.expect(numeric("442"))).toBe(`:irc.local 442 ivy ${chan} :You're not on that channel`);
  });

  it("answers a client over its channel limit with 405", async () => {
    const small = await testServer({ maxChannelsPerClient: 2 });
    try {
      const kim = await small.client("kim");
      kim.send("JOIN #one,#two,#three");
      expect(await kim.expect(numeric("405"))).toBe(":irc.local 405 kim #three :You have joined too many channels");
    } finally {
      await small.stop();
    }
  });
});

describe("PRIVMSG and NOTICE", () => {
  it("delivers a channel message to every member except the sender", async () => {
    const chan = channelName();
    const [lea, max, ned] = [await irc.client("lea"), await irc.client("max"), await irc.client("ned")];
    for (const c of [lea, max, ned]) await join(c, chan);
    lea.send(`PRIVMSG ${chan} :hello everyone`);
    const line = `:lea!~lea@127.0.0.1 PRIVMSG ${chan} :hello everyone`;
    expect(await max.expect(/ PRIVMSG /)).toBe(line);
    expect(await ned.expect(/ PRIVMSG /)).toBe(line);
    const own = await lea.sync();
    expect(own.some((l) => l.includes("PRIVMSG"))).toBe(false);
  });

  it("delivers a private message and a notice to a nickname in any case", async () => {
    const oli = await irc.client("Oli");
    const pam = await irc.client("pam");
    pam.send("PRIVMSG oli :psst", "NOTICE OLI :a notice");
    expect(await oli.expect(/ PRIVMSG /)).toBe(":pam!~pam@127.0.0.1 PRIVMSG Oli :psst");
    expect(await oli.expect(/ NOTICE /)).toBe(":pam!~pam@127.0.0.1 NOTICE Oli :a notice");
  });

  it("delivers to several targets at once", async () => {
    const chan = channelName();
    const quin = await irc.client("quin");
    const rex = await irc.client("rex");
    const sue = await irc.client("sue");
    await join(rex, chan);
    quin.send(`PRIVMSG sue,${chan} :to both`);
    expect(await sue.expect(/ PRIVMSG /)).toBe(":quin!~quin@127.0.0.1 PRIVMSG sue :to both");
    // The channel is +n by default and quin is not on it.
    expect(await quin.expect(numeric("404"))).toBe(`:irc.local 404 quin ${chan} :Cannot send to channel`);
    expect((await rex.sync()).some((l) => l.includes("to both"))).toBe(false);
  });

  it("answers a message to a missing nickname or channel with 401, and without recipient or text with 411 and 412", async () => {
    const tom = await irc.client("tom");
    tom.send("PRIVMSG nobody :hello");
    expect(await tom.expect(numeric("401"))).toBe(":irc.local 401 tom nobody :No such nick/channel");
    tom.send("PRIVMSG #nothing :hello");
    expect(await tom.expect(numeric("401"))).toBe(":irc.local 401 tom #nothing :No such nick/channel");
    tom.send("PRIVMSG");
    expect(await tom.expect(numeric("411"))).toBe(":irc.local 411 tom :No recipient given (PRIVMSG)");
    tom.send("PRIVMSG tom");
    expect(await tom.expect(numeric("412"))).toBe(":irc.local 412 tom :No text to send");
  });

  it("never answers a NOTICE with an error", async () => {
    const uma = await irc.client("uma");
    uma.send("NOTICE nobody :hello", "NOTICE #nothing :hello", "NOTICE", "NOTICE uma");
    expect(await uma.sync()).toEqual([]);
  });

  it("lets outsiders send to a channel once it is -n, and not while it is +n (404)", async () => {
    const chan = channelName();
    const vic = await irc.client("vic");
    const wes = await irc.client("wes");
    await join(vic, chan);
    wes.send(`PRIVMSG ${chan} :knock knock`);
    await wes.expect(numeric("404"));
    vic.send(`MODE ${chan} -n`);
    await vic.expect(new RegExp(`MODE ${chan} -n$`));
    wes.send(`PRIVMSG ${chan} :knock knock`);
    expect(await vic.expect(/ PRIVMSG /)).toBe(`:wes!~wes@127.0.0.1 PRIVMSG ${chan} :knock knock`);
  });

  it("shortens a relayed message that would pass 512 bytes on the wire", async () => {
    const chan = channelName();
    const xan = await irc.client("xan");
    const yul = await irc.client("yul");
    await join(xan, chan);
    await join(yul, chan);
    xan.send(`PRIVMSG ${chan} :${"é".repeat(240)}`);
    const line = await yul.expect(/ PRIVMSG /);
    expect(Buffer.byteLength(`${line}\r\n`)).toBeLessThanOrEqual(512);
    expect(line).toMatch(/:é+$/);
  });
});

describe("TOPIC", () => {
  it("answers 331 for no topic, lets the operator set one, then answers 332 and 333", async () => {
    const chan = channelName();
    const zed = await irc.client("zed");
    await join(zed, chan);
    zed.send(`TOPIC ${chan}`);
    expect(await zed.expect(numeric("331"))).toBe(`:irc.local 331 zed ${chan} :No topic is set`);
    zed.send(`TOPIC ${chan} :All about tests`);
    expect(await zed.expect(/ TOPIC /)).toBe(`:zed!~zed@127.0.0.1 TOPIC ${chan} :All about tests`);
    zed.send(`TOPIC ${chan}`);
    expect(await zed.expect(numeric("332"))).toBe(`:irc.local 332 zed ${chan} :All about tests`);
    expect(await zed.expect(numeric("333"))).toMatch(new RegExp(`^:irc\\.local 333 zed ${chan} zed!~zed@127\\.0\\.0\\.1 \\d+$`));

    // A later joiner gets the topic with the names.
    const amy = await irc.client("amy");
    amy.send(`JOIN ${chan}`);
    expect(await amy.expect(numeric("332"))).toBe(`:irc.local 332 amy ${chan} :All about tests`);
  });

  it("refuses a topic change by a non-operator while +t (482), allows it after -t", async () => {
    const chan = channelName();
    const bea = await irc.client("bea");
    const cal = await irc.client("cal");
    await join(bea, chan);
    await join(cal, chan);
    cal.send(`TOPIC ${chan} :my topic`);
    expect(await cal.expect(numeric("482"))).toBe(`:irc.local 482 cal ${chan} :You're not channel operator`);
    bea.send(`MODE ${chan} -t`);
    await cal.expect(new RegExp(`MODE ${chan} -t$`));
    cal.send(`TOPIC ${chan} :my topic`);
    expect(await bea.expect(/ TOPIC /)).toBe(`:cal!~cal@127.0.0.1 TOPIC ${chan} :my topic`);
  });

  it("answers TOPIC for a missing channel with 403, a change from outside with 442, and no parameters with 461", async () => {
    const chan = channelName();
    const deb = await irc.client("deb");
    const eli = await irc.client("eli");
    await join(eli, chan);
    deb.send("TOPIC #missing");
    await deb.expect(numeric("403"));
    deb.send(`TOPIC ${chan} :hijack`);
    expect(await deb.expect(numeric("442"))).toBe(`:irc.local 442 deb ${chan} :You're not on that channel`);
    deb.send("TOPIC");
    expect(await deb.expect(numeric("461"))).toBe(":irc.local 461 deb TOPIC :Not enough parameters");
  });
});

describe("NAMES, WHO and WHOIS", () => {
  it("lists a channel's members with NAMES and WHO, operators marked", async () => {
    const chan = channelName();
    const fin = await irc.client("fin");
    const gil = await irc.client("gil");
    await join(fin, chan);
    await join(gil, chan);
    gil.send(`NAMES ${chan}`);
    expect(await gil.expect(numeric("353"))).toBe(`:irc.local 353 gil = ${chan} :@fin gil`);
    expect(await gil.expect(numeric("366"))).toBe(`:irc.local 366 gil ${chan} :End of /NAMES list.`);
    gil.send(`WHO ${chan}`);
    expect(await gil.expect(numeric("352"))).toBe(`:irc.local 352 gil ${chan} ~fin 127.0.0.1 irc.local fin H@ :0 fin Tester`);
    expect(await gil.expect(numeric("352"))).toBe(`:irc.local 352 gil ${chan} ~gil 127.0.0.1 irc.local gil H :0 gil Tester`);
    expect(await gil.expect(numeric("315"))).toBe(`:irc.local 315 gil ${chan} :End of /WHO list.`);
  });

  it("answers WHO by nickname mask", async () => {
    const hux = await irc.client("hux");
    await irc.client("huxley");
    hux.send("WHO hux*");
    const lines = await hux.sync();
    expect(lines.filter((l) => numeric("352").test(l)).map((l) => l.split(" ")[7])).toEqual(["hux", "huxley"]);
    expect(lines).toContain(":irc.local 315 hux hux* :End of /WHO list.");
  });

  it("answers WHOIS with 311, 319, 312 and 318, and a missing nickname with 401", async () => {
    const chan = channelName();
    const ida = await irc.client("ida");
    await join(ida, chan);
    const jay = await irc.client("jay");
    jay.send("WHOIS IDA");
    expect(await jay.expect(numeric("311"))).toBe(":irc.local 311 jay ida ~ida 127.0.0.1 * :ida Tester");
    expect(await jay.expect(numeric("319"))).toBe(`:irc.local 319 jay ida :@${chan}`);
    expect(await jay.expect(numeric("312"))).toMatch(/^:irc\.local 312 jay ida irc\.local :/);
    expect(await jay.expect(numeric("318"))).toBe(":irc.local 318 jay IDA :End of /WHOIS list.");
    jay.send("WHOIS ghost");
    expect(await jay.expect(numeric("401"))).toBe(":irc.local 401 jay ghost :No such nick/channel");
    await jay.expect(numeric("318"));
    jay.send("WHOIS");
    expect(await jay.expect(numeric("431"))).toBe(":irc.local 431 jay :No nickname given");
  });
});

describe("MODE", () => {
  it("reports a channel's modes with 324", async () => {
    const chan = channelName();
    const kai = await irc.client("kai");
    await join(kai, chan);
    kai.send(`MODE ${chan}`);
    expect(await kai.expect(numeric("324"))).toBe(`:irc.local 324 kai ${chan} +nt`);
    kai.send(`MODE ${chan} -nt`);
    await kai.expect(/ MODE /);
    kai.send(`MODE ${chan}`);
    expect(await kai.expect(numeric("324"))).toBe(`:irc.local 324 kai ${chan} +`);
  });

  it("lets an operator give and take operator status, seen by every member", async () => {
    const chan = channelName();
    const lou = await irc.client("lou");
    const mia = await irc.client("mia");
    await join(lou, chan);
    await join(mia, chan);
    lou.send(`MODE ${chan} +o MIA`);
    expect(await mia.expect(/ MODE /)).toBe(`:lou!~lou@127.0.0.1 MODE ${chan} +o mia`);
    expect(await lou.expect(/ MODE /)).toBe(`:lou!~lou@127.0.0.1 MODE ${chan} +o mia`);
    // mia is an operator now: she can take lou's status and change modes.
    mia.send(`MODE ${chan} -o+t-n lou`);
    expect(await lou.expect(/ MODE /)).toBe(`:mia!~mia@127.0.0.1 MODE ${chan} -on lou`);
    lou.send(`MODE ${chan} +n`);
    expect(await lou.expect(numeric("482"))).toBe(`:irc.local 482 lou ${chan} :You're not channel operator`);
    lou.send(`NAMES ${chan}`);
    expect(await lou.expect(numeric("353"))).toBe(`:irc.local 353 lou = ${chan} :lou @mia`);
  });

  it("refuses mode changes by a non-operator with 482", async () => {
    const chan = channelName();
    const ned = await irc.client("nedra");
    const oz = await irc.client("oz");
    await join(ned, chan);
    await join(oz, chan);
    oz.send(`MODE ${chan} +o oz`);
    expect(await oz.expect(numeric("482"))).toBe(`:irc.local 482 oz ${chan} :You're not channel operator`);
    oz.send(`MODE ${chan} -t`);
    await oz.expect(numeric("482"));
    expect((await ned.sync()).some((l) => l.includes(" MODE "))).toBe(false);
  });

  it("answers an unknown mode letter with 472, a missing channel with 403, and a stranger with 441", async () => {
    const chan = channelName();
    const pia = await irc.client("pia");
    await irc.client("quill");
    await join(pia, chan);
    pia.send(`MODE ${chan} +z`);
    expect(await pia.expect(numeric("472"))).toBe(`:irc.local 472 pia z :is unknown mode char to me for ${chan}`);
    pia.send("MODE #gone +t");
    expect(await pia.expect(numeric("403"))).toBe(":irc.local 403 pia #gone :No such channel");
    pia.send(`MODE ${chan} +o quill`);
    expect(await pia.expect(numeric("441"))).toBe(`:irc.local 441 pia quill ${chan} :They aren't on that channel`);
    pia.send(`MODE ${chan} +o nobody`);
    expect(await pia.expect(numeric("401"))).toBe(":irc.local 401 pia nobody :No such nick/channel");
    pia.send("MODE");
    expect(await pia.expect(numeric("461"))).toBe(":irc.local 461 pia MODE :Not enough parameters");
  });

  it("answers the user's own mode with 221, sets +i, and refuses other users' modes with 502", async () => {
    const rae = await irc.client("rae");
    await irc.client("sid");
    rae.send("MODE rae");
    expect(await rae.expect(numeric("221"))).toBe(":irc.local 221 rae +");
    rae.send("MODE rae +i");
    expect(await rae.expect(/ MODE /)).toBe(":rae!~rae@127.0.0.1 MODE rae +i");
    rae.send("MODE sid +i");
    expect(await rae.expect(numeric("502"))).toBe(":irc.local 502 rae :Can't change mode for other users");
  });
});

describe("KICK", () => {
  it("lets an operator kick a member, seen by every member, the kicked one included", async () => {
    const chan = channelName();
    const tia = await irc.client("tia");
    const ugo = await irc.client("ugo");
    const val = await irc.client("val");
    for (const c of [tia, ugo, val]) await join(c, chan);
    tia.send(`KICK ${chan} ugo :behave`);
    const line = `:tia!~tia@127.0.0.1 KICK ${chan} ugo :behave`;
    expect(await ugo.expect(/ KICK /)).toBe(line);
    expect(await val.expect(/ KICK /)).toBe(line);
    expect(await tia.expect(/ KICK /)).toBe(line);
    ugo.send(`PRIVMSG ${chan} :still here?`);
    await ugo.expect(numeric("404"));
  });

  it("refuses a kick by a non-operator with 482 and from outside the channel with 442", async () => {
    const chan = channelName();
    const wyn = await irc.client("wyn");
    const xia = await irc.client("xia");
    const yve = await irc.client("yve");
    await join(wyn, chan);
    await join(xia, chan);
    xia.send(`KICK ${chan} wyn`);
    expect(await xia.expect(numeric("482"))).toBe(`:irc.local 482 xia ${chan} :You're not channel operator`);
    yve.send(`KICK ${chan} wyn`);
    expect(await yve.expect(numeric("442"))).toBe(`:irc.local 442 yve ${chan} :You're not on that channel`);
    yve.send(`KICK ${chan}`);
    expect(await yve.expect(numeric("461"))).toBe(":irc.local 461 yve KICK :Not enough parameters");
    expect((await wyn.sync()).some((l) => l.includes(" KICK "))).toBe(false);
  });

  it("answers a kick of someone not on the channel with 441", async () => {
    const chan = channelName();
    const zoe = await irc.client("zoe");
    await irc.client("abe");
    await join(zoe, chan);
    zoe.send(`KICK ${chan} abe`);
    expect(await zoe.expect(numeric("441"))).toBe(`:irc.local 441 zoe abe ${chan} :They aren't on that channel`);
  });
});

describe("NICK and QUIT as peers see them", () => {
  it("shows a nick change once to everyone sharing a channel, and to the client, but not to strangers", async () => {
    const [a, b] = [channelName(), channelName()];
    const bo = await irc.client("bo");
    const cy = await irc.client("cy");
    const di = await irc.client("di");
    for (const chan of [a, b]) {
      await join(bo, chan);
      await join(cy, chan);
    }
    bo.send("NICK bob2");
    expect(await bo.expect(/ NICK /)).toBe(":bo!~bo@127.0.0.1 NICK :bob2");
    expect(await cy.expect(/ NICK /)).toBe(":bo!~bo@127.0.0.1 NICK :bob2");
    expect((await bo.sync()).some((l) => l.includes(" NICK "))).toBe(false);
    expect((await cy.sync()).some((l) => l.includes(" NICK "))).toBe(false);
    expect((await di.sync()).some((l) => l.includes(" NICK "))).toBe(false);
    cy.send("WHOIS bo");
    await cy.expect(numeric("401"));
  });

  it("tells channel peers when a client quits or its connection drops", async () => {
    const chan = channelName();
    const ed = await irc.client("ed");
    const flo = await irc.client("flo");
    const gia = await irc.client("gia");
    for (const c of [ed, flo, gia]) await join(c, chan);
    flo.send("QUIT :bye all");
    expect(await ed.expect(/ QUIT /)).toBe(":flo!~flo@127.0.0.1 QUIT :Quit: bye all");
    gia.close();
    expect(await ed.expect(/ QUIT /)).toBe(":gia!~gia@127.0.0.1 QUIT :Connection closed");
    ed.send(`NAMES ${chan}`);
    expect(await ed.expect(numeric("353"))).toBe(`:irc.local 353 ed = ${chan} :@ed`);
  });
});
