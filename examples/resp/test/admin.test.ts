/**
 * Administration over raw sockets: CLIENT KILL in both forms and with each
 * filter, INFO's fields (those `redis-cli --stat` reads, a real `avg_ttl`,
 * counters that move), CONFIG RESETSTAT, and the `--requirepass` flag.
 */

import type { RespServer } from "../server";
import { settingsFromFlags } from "../settings";
import { RawClient, command, portOf, testServer } from "./helpers";
import { ReplyReader } from "./redis-server";

let server: RespServer;
let port: number;

beforeAll(async () => {
  server = await testServer();
  port = portOf(server);
});

afterAll(() => server.close());

beforeEach(() => server.state.keyspace.clear());

/** A client's id and address, from its own CLIENT INFO. */
async function whoIs(client: ReplyReader): Promise<{ id: number; addr: string; laddr: string }> {
  const info = await client.send("client", "info");
  const field = (name: string): string => new RegExp(`(?:^|\\s)${name}=(\\S*)`).exec(info)![1]!;
  return { id: Number(field("id")), addr: field("addr"), laddr: field("laddr") };
}

/** Resolves once the raw client has been closed by the server, with what it received. */
function closedSoon(client: RawClient): Promise<string> {
  return client.closedReply();
}

describe("CLIENT KILL", () => {
  it("closes the client at an address (old form) and says when there is none", async () => {
    const killer = await ReplyReader.connect(port);
    const victim = await RawClient.connect(port);
    victim.send(command("client", "info"));
    const info = await (async () => {
      for (;;) {
        const text = victim.received.toString("latin1");
        if (text.endsWith("\r\n") && text.includes("user=")) return text;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    const addr = /addr=(\S+)/.exec(info)![1]!;
    expect(await killer.send("client", "kill", addr)).toBe("+OK\r\n");
    await closedSoon(victim);
    expect(await killer.send("client", "kill", addr)).toBe("-ERR No such client\r\n");
    killer.close();
  });

  it("closes by ID, ADDR and LADDR, sparing the caller unless SKIPME no", async () => {
    const killer = await ReplyReader.connect(port);
    const first = await ReplyReader.connect(port);
    const second = await ReplyReader.connect(port);
    const me = await whoIs(killer);
    const one = await whoIs(first);
    const two = await whoIs(second);
    expect(await killer.send("client", "kill", "id", String(one.id))).toBe(":1\r\n");
    expect(await killer.send("client", "kill", "id", String(one.id))).toBe(":0\r\n");
    expect(await killer.send("client", "kill", "addr", two.addr, "type", "pubsub")).toBe(":0\r\n");
    expect(await killer.send("client", "kill", "addr", two.addr, "user", "default")).toBe(":1\r\n");
    expect(await killer.send("client", "kill", "id", String(me.id))).toBe(":0\r\n");
    expect(await killer.send("client", "kill", "user", "nobody")).toBe("-ERR No such user 'nobody'\r\n");
    expect(await killer.send("client", "kill", "type", "odd")).toBe("-ERR Unknown client type 'odd'\r\n");
    expect(await killer.send("client", "kill", "id", "0")).toBe("-ERR client-id should be greater than 0\r\n");
    expect(await killer.send("client", "kill", "skipme", "maybe")).toBe("-ERR syntax error\r\n");
    expect(await killer.send("client", "kill", "id", "1", "addr")).toBe("-ERR syntax error\r\n");
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.state.sessions.size).toBe(1);
    // LADDR names the server's end: every client here has the same one.
    const third = await RawClient.connect(port);
    expect(await killer.send("client", "kill", "laddr", me.laddr, "skipme", "no")).toBe(":2\r\n");
    await closedSoon(third);
    first.close();
    second.close();
    killer.close();
  });
});

describe("INFO", () => {
  /** INFO's fields as a map, checking every line is `name:value`, a `# Section` or blank. */
  async function info(client: ReplyReader, ...sections: string[]): Promise<Map<string, string>> {
    const reply = await client.send("info", ...sections);
    const body = reply.slice(reply.indexOf("\r\n") + 2, -2);
    const fields = new Map<string, string>();
    for (const line of body.split("\r\n")) {
      if (line === "" || line.startsWith("# ")) continue;
      expect(line).toMatch(/^[a-z_0-9]+:[^\r\n]*$/);
      fields.set(line.slice(0, line.indexOf(":")), line.slice(line.indexOf(":") + 1));
    }
    return fields;
  }

  it("has every field redis-cli --stat reads, as numbers", async () => {
    const client = await ReplyReader.connect(port);
    const fields = await info(client);
    for (const name of ["used_memory", "connected_clients", "blocked_clients", "total_commands_processed", "total_connections_received", "keyspace_hits", "keyspace_misses", "instantaneous_ops_per_sec", "expired_keys", "used_memory_rss", "uptime_in_seconds", "maxclients"]) {
      expect(fields.get(name)).toMatch(/^\d+$/);
    }
    expect(fields.get("role")).toBe("master");
    expect(fields.get("used_memory_human")).toMatch(/^\d+\.\d\d[KMG]$/);
    client.close();
  });

  it("counts commands, hits and misses, and starts again after CONFIG RESETSTAT", async () => {
    const client = await ReplyReader.connect(port);
    await client.send("config", "resetstat");
    await client.send("set", "k", "v");
    await client.send("get", "k");
    await client.send("get", "k");
    await client.send("get", "nope");
    await client.send("lrange", "nope", "0", "1");
    const fields = await info(client, "stats");
    expect(fields.get("keyspace_hits")).toBe("2");
    expect(fields.get("keyspace_misses")).toBe("2");
    // RESETSTAT (counted once it has run, as Redis counts), SET, three GETs and LRANGE; not the INFO itself.
    expect(fields.get("total_commands_processed")).toBe("6");
    client.close();
  });

  it("reports the keys that expire and their average time to live in INFO keyspace", async () => {
    const client = await ReplyReader.connect(port);
    expect(await client.send("info", "keyspace")).toBe("$12\r\n# Keyspace\r\n\r\n");
    await client.send("set", "forever", "v");
    await client.send("set", "a", "v", "px", "100000");
    await client.send("set", "b", "v", "px", "300000");
    const line = (await info(client, "keyspace")).get("db0")!;
    const match = /^keys=3,expires=2,avg_ttl=(\d+)$/.exec(line);
    expect(match).not.toBeNull();
    const averageTtl = Number(match![1]);
    expect(averageTtl).toBeLessThanOrEqual(200_000);
    expect(averageTtl).toBeGreaterThan(195_000);
    await client.send("persist", "b");
    expect((await info(client, "keyspace")).get("db0")).toMatch(/^keys=3,expires=1,avg_ttl=(9\d{4}|100000)$/);
    client.close();
  });
});

describe("--requirepass", () => {
  it("sets the password from the flag, and refuses an empty one", () => {
    expect(settingsFromFlags({ requirepass: "sesame" }).requirePass).toBe("sesame");
    expect(settingsFromFlags({}).requirePass).toBeNull();
    expect(() => settingsFromFlags({ requirepass: "" })).toThrow("--requirepass");
  });

  it("keeps a client out until AUTH, then lets it in", async () => {
    const guarded = await testServer({ requirePass: "sesame" });
    const client = await ReplyReader.connect(portOf(guarded));
    expect(await client.send("get", "k")).toBe("-NOAUTH Authentication required.\r\n");
    expect(await client.send("auth", "nope")).toBe("-WRONGPASS invalid username-password pair or user is disabled.\r\n");
    expect(await client.send("auth", "sesame")).toBe("+OK\r\n");
    expect(await client.send("get", "k")).toBe("$-1\r\n");
    client.close();
    await guarded.close();
  });
});
