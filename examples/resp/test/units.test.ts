/**
 * The pieces on their own: glob matching, integer parsing, inline
 * splitting, the key space and its sweep, the reply writer, the settings
 * from flags, and the pipeline scan's refusals.
 */

import { Args } from "../args";
import { cString, unknownCommand } from "../errors";
import { globMatch } from "../glob";
import { splitInline } from "../inline";
import { addInt64, parseInt64, parseInteger, parseSafeInteger } from "../integers";
import { Keyspace, encodeEntry, hashKey, valueStart } from "../keyspace";
import { ReplyWriter } from "../reply";
import { PipelineScan } from "../scan";
import { DEFAULT_SETTINGS, settingsFromFlags } from "../settings";
import { command } from "./helpers";

function bytes(text: string): Buffer {
  return Buffer.from(text, "latin1");
}

describe("glob patterns", () => {
  it.each([
    ["*", "", true],
    ["*", "anything", true],
    ["a*", "abc", true],
    ["a*c", "abbbc", true],
    ["a*c", "abcd", false],
    ["*c*d", "xcxxdd", true],
    ["h?llo", "hallo", true],
    ["h?llo", "hllo", false],
    ["h[ae]llo", "hello", true],
    ["h[ae]llo", "hillo", false],
    ["h[^e]llo", "hallo", true],
    ["h[^e]llo", "hello", false],
    ["h[a-c]llo", "hbllo", true],
    ["h[c-a]llo", "hbllo", true],
    ["h[a-c]llo", "hdllo", false],
    ["h\\*llo", "h*llo", true],
    ["h\\*llo", "hello", false],
    ["[\\]]", "]", true],
    ["[abc", "b", true],
    ["abc\\", "abc\\", true],
    ["", "", true],
    ["", "a", false],
  ])("matches %j against %j: %s", (pattern, text, expected) => {
    expect(globMatch(pattern, text)).toBe(expected);
  });

  it("ignores case when asked to", () => {
    expect(globMatch("MAX*", "maxclients", true)).toBe(true);
    expect(globMatch("MAX*", "maxclients")).toBe(false);
  });

  it("stays fast on patterns that make naive matchers backtrack", () => {
    expect(globMatch("*a*a*a*a*a*a*a*a*b", "a".repeat(5000))).toBe(false);
  });
});

describe("integers", () => {
  it.each([
    ["0", 0],
    ["-1", -1],
    ["123456789012345", 123456789012345],
    ["01", NaN],
    ["-0", NaN],
    ["+1", NaN],
    [" 1", NaN],
    ["1.5", NaN],
    ["", NaN],
    ["-", NaN],
    ["1234567890123456", NaN],
  ])("reads %j as a safe integer: %s", (text, value) => {
    expect(parseSafeInteger(bytes(text), 0, text.length)).toBe(value);
  });

  it.each([
    ["9223372036854775807", 9223372036854775807n],
    ["-9223372036854775808", -9223372036854775808n],
    ["9223372036854775808", null],
    ["-9223372036854775809", null],
    ["-", null],
    ["-0", null],
    ["00", null],
    ["0", 0n],
  ])("reads %j as a 64-bit integer: %s", (text, value) => {
    expect(parseInt64(bytes(text), 0, text.length)).toBe(value);
  });

  it("uses numbers while safe and BigInts beyond", () => {
    expect(parseInteger(bytes("42"), 0, 2)).toBe(42);
    expect(parseInteger(bytes("12345678901234567"), 0, 17)).toBe(12345678901234567n);
    expect(addInt64(1, 2)).toBe(3);
    expect(addInt64(Number.MAX_SAFE_INTEGER, 1)).toBe(9007199254740992n);
    expect(addInt64(9223372036854775807n, 1)).toBeNull();
    expect(addInt64(-9223372036854775808n, -1)).toBeNull();
  });
});

