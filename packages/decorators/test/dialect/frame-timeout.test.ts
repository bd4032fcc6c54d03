import { Protocol, onBytes, onTerminator } from "@asynchat/decorators";
import { createSocketPair } from "@asynchat/core/testing";

class Upload extends Protocol {
  errors: Error[] = [];
  bodies: string[] = [];
  need = 0;

  @onTerminator("\r\n", { encoding: "latin1", frameTimeout: 40 })
  header(line: string) {
    this.need = Number(line);
    return this.body;
  }

  @onBytes((self: Upload) => self.need, { frameTimeout: 0 })
  body(data: Buffer) {
    this.bodies.push(data.toString());
    return this.header;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function channel(): [Upload, ReturnType<typeof createSocketPair>[0]] {
  const [client, server] = createSocketPair();
  const upload = new Upload(server);
  upload.on("error", (error) => upload.errors.push(error));
  return [upload, client];
}

describe("a state's frameTimeout", () => {
  it("fails the channel when one of its frames does not end in time", async () => {
    const [upload, client] = channel();
    client.write("12");
    await sleep(120);
    expect(upload.errors.map((e) => (e as Error & { code?: string }).code)).toEqual(["ERR_FRAME_TIMEOUT"]);
    expect(upload.closed).toBe(true);
  });

  it("does not apply to a state that turns it off, however slowly its frame arrives", async () => {
    const [upload, client] = channel();
    client.write("6\r\nab");
    await sleep(120);
    client.write("cdef");
    await sleep(20);
    expect(upload.errors).toEqual([]);
    expect(upload.bodies).toEqual(["abcdef"]);
    expect(upload.frameTimeout).toBe(40);
    upload.destroy();
  });
});
