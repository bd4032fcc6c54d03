import { recordFrames } from "@asynchat/core/testing";

describe("framing", () => {
  it("frames CRLF lines", () => {
    expect(recordFrames([Buffer.from("a\r\nb\r")], { terminator: "\r\n" }).strings).toEqual(["a"]);
  });
});