describe("inline commands", () => {
  function split(line: string): Array<string> | null {
    const args = new Args();
    const count = splitInline(bytes(line), line.length, args);
    if (count < 0) return null;
    return Array.from({ length: count }, (_, i) => args.select(0, count).text(i));
  }

  it.each([
    ["SET a b", ["SET", "a", "b"]],
    ["  SET\ta   b  ", ["SET", "a", "b"]],
    ['SET a "b c"', ["SET", "a", "b c"]],
    ['ECHO "a\\tb\\r\\nc\\"d\\\\"', ["ECHO", 'a\tb\r\nc"d\\']],
    ['ECHO "\\x41\\x4a\\xff"', ["ECHO", "AJ\xff"]],
    ['ECHO "\\x4"', ["ECHO", "x4"]],
    ["ECHO 'it\\'s'", ["ECHO", "it's"]],
    ["ECHO 'a\\nb'", ["ECHO", "a\\nb"]],
    ['ECHO a"b c"', ["ECHO", "ab c"]],
    ['ECHO a"b c"d', null],
    ["ECHO a\x00b c", ["ECHO", "a"]],
    ["ECHO \"\"", ["ECHO", ""]],
    ["", []],
    ['ECHO "abc', null],
    ["ECHO 'abc", null],
    ['ECHO "a"b', null],
  ])("splits %j", (line, expected) => {
    expect(split(line)).toEqual(expected);
  });
});

describe("the key space", () => {
  /** A key space with string keys and values, for short tests. */
  function keyspaceOf(): {
    keyspace: Keyspace;
    set: (key: string, value: string, keepExpiry?: boolean) => void;
    get: (key: string) => string | undefined;
    expire: (key: string, at: number) => boolean;
    expiry: (key: string) => number;
    remove: (key: string) => boolean;
  } {
    const keyspace = new Keyspace();
    return {
      keyspace,
      set: (key, value, keepExpiry) => keyspace.set(bytes(key), 0, key.length, bytes(value), 0, value.length, keepExpiry),
      get: (key) => keyspace.get(bytes(key), 0, key.length)?.toString("latin1", key.length),
      expire: (key, at) => keyspace.setExpiry(bytes(key), 0, key.length, at),
      expiry: (key) => keyspace.expiryOf(bytes(key), 0, key.length),
      remove: (key) => keyspace.delete(bytes(key), 0, key.length),
    };
  }

  it("stores each entry as the key followed by the value in reply form", () => {
    const entry = encodeEntry(bytes("xkeyx"), 1, 4, bytes("xhello worldx"), 1, 12);
    expect(entry.toString("latin1")).toBe("key$11\r\nhello world\r\n");
    expect(valueStart(entry, 3)).toBe(8);
    expect(encodeEntry(bytes(""), 0, 0, bytes(""), 0, 0).toString("latin1")).toBe("$0\r\n\r\n");
  });

  it("hashes keys by their bytes, spreading similar keys", () => {
    const slots = new Set<number>();
    for (let i = 0; i < 1000; i++) slots.add(hashKey(bytes(`key:${i}`), 0, `key:${i}`.length) & 1023);
    expect(slots.size).toBeGreaterThan(550);
    expect(hashKey(bytes("xabcx"), 1, 4)).toBe(hashKey(bytes("abc"), 0, 3));
  });

  it("sets, replaces, finds and deletes keys, binary ones included", () => {
    const { keyspace, set, get, remove } = keyspaceOf();
    set("a", "1");
    set("\x00\xff\r\n", "binary");
    set("a", "2");
    expect(get("a")).toBe("$1\r\n2\r\n");
    expect(get("\x00\xff\r\n")).toBe("$6\r\nbinary\r\n");
    expect(get("b")).toBeUndefined();
    expect(keyspace.size).toBe(2);
    expect(remove("a")).toBe(true);
    expect(remove("a")).toBe(false);
    expect(keyspace.size).toBe(1);
  });

  it("keeps every key reachable as the table grows, shrinks and shifts runs back on deletion", () => {
    const { keyspace, set, get, remove } = keyspaceOf();
    for (let i = 0; i < 20_000; i++) set(`k${i}`, String(i));
    for (let i = 0; i < 20_000; i += 3) expect(remove(`k${i}`)).toBe(true);
    for (let i = 0; i < 20_000; i++) expect(get(`k${i}`)).toBe(i % 3 === 0 ? undefined : `$${String(i).length}\r\n${i}\r\n`);
    for (let i = 0; i < 20_000; i++) remove(`k${i}`);
    expect(keyspace.size).toBe(0);
    set("last", "x");
    expect(get("last")).toBe("$1\r\nx\r\n");
  });

  it("forgets a key past its time when it is touched", () => {
    const { keyspace, set, get, expire } = keyspaceOf();
    set("k", "v");
    expect(expire("k", Date.now() - 1)).toBe(true);
    expect(keyspace.size).toBe(1);
    expect(get("k")).toBeUndefined();
    expect(keyspace.size).toBe(0);
    expect(keyspace.expiring).toBe(0);
  });

  it("sweeps expired keys a slice at a time, going on where it stopped", () => {
    const { keyspace, set, expire } = keyspaceOf();
    for (let i = 0; i < 1000; i++) {
      set(`k${i}`, "v");
      expire(`k${i}`, i % 2 === 0 ? Date.now() - 1 : Date.now() + 100_000);
    }
    let removed = 0;
    for (let step = 0; step < 10; step++) removed += keyspace.sweep(300);
    expect(removed).toBe(500);
    expect(keyspace.size).toBe(500);
    expect(keyspace.expiring).toBe(500);
    expect(keyspace.sweep(300)).toBe(0);
  });

  it("keeps an expiry time when asked to, and drops it on a plain set", () => {
    const { set, expire, expiry } = keyspaceOf();
    set("k", "v");
    expire("k", Date.now() + 10_000);
    set("k", "w", true);
    expect(expiry("k")).toBeGreaterThan(Date.now());
    set("k", "x");
    expect(expiry("k")).toBe(-1);
    expect(expiry("nope")).toBe(-2);
  });

  it("lists keys matching a pattern, skipping those past their time", () => {
    const { keyspace, set, expire } = keyspaceOf();
    set("user:1", "a");
    set("user:2", "b");
    set("other", "c");
    expire("user:2", Date.now() - 1);
    expect(keyspace.keys("user:*")).toEqual(["user:1"]);
    expect(keyspace.keys("*").sort()).toEqual(["other", "user:1"]);
  });
});

