/**
 * The server against a real client library, irc-framework: registration,
 * channel messages both ways, a nick change and a quit seen by the other.
 */

import { Client, type ConnectOptions, type MessageEvent } from "irc-framework";
import { IrcServer } from "../server";

let server: IrcServer;
let port: number;
const clients: Client[] = [];

beforeAll(async () => {
  server = new IrcServer();
  ({ port } = await server.listen(0, "127.0.0.1"));
});

afterEach(async () => {
  // Wait for the server to close each connection, so the next test can take the same nicknames.
  await Promise.all(
    clients.splice(0).map((client) => {
      const closed = next(client, "close");
      client.quit("test over");
      return closed;
    }),
  );
});

afterAll(async () => {
  await server.close();
});

/** Resolves with the first event of that name for which `accept` holds. */
function next<T>(client: Client, event: string, accept: (value: T) => boolean = () => true, timeout = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off(event, listener);
      reject(new Error(`no matching "${event}" event within ${timeout} ms`));
    }, timeout);
    const listener = (value: T): void => {
      if (!accept(value)) return;
      clearTimeout(timer);
      client.off(event, listener);
      resolve(value);
    };
    client.on(event, listener);
  });
}

async function connected(nick: string): Promise<Client> {
  const client = new Client();
  clients.push(client);
  const options: ConnectOptions = { host: "127.0.0.1", port, nick, username: nick, gecos: `${nick} of irc-framework`, auto_reconnect: false };
  const registered = next<{ nick: string }>(client, "registered");
  client.connect(options);
  expect((await registered).nick).toBe(nick);
  return client;
}

async function joined(client: Client, channel: string): Promise<void> {
  const join = next<{ nick: string; channel: string }>(client, "join", (e) => e.nick === client.user.nick && e.channel === channel);
  client.join(channel);
  await join;
}

describe("irc-framework clients", () => {
  it("registers a client, which gets the welcome with its nickname", async () => {
    const alice = await connected("alice");
    expect(alice.user.nick).toBe("alice");
  });

  it("lets two clients on a channel exchange messages in both directions", async () => {
    const alice = await connected("alice");
    const bob = await connected("bob");
    await joined(alice, "#chat");
    const bobSeen = next<{ nick: string }>(alice, "join", (e) => e.nick === "bob");
    await joined(bob, "#chat");
    await bobSeen;

    const toBob = next<MessageEvent>(bob, "message", (e) => e.nick === "alice");
    alice.say("#chat", "hello bob, how are you?");
    const received = await toBob;
    expect(received).toMatchObject({ type: "privmsg", target: "#chat", message: "hello bob, how are you?", ident: "~alice" });

    const toAlice = next<MessageEvent>(alice, "message", (e) => e.nick === "bob");
    bob.say("#chat", "fine thanks: 100% €uro-proof");
    expect(await toAlice).toMatchObject({ type: "privmsg", target: "#chat", message: "fine thanks: 100% €uro-proof" });

    const notice = next<MessageEvent>(bob, "message", (e) => e.type === "notice");
    alice.notice("bob", "a private notice");
    expect(await notice).toMatchObject({ nick: "alice", target: "bob", message: "a private notice" });
  });

  it("shows a nick change to the other member of a channel and to the client itself", async () => {
    const alice = await connected("alice");
    const bob = await connected("bob");
    await joined(alice, "#nicks");
    await joined(bob, "#nicks");

    const seenByBob = next<{ nick: string; new_nick: string }>(bob, "nick");
    const seenByAlice = next<{ nick: string; new_nick: string }>(alice, "nick");
    alice.changeNick("alicia");
    expect(await seenByBob).toMatchObject({ nick: "alice", new_nick: "alicia" });
    expect(await seenByAlice).toMatchObject({ nick: "alice", new_nick: "alicia" });

    // Messages now come from the new nickname.
    const message = next<MessageEvent>(bob, "message");
    alice.say("#nicks", "it is me");
    expect(await message).toMatchObject({ nick: "alicia", message: "it is me" });
  });

  it("tells the other member of a channel when a client quits, with its message", async () => {
    const alice = await connected("alice");
    const bob = await connected("bob");
    await joined(alice, "#quits");
    await joined(bob, "#quits");

    const quit = next<{ nick: string; message: string }>(alice, "quit");
    const closed = next(bob, "close");
    bob.quit("see you later");
    clients.splice(clients.indexOf(bob), 1);
    expect(await quit).toMatchObject({ nick: "bob", message: "Quit: see you later" });
    await closed;
  });
});
