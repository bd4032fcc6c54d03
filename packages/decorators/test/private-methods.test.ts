/**
 * Standard decorators can reach `#private` methods, which cannot be states
 * (the machine calls its states by name). Compiled with standard
 * decorators only: experimentalDecorators cannot decorate private names.
 */

import { Protocol, ProtocolDefinitionError, onConnect, onTerminator } from "@asynchat/decorators";

describe("a #private method", () => {
  it("decorated as a state is a mistake of the class, naming the method", () => {
    class Hidden extends Protocol {
      @onTerminator("\n")
      line() {}
      @onTerminator("\n")
      #secret() {}
      @onConnect
      #hello() {}
    }
    let thrown: unknown = null;
    try {
      new Hidden();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ProtocolDefinitionError);
    expect((thrown as ProtocolDefinitionError).problems).toEqual([
      "Hidden.#secret: @onTerminator needs a public instance method with a string name",
      "Hidden.#hello: @onConnect needs a public instance method with a string name",
    ]);
  });
});
