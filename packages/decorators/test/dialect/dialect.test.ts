/**
 * This file is compiled twice, once per decorator dialect. Whichever it is,
 * a class's states are recorded in that dialect's own store, on the class
 * itself, and nowhere else.
 */

import "reflect-metadata";
import { Protocol, describeProtocol, onBytes, onTerminator } from "@asynchat/decorators";

const RECORDS = Symbol.for("@asynchat/decorators:states");
const METADATA = (Symbol as { metadata?: symbol }).metadata!;

class Base extends Protocol {
  @onTerminator("\n")
  line(_text: Buffer): unknown {
    return undefined;
  }
}

class Derived extends Base {
  @onBytes(2)
  pair(_data: Buffer): unknown {
    return "line";
  }
}

/** Where a class's own records are: in its standard metadata object, in reflect-metadata, or both. */
function stores(constructor: Function): { standard: boolean; legacy: boolean } {
  const metadata = Object.prototype.hasOwnProperty.call(constructor, METADATA)
    ? (constructor as unknown as Record<symbol, object | undefined>)[METADATA]
    : undefined;
  return {
    standard: metadata !== undefined && metadata !== null && Object.prototype.hasOwnProperty.call(metadata, RECORDS),
    legacy: Reflect.getOwnMetadataKeys(constructor).includes(RECORDS),
  };
}

/** Whether TypeScript compiled this file with experimentalDecorators (it then emits design-time types). */
const compiledAsLegacy = Reflect.getMetadata("design:paramtypes", Base.prototype, "line") !== undefined;

describe("the decorator dialect this file is compiled with", () => {
  it("keeps each class's states in that dialect's store only", () => {
    const expected = { standard: !compiledAsLegacy, legacy: compiledAsLegacy };
    expect(stores(Base)).toEqual(expected);
    expect(stores(Derived)).toEqual(expected);
  });

  it("compiles a subclass from its own records and its base's", () => {
    expect(describeProtocol(Derived).map((s) => s.name)).toEqual(["line", "pair"]);
    expect(describeProtocol(Base).map((s) => s.name)).toEqual(["line"]);
  });
});
