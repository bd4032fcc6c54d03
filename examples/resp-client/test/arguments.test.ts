/**
 * What the client refuses before sending anything: bad options (an unknown
 * one is named) and bad command arguments; and how commands are encoded.
 */

import { freePort } from "../../../test-support/free-port";
import { RespClient, encodeCommand } from "..";

describe("RespClient arguments", () => {
  it("rejects unknown and bad options, naming them", async () => {
    await expect(RespClient.connect({ port: 6379, retries: 3 } as never)).rejects.toThrow(/"retries"/);
    await expect(RespClient.connect({ port: -1 })).rejects.toThrow(/"port"/);
    await expect(RespClient.connect({ port: 6379, maxQueue: 1.5 })).rejects.toThrow(/"maxQueue"/);
    await expect(RespClient.connect({ port: 6379, reconnect: { maxAttempts: 0 } })).rejects.toThrow(/"reconnect.maxAttempts"/);
    await expect(RespClient.connect({ port: 6379, reconnect: "yes" as never })).rejects.toThrow(/"reconnect"/);
  });

  it("rejects the first connection's failure instead of retrying it", async () => {
    const port = await freePort(); // listened on, then closed: nothing answers there
    await expect(RespClient.connect({ port })).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });

  it("encodes strings as UTF-8 byte counts, numbers as decimals, bytes as they are", () => {
    expect(encodeCommand(["SET", "ключ", 42])).toBe("*3\r\n$3\r\nSET\r\n$8\r\nключ\r\n$2\r\n42\r\n");
    const bytes = Buffer.from([0, 13, 10, 255]);
    const pieces = encodeCommand(["SET", bytes, "v"]) as Array<string | Buffer>;
    expect(Buffer.concat(pieces.map((p) => (typeof p === "string" ? Buffer.from(p) : p)))).toEqual(
      Buffer.concat([Buffer.from("*3\r\n$3\r\nSET\r\n$4\r\n"), bytes, Buffer.from("\r\n$1\r\nv\r\n")]),
    );
    expect(() => encodeCommand(["SET", {} as never])).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_TYPE" }));
    expect(() => encodeCommand(["INCRBY", "k", NaN])).toThrow(/argument 2/);
  });
});
