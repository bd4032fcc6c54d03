/**
 * `@onTerminator` and `@onBytes`: make a method a state of the protocol's
 * terminator state machine.
 */

import { normalizeTerminator } from "@asynchat/core";
import type { ByteCountSpec, ClassRecords, StateOptions, StateRecord, TerminatorSpec } from "../metadata/records";
import { type DualMethodDecorator, dualMethodDecorator } from "./dialect";
import { checkStateOptions, freezeOptions } from "./state-options";

function addState(records: ClassRecords, state: StateRecord): void {
  if (records.states.some((s) => s.method === state.method)) {
    records.problems.push(`${state.method}: decorated twice (one method is one state)`);
    // The second decorator's own mistakes are reported too, so that none is found only after a fix.
    for (const problem of state.problems) records.problems.push(`${state.method}: ${problem}`);
    return;
  }
  records.states.push(state);
}

function problemText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The method is a state whose frames end at `terminator`: a string (UTF-8),
 * bytes, an array of them (whichever comes first), or a function of the
 * channel returning one, evaluated each time the state is entered. The
 * handler gets the frame without its terminator (a `Buffer`, or a string
 * with `{ encoding }`) and returns the next state: the method itself
 * (`this.other`), its name, or nothing to stay.
 *
 * ```ts
 * @onTerminator("\r\n", { encoding: "latin1", maxLength: 512 })
 * command(line: string) { ... }
 * ```
 */
export function onTerminator<T = any>(terminator: TerminatorSpec<T>, options?: StateOptions): DualMethodDecorator {
  const problems = checkStateOptions(options);
  if (typeof terminator === "number") {
    problems.push(`@onTerminator takes a string, bytes or an array of them, not a number (${terminator}): use @onBytes for a byte count`);
  } else if (terminator === null) {
    problems.push("@onTerminator needs a terminator, got null");
  } else if (typeof terminator !== "function") {
    try {
      normalizeTerminator(terminator, "terminator");
    } catch (error) {
      problems.push(problemText(error));
    }
  }
  const frozen = freezeOptions(options);
  return dualMethodDecorator("onTerminator", (records, method) =>
    addState(records, { kind: "terminator", method, spec: terminator as TerminatorSpec, options: frozen, problems: [...problems] }),
  );
}

/**
 * The method is a state whose frame is the next `count` bytes: a positive
 * integer, or a function of the channel returning one (0 gives an empty
 * frame at once), evaluated each time the state is entered.
 *
 * ```ts
 * @onBytes((self: Resp) => self.need)
 * bulk(data: Buffer) { ...; return this.header; }
 * ```
 */
export function onBytes<T = any>(count: ByteCountSpec<T>, options?: StateOptions): DualMethodDecorator {
  const problems = checkStateOptions(options);
  if (typeof count !== "function" && !(typeof count === "number" && Number.isSafeInteger(count) && count > 0)) {
    problems.push(
      `@onBytes takes a positive integer or a function returning one, got ${typeof count === "number" ? String(count) : typeof count}`,
    );
  }
  if (options?.lineEndings !== undefined && options.lineEndings !== "any") problems.push("options.lineEndings applies to @onTerminator states only");
  const frozen = freezeOptions(options);
  return dualMethodDecorator("onBytes", (records, method) =>
    addState(records, { kind: "bytes", method, spec: count as ByteCountSpec, options: frozen, problems: [...problems] }),
  );
}