describe("the reply writer", () => {
  function collect(write: (writer: ReplyWriter) => void): string {
    const writer = new ReplyWriter();
    const pushed: Buffer[] = [];
    writer.begin({ closing: false, push: (data) => pushed.push(Buffer.from(data)) });
    write(writer);
    writer.flush();
    return Buffer.concat(pushed).toString("latin1");
  }

  it("writes integers, negative and beyond the safe range", () => {
    expect(collect((w) => [0, 1, 7, -12, 1234567890123, 9223372036854775807n].forEach((n) => w.integer(n)))).toBe(
      ":0\r\n:1\r\n:7\r\n:-12\r\n:1234567890123\r\n:9223372036854775807\r\n",
    );
  });

  it("writes bulk strings, short and long, and arrays", () => {
    const long = "z".repeat(10_000);
    expect(
      collect((w) => {
        w.arrayHeader(2);
        w.bulk(bytes("xaby"), 1, 3);
        w.bulk(bytes(long), 0, long.length);
        w.nil();
      }),
    ).toBe(`*2\r\n$2\r\nab\r\n$10000\r\n${long}\r\n$-1\r\n`);
  });

  it("hands over what one connection gathered before another one writes", () => {
    const writer = new ReplyWriter();
    const first: string[] = [];
    const second: string[] = [];
    writer.begin({ closing: false, push: (data) => first.push(Buffer.from(data).toString()) });
    writer.raw(bytes("+ONE\r\n"));
    writer.begin({ closing: false, push: (data) => second.push(Buffer.from(data).toString()) });
    writer.raw(bytes("+TWO\r\n"));
    writer.flush();
    expect(first).toEqual(["+ONE\r\n"]);
    expect(second).toEqual(["+TWO\r\n"]);
  });

  it("writes nothing to a connection that is closing", () => {
    expect(
      (() => {
        const writer = new ReplyWriter();
        const pushed: unknown[] = [];
        writer.begin({ closing: true, push: (data) => pushed.push(data) });
        writer.raw(bytes("+OK\r\n"));
        writer.flush();
        return pushed.length;
      })(),
    ).toBe(0);
  });
});

