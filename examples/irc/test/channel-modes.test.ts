/**
 * Channel modes with parameters and the ones that gate joining and
 * speaking, over raw sockets: `+b` (ban list 367/368, enforced on JOIN and
 * on speech), `+k`, `+l`, `+i` with INVITE (341, 443, 473), `+m` and `+v`.
 */

import { type RawClient, numeric, testServer } from "./raw-client";

type TestServer = Awaited<ReturnType<typeof testServer>>;

let irc: TestServer;
beforeAll(async () => {
  irc = await testServer();
});
afterAll(() => irc.stop());

let serial = 0;
/** A fresh channel name per test. */
function channelName(): string {
  return `#modes${++serial}`;
}

/** Joins and waits for the end of the NAMES list. */
async function join(client: RawClient, channel: string, key?: string): Promise<void> {
  client.send(key === undefined ? `JOIN ${channel}` : `JOIN ${channel} ${key}`);
  await client.expect(new RegExp(`^:\\S+ 366 \\S+ ${channel} `));
}

/** An operator `op` on a fresh channel, and the channel's name. */
async function opChannel(op: RawClient): Promise<string> {
  const chan = channelName();
  await join(op, chan);
  return chan;
}

describe("bans (+b)", () => {
  it("lists bans with 367 and 368, keeps the setter's full mask, and completes short masks", async () => {
    const ada = await irc.client("ada");
    const chan = await opChannel(ada);
    ada.send(`MODE ${chan} +bb spammer *@10.0.0.1`);
    expect(await ada.expect(/ MODE /)).toBe(`:ada!~ada@127.0.0.1 MODE ${chan} +bb spammer!*@* *!*@10.0.0.1`);
    ada.send(`MODE ${chan} +b`);
    expect(await ada.expect(numeric("367"))).toMatch(new RegExp(`^:irc\\.local 367 ada ${chan} spammer!\\*@\\* ada!~ada@127\\.0\\.0\\.1 \\d+$`));
    expect(await ada.expect(numeric("367"))).toMatch(new RegExp(`^:irc\\.local 367 ada ${chan} \\*!\\*@10\\.0\\.0\\.1 ada!~ada@127\\.0\\.0\\.1 \\d+$`));
    expect(await ada.expect(numeric("368"))).toBe(`:irc.local 368 ada ${chan} :End of channel ban list`);
    ada.send(`MODE ${chan} -b SPAMMER!*@*`);
    expect(await ada.expect(/ MODE /)).toBe(`:ada!~ada@127.0.0.1 MODE ${chan} -b spammer!*@*`);
    ada.send(`MODE ${chan} b`);
    const listed = await ada.sync();
    expect(listed.filter((line) => / 367 /.test(line))).toHaveLength(1);
  });

  it("refuses a banned client on JOIN with 474, and lets it in once the ban is lifted", async () => {
    const bea = await irc.client("bea");
    const chan = await opChannel(bea);
    bea.send(`MODE ${chan} +b cid!*@127.0.0.*`);
    await bea.expect(/ MODE /);
    const cid = await irc.client("cid");
    cid.send(`JOIN ${chan}`);
    expect(await cid.expect(numeric("474"))).toBe(`:irc.local 474 cid ${chan} :Cannot join channel (+b)`);
    bea.send(`MODE ${chan} -b cid!*@127.0.0.*`);
    await bea.expect(/ MODE /);
    await join(cid, chan);
  });

  it("keeps a banned member from speaking (404) until voiced, while others still hear each other", async () => {
    const dee = await irc.client("dee");
    const chan = await opChannel(dee);
    const eli = await irc.client("eli");
    const fox = await irc.client("fox");
    await join(eli, chan);
    await join(fox, chan);
    dee.send(`MODE ${chan} +b eli`);
    await eli.expect(/ MODE /);
    eli.send(`PRIVMSG ${chan} :can anyone hear me`);
    expect(await eli.expect(numeric("404"))).toBe(`:irc.local 404 eli ${chan} :Cannot send to channel`);
    fox.send(`PRIVMSG ${chan} :fox here`);
    expect(await dee.expect(/ PRIVMSG /)).toBe(`:fox!~fox@127.0.0.1 PRIVMSG ${chan} :fox here`);
    expect((await dee.sync()).some((line) => line.includes("can anyone hear me"))).toBe(false);
    dee.send(`MODE ${chan} +v eli`);
    await eli.expect(/ MODE /);
    eli.send(`PRIVMSG ${chan} :voiced now`);
    expect(await dee.expect(/ PRIVMSG /)).toBe(`:eli!~eli@127.0.0.1 PRIVMSG ${chan} :voiced now`);
  });

  it("lets anyone list the bans but only operators change them (482)", async () => {
    const gil = await irc.client("gil");
    const chan = await opChannel(gil);
    const hal = await irc.client("hal");
    await join(hal, chan);
    hal.send(`MODE ${chan} +b`);
    expect(await hal.expect(numeric("368"))).toBe(`:irc.local 368 hal ${chan} :End of channel ban list`);
    hal.send(`MODE ${chan} +b gil`);
    expect(await hal.expect(numeric("482"))).toBe(`:irc.local 482 hal ${chan} :You're not channel operator`);
  });
});

