import { deepStrictEqual } from "node:assert";
import { inspect } from "node:util";
import { bufferView } from "../../src/framing/buffer-view";
import { AsyncChat } from "../../src";

describe("bufferView", () => {
  const chunk = Buffer.from("hello, world");
  const view = bufferView(chunk.buffer, chunk.byteOffset + 7, 5);

  it("is a Buffer in every way user code checks", () => {
    expect(Buffer.isBuffer(view)).toBe(true);
    expect(view instanceof Buffer).toBe(true);
    expect(view instanceof Uint8Array).toBe(true);
    expect(view.constructor).toBe(Buffer);
    expect(inspect(view)).toBe("<Buffer 77 6f 72 6c 64>");
    expect(view.toString("latin1")).toBe("world");
    expect(view.equals(Buffer.from("world"))).toBe(true);
    expect(Buffer.concat([view, Buffer.from("!")]).toString()).toBe("world!");
    expect(JSON.stringify(view)).toBe(JSON.stringify(Buffer.from("world")));
  });

  it("is an ordinary Buffer: its prototype is Buffer.prototype, and it is deep-strict-equal to a Buffer of the same bytes", () => {
    expect(Object.getPrototypeOf(view)).toBe(Buffer.prototype);
    expect(() => deepStrictEqual(view, Buffer.from("world"))).not.toThrow();
    expect(() => deepStrictEqual([view], [Buffer.from("world")])).not.toThrow();
  });

  it("shares the chunk's memory", () => {
    const own = Buffer.from("abcdef");
    const middle = bufferView(own.buffer, own.byteOffset + 2, 2);
    own[2] = 0x5a;
    expect(middle.toString()).toBe("Zd");
    expect(middle.byteOffset).toBe(own.byteOffset + 2);
  });

  it("gives ordinary Buffers from subarray and slice", () => {
    for (const part of [view.subarray(1, 3), view.slice(1, 3)]) {
      expect(Object.getPrototypeOf(part)).toBe(Buffer.prototype);
      expect(part.toString()).toBe("or");
    }
  });

  it("is what a channel hands to collectIncomingData", () => {
    const pieces: Buffer[] = [];
    class Lines extends AsyncChat {
      constructor() {
        super();
        this.setTerminator("\n");
      }
      override collectIncomingData(data: Buffer): void {
        pieces.push(data);
      }
      override foundTerminator(): void {}
    }
    const input = Buffer.from("one\ntwo\n");
    new Lines().handleRead(input);
    expect(pieces.map((p) => [Buffer.isBuffer(p), p.toString(), p.buffer === input.buffer])).toEqual([
      [true, "one", true],
      [true, "two", true],
    ]);
  });
});