describe("error texts", () => {
  it("cut strings as C's %.Ns would, at a NUL or at the limit", () => {
    expect(cString("abc\0def", 128)).toBe("abc");
    expect(cString("abcdef", 3)).toBe("abc");
  });

  it("list the arguments of an unknown command while the list is under 128 characters", () => {
    expect(unknownCommand("x", ["a".repeat(60), "b".repeat(60), "c", "d"])).toBe(
      `ERR unknown command 'x', with args beginning with: '${"a".repeat(60)}' '${"b".repeat(60)}' 'c' `,
    );
  });
});

describe("the pipeline scan", () => {
  const limits = { maxBulkLength: 100, maxMultibulkLength: 10, maxInlineLength: 20 };

  function scanned(input: Buffer, firstCount: number): { end: number; commands: string[][] } {
    const args = new Args();
    const scan = new PipelineScan(args);
    const end = scan.scan({}, input, 0, input.length, firstCount, limits);
    const commands: string[][] = [];
    for (let i = 0; i < scan.commands; i++) {
      args.select(scan.firstSlots[i]!, scan.counts[i]!);
      commands.push(Array.from({ length: args.count }, (_, j) => args.text(j)));
    }
    return { end, commands };
  }

  it("takes every complete request, multibulk or inline, and stops before an incomplete one", () => {
    const input = Buffer.concat([command("A", "1").subarray(4), Buffer.from("B  c\td\r\n\r\n   \n"), command("E"), command("F", "33").subarray(0, 10)]);
    expect(scanned(input, 2)).toEqual({ end: input.length - 10, commands: [["A", "1"], ["B", "c", "d"], ["E"]] });
  });

  it.each([
    ["an inline command with quotes", Buffer.from('ECHO "a b"\r\n')],
    ["an inline command with a NUL", Buffer.from("ECHO a\0b\r\n")],
    ["an inline line without its end", Buffer.from("PING")],
    ["an inline line longer than the limit", Buffer.from(`ECHO ${"a".repeat(16)}\r\n`)],
    ["an empty array", Buffer.from("*0\r\n")],
    ["an array beyond the limit", Buffer.from("*11\r\n")],
    ["a bulk string beyond the limit", command("x".repeat(101))],
    ["a length with a leading zero", Buffer.from("*1\r\n$01\r\nB\r\n")],
    ["a bulk string without its CR LF", Buffer.from("*1\r\n$1\r\nBxx")],
  ])("leaves %s to the ordinary states", (_what, rest) => {
    const first = Buffer.from("PING\r\n");
    expect(scanned(Buffer.concat([first, rest]), 0)).toEqual({ end: first.length, commands: [["PING"]] });
  });

  it("takes an inline line of exactly the longest length allowed", () => {
    const line = `ECHO ${"a".repeat(15)}`;
    expect(scanned(Buffer.from(`${line}\r\n`), 0)).toEqual({ end: line.length + 2, commands: [["ECHO", "a".repeat(15)]] });
  });

  it("takes nothing when the first command is not complete", () => {
    expect(scanned(command("GET", "key").subarray(4, 12), 2)).toEqual({ end: 0, commands: [] });
  });
});

describe("settings from flags", () => {
  it("reads known flags, in seconds for the timeouts, and leaves other examples' flags alone", () => {
    expect(settingsFromFlags({ "max-bulk-len": "1024", timeout: "30", maildir: "/tmp/mail", port: "1" })).toEqual({
      ...DEFAULT_SETTINGS,
      maxBulkLength: 1024,
      idleTimeout: 30_000,
    });
  });

  it("refuses values that are not whole numbers, naming the flag", () => {
    expect(() => settingsFromFlags({ "max-clients": "lots" })).toThrow('resp: --max-clients takes a whole number, got "lots"');
    expect(() => settingsFromFlags({ "max-clients": "0" })).toThrow("resp: maxClients must be an integer >= 1, got 0");
  });
});