describe("keys (+k) and limits (+l)", () => {
  it("asks for the key on JOIN (475), shows it to members in 324, and lifts it with -k", async () => {
    const ida = await irc.client("ida");
    const chan = await opChannel(ida);
    ida.send(`MODE ${chan} +k sekrit`);
    expect(await ida.expect(/ MODE /)).toBe(`:ida!~ida@127.0.0.1 MODE ${chan} +k sekrit`);
    const jon = await irc.client("jon");
    jon.send(`MODE ${chan}`);
    expect(await jon.expect(numeric("324"))).toBe(`:irc.local 324 jon ${chan} +knt *`);
    jon.send(`JOIN ${chan}`);
    expect(await jon.expect(numeric("475"))).toBe(`:irc.local 475 jon ${chan} :Cannot join channel (+k)`);
    jon.send(`JOIN ${chan} wrong`);
    await jon.expect(numeric("475"));
    await join(jon, chan, "sekrit");
    jon.send(`MODE ${chan}`);
    expect(await jon.expect(numeric("324"))).toBe(`:irc.local 324 jon ${chan} +knt sekrit`);
    ida.send(`MODE ${chan} -k sekrit`);
    expect(await jon.expect(/ MODE /)).toBe(`:ida!~ida@127.0.0.1 MODE ${chan} -k *`);
  });

  it("takes several channels with their keys in one JOIN", async () => {
    const kim = await irc.client("kim");
    const [a, b] = [await opChannel(kim), await opChannel(kim)];
    kim.send(`MODE ${a} +k alpha`, `MODE ${b} +k beta`);
    await kim.sync();
    const lee = await irc.client("lee");
    lee.send(`JOIN ${a},${b} alpha,beta`);
    await lee.expect(new RegExp(` 366 lee ${a} `));
    await lee.expect(new RegExp(` 366 lee ${b} `));
  });

  it("refuses a malformed key with 525 and leaves the channel unkeyed", async () => {
    const mo = await irc.client("mo");
    const chan = await opChannel(mo);
    mo.send(`MODE ${chan} +k ${"k".repeat(30)}`);
    expect(await mo.expect(numeric("525"))).toBe(`:irc.local 525 mo ${chan} :Key is not well-formed`);
    mo.send(`MODE ${chan}`);
    expect(await mo.expect(numeric("324"))).toBe(`:irc.local 324 mo ${chan} +nt`);
  });

  it("refuses a joiner past the limit with 471, and accepts one after -l", async () => {
    const ned = await irc.client("ned");
    const chan = await opChannel(ned);
    ned.send(`MODE ${chan} +l 2`);
    expect(await ned.expect(/ MODE /)).toBe(`:ned!~ned@127.0.0.1 MODE ${chan} +l 2`);
    const oli = await irc.client("oli");
    await join(oli, chan);
    const pam = await irc.client("pam");
    pam.send(`JOIN ${chan}`);
    expect(await pam.expect(numeric("471"))).toBe(`:irc.local 471 pam ${chan} :Cannot join channel (+l)`);
    ned.send(`MODE ${chan} +l nonsense`);
    expect(await ned.expect(numeric("696"))).toMatch(new RegExp(`^:irc\\.local 696 ned ${chan} l nonsense :`));
    ned.send(`MODE ${chan} -l`);
    expect(await ned.expect(/ MODE /)).toBe(`:ned!~ned@127.0.0.1 MODE ${chan} -l`);
    await join(pam, chan);
  });

  it("shows every mode with its arguments in 324 and applies at most 4 parameter changes per MODE", async () => {
    const quin = await irc.client("quin");
    const chan = await opChannel(quin);
    quin.send(`MODE ${chan} +imlk 5 key`);
    expect(await quin.expect(/ MODE /)).toBe(`:quin!~quin@127.0.0.1 MODE ${chan} +imlk 5 key`);
    quin.send(`MODE ${chan}`);
    expect(await quin.expect(numeric("324"))).toBe(`:irc.local 324 quin ${chan} +iklmnt key 5`);
    quin.send(`MODE ${chan} +bbbbb a b c d e`);
    expect(await quin.expect(/ MODE /)).toBe(`:quin!~quin@127.0.0.1 MODE ${chan} +bbbb a!*@* b!*@* c!*@* d!*@*`);
  });
});

