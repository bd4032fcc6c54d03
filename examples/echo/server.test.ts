import * as net from "node:net";
import { ChatServer } from "@asynchat/core";
import { EchoChannel } from "./server";

function talk(port: number, input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => socket.write(input));
    let received = "";
    socket.on("data", (data) => (received += data.toString("latin1")));
    socket.on("close", () => resolve(received));
    socket.on("error", reject);
  });
}

describe("the echo example", () => {
  let server: ChatServer<EchoChannel>;
  let port: number;

  beforeAll(async () => {
    server = new ChatServer(EchoChannel);
    ({ port } = await server.listen(0));
  });

  afterAll(() => server.close());

  it("numbers CRLF and LF lines, answers a long line with an error and goes on, and closes on QUIT", async () => {
    const replies = await talk(port, `one\r\ntwo\n${"x".repeat(70_000)}\nthree\r\nQUIT\r\nnever\r\n`);
    expect(replies).toBe("+ echo ready; QUIT to leave\r\n1: one\r\n2: two\r\n- line too long\r\n3: three\r\n+ bye\r\n");
  });
});
