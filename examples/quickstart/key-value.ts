/**
 * The complete protocol shown in the README ("Declarative protocols"): a tiny
 * key-value store with a RESP-like bulk SET. Kept here, compiled and tested,
 * so the README's example cannot rot.
 */

import { Protocol, onBytes, onConnect, onOverflow, onTerminator } from "@asynchat/decorators";
import type { FrameTooLongError } from "@asynchat/core";

/** The values, shared by every connection. */
export const store = new Map<string, Buffer>();

/** One key-value connection. */
export class KeyValue extends Protocol {
  static override defaultMaxLength = 4096;  // every state without its own maxLength
  private key = "";
  private length = 0;

  @onConnect
  greet() {
    this.push("+READY\r\n");
  }

  // Initial state (first decorated): one command per line, as a latin1 string.
  @onTerminator("\r\n", { encoding: "latin1", next: ["value"] })
  command(line: string) {
    const [verb, key, length] = line.split(" ");
    switch (verb) {
      case "SET":                      // SET key <n>\r\n then n bytes and CRLF
        this.key = key ?? "";
        this.length = Number(length);
        return this.value;             // next state: by method...
      case "GET": {
        const value = store.get(key ?? "");
        this.push(value ? `$${value.length}\r\n` : "$-1\r\n");
        if (value) this.push(Buffer.concat([value, Buffer.from("\r\n")]));
        return;                        // ...or stay
      }
      case "QUIT":
        this.push("+BYE\r\n");
        this.closeWhenDone();
        return;
      default:
        this.push("-ERR unknown command\r\n");
    }
  }

  // A byte count computed when the state is entered: the value and its CRLF.
  @onBytes((self: KeyValue) => self.length + 2, { maxLength: 1024 * 1024, next: ["command"] })
  value(data: Buffer) {
    store.set(this.key, Buffer.from(data.subarray(0, -2)));
    this.push("+OK\r\n");
    return "command";                  // ...or by name
  }

  // An over-long line or value: reply and go on (without @onOverflow the channel closes).
  @onOverflow
  tooLong(error: FrameTooLongError, state: string) {
    this.push(`-ERR ${state} too long (${error.length} > ${error.limit})\r\n`);
    return "command";                  // entered once the dropped frame has ended
  }
}

