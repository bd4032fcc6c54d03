import { readFileSync } from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { ChatServer } from "@asynchat/core";
import { toMermaid } from "@asynchat/decorators";
import { KeyValue, store } from "./key-value";

/** Sends `input` in one write and collects replies until `until` has arrived. */
function talk(port: number, input: string | Buffer, until: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    let received = "";
    socket.on("data", (data) => {
      received += data.toString("latin1");
      if (received.includes(until)) {
        socket.end();
        resolve(received);
      }
    });
    socket.on("error", reject);
    socket.write(input);
  });
}

describe("the README's key-value protocol", () => {
  let server: ChatServer<KeyValue>;
  let port: number;

  beforeAll(async () => {
    server = new ChatServer(KeyValue);
    ({ port } = await server.listen(0));
  });

  afterAll(() => server.close());

  beforeEach(() => store.clear());

  it("stores a binary value with SET and returns it with GET, pipelined in one write", async () => {
    const value = Buffer.from([0, 13, 10, 255, 46, 13, 10]);
    const input = Buffer.concat([Buffer.from(`SET k ${value.length}\r\n`), value, Buffer.from("\r\nGET k\r\nGET missing\r\nQUIT\r\n")]);
    const replies = await talk(port, input, "+BYE\r\n");
    expect(replies).toBe(`+READY\r\n+OK\r\n$${value.length}\r\n${value.toString("latin1")}\r\n$-1\r\n+BYE\r\n`);
  });

  it("answers an over-long line with an error and goes on", async () => {
    const replies = await talk(port, `GET ${"x".repeat(5000)}\r\nGET k\r\nQUIT\r\n`, "+BYE\r\n");
    // How much of the line had arrived when it was found too long depends on the reads: at least 4097 bytes.
    expect(replies).toMatch(/^\+READY\r\n-ERR command too long \((\d+) > 4096\)\r\n\$-1\r\n\+BYE\r\n$/);
    expect(Number(/\((\d+) >/.exec(replies)![1])).toBeGreaterThan(4096);
  });

  it("refuses a value larger than its state's limit without buffering it, then goes on", async () => {
    const big = 2 * 1024 * 1024;
    const input = Buffer.concat([Buffer.from(`SET k ${big}\r\n`), Buffer.alloc(big + 2, 120), Buffer.from("GET k\r\nQUIT\r\n")]);
    const replies = await talk(port, input, "+BYE\r\n");
    expect(replies).toBe(`+READY\r\n-ERR value too long (${big + 2} > 1048576)\r\n$-1\r\n+BYE\r\n`);
    expect(store.has("k")).toBe(false);
  });

  it("has the state diagram the README shows", () => {
    const readme = readFileSync(path.join(__dirname, "../../README.md"), "utf8");
    const shown = /```mermaid\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(shown).toBe(toMermaid(KeyValue));
  });
});