describe("invite-only channels (+i) and INVITE", () => {
  it("refuses an uninvited joiner with 473, and lets one in after INVITE (341 to the inviter, INVITE to the invitee)", async () => {
    const ray = await irc.client("ray");
    const chan = await opChannel(ray);
    ray.send(`MODE ${chan} +i`);
    await ray.expect(/ MODE /);
    const sue = await irc.client("sue");
    sue.send(`JOIN ${chan}`);
    expect(await sue.expect(numeric("473"))).toBe(`:irc.local 473 sue ${chan} :Cannot join channel (+i)`);
    ray.send(`INVITE sue ${chan}`);
    expect(await ray.expect(numeric("341"))).toBe(`:irc.local 341 ray sue ${chan}`);
    expect(await sue.expect(/ INVITE /)).toBe(`:ray!~ray@127.0.0.1 INVITE sue ${chan}`);
    await join(sue, chan);
    // The invitation is used up.
    sue.send(`PART ${chan}`);
    await sue.expect(/ PART /);
    sue.send(`JOIN ${chan}`);
    await sue.expect(numeric("473"));
  });

  it("answers INVITE of a member with 443, from a non-operator on +i with 482, from outside with 442, and of nobody with 401", async () => {
    const tom = await irc.client("tom");
    const chan = await opChannel(tom);
    const uma = await irc.client("uma");
    await join(uma, chan);
    tom.send(`INVITE uma ${chan}`);
    expect(await tom.expect(numeric("443"))).toBe(`:irc.local 443 tom uma ${chan} :is already on channel`);
    tom.send(`MODE ${chan} +i`);
    await tom.expect(/ MODE /);
    const vic = await irc.client("vic");
    uma.send(`INVITE vic ${chan}`);
    expect(await uma.expect(numeric("482"))).toBe(`:irc.local 482 uma ${chan} :You're not channel operator`);
    vic.send(`INVITE uma ${chan}`);
    expect(await vic.expect(numeric("442"))).toBe(`:irc.local 442 vic ${chan} :You're not on that channel`);
    tom.send(`INVITE nobody ${chan}`);
    expect(await tom.expect(numeric("401"))).toBe(":irc.local 401 tom nobody :No such nick/channel");
    tom.send("INVITE vic");
    expect(await tom.expect(numeric("461"))).toBe(":irc.local 461 tom INVITE :Not enough parameters");
  });
});

describe("moderated channels (+m) and voice (+v)", () => {
  it("lets only operators and voiced members speak, and shows voice as + in NAMES, WHO and WHOIS", async () => {
    const wes = await irc.client("wes");
    const chan = await opChannel(wes);
    const xia = await irc.client("xia");
    await join(xia, chan);
    wes.send(`MODE ${chan} +m`);
    await xia.expect(/ MODE /);
    xia.send(`PRIVMSG ${chan} :muted?`);
    expect(await xia.expect(numeric("404"))).toBe(`:irc.local 404 xia ${chan} :Cannot send to channel`);
    wes.send(`MODE ${chan} +v xia`);
    expect(await xia.expect(/ MODE /)).toBe(`:wes!~wes@127.0.0.1 MODE ${chan} +v xia`);
    xia.send(`PRIVMSG ${chan} :heard`);
    expect(await wes.expect(/ PRIVMSG /)).toBe(`:xia!~xia@127.0.0.1 PRIVMSG ${chan} :heard`);
    wes.send(`NAMES ${chan}`);
    expect(await wes.expect(numeric("353"))).toBe(`:irc.local 353 wes = ${chan} :@wes +xia`);
    wes.send(`WHO ${chan}`);
    await wes.expect(numeric("352"));
    expect(await wes.expect(numeric("352"))).toBe(`:irc.local 352 wes ${chan} ~xia 127.0.0.1 irc.local xia H+ :0 xia Tester`);
    wes.send("WHOIS xia");
    expect(await wes.expect(numeric("319"))).toBe(`:irc.local 319 wes xia :+${chan}`);
    wes.send(`MODE ${chan} -v xia`);
    await xia.expect(/ MODE /);
    xia.send(`PRIVMSG ${chan} :muted again`);
    await xia.expect(numeric("404"));
  });
});
