import { Protocol, onBytes, onTerminator } from "@asynchat/decorators";

class PingPong extends Protocol {
  errors: Error[] = [];

  constructor() {
    super();
    this.on("error", (error) => this.errors.push(error));
  }

  @onTerminator("\n")
  start() {
    return "ping";
  }

  @onBytes(() => 0)
  ping() {
    return "pong";
  }

  @onBytes(() => 0)
  pong() {
    return "ping";
  }
}

describe("zero-count states that name each other", () => {
  it("error the channel instead of looping forever", () => {
    const channel = new PingPong();
    channel.handleRead(Buffer.from("go\n"));
    expect(channel.errors).toHaveLength(1);
    expect(channel.errors[0]).toMatchObject({ code: "ERR_PROTOCOL_TERMINATOR" });
    expect(channel.closed).toBe(true);
  });
});
