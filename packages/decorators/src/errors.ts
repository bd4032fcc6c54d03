/**
 * Errors of @asynchat/decorators. Each has a stable `code` and extends
 * core's `AsyncChatError`, so one `instanceof` catches every error of both
 * packages.
 */

import { AsyncChatError } from "@asynchat/core";

/** The stable codes of the errors this package raises. */
export const ProtocolErrorCode = {
  /** A protocol class has mistakes (listed in `problems`). */
  DEFINITION: "ERR_PROTOCOL_DEFINITION",
  /** A handler named a next state that does not exist or was not declared. */
  BAD_NEXT_STATE: "ERR_PROTOCOL_NEXT_STATE",
  /** A terminator or byte count computed at run time is invalid. */
  BAD_TERMINATOR: "ERR_PROTOCOL_TERMINATOR",
} as const;

/** One of the values of {@link ProtocolErrorCode}. */
export type ProtocolErrorCode = (typeof ProtocolErrorCode)[keyof typeof ProtocolErrorCode];

/**
 * A protocol class is wrong: no states, two initial states, a bad terminator
 * or byte count, a method decorated twice, a declared successor that is not a
 * state. Raised when the class is first instantiated (or described), never
 * mid-connection. Every problem is listed, each as `Class.method: problem`.
 */
export class ProtocolDefinitionError extends AsyncChatError<typeof ProtocolErrorCode.DEFINITION> {
  /** The class at fault. */
  readonly className: string;
  /** Every problem found, as `Class.method: problem`. */
  readonly problems: readonly string[];

  constructor(className: string, problems: readonly string[]) {
    super(
      ProtocolErrorCode.DEFINITION,
      `Protocol class ${className} has ${problems.length === 1 ? "a mistake" : `${problems.length} mistakes`}:\n  ${problems.join("\n  ")}`,
    );
    this.className = className;
    this.problems = problems;
  }
}

/** A run-time mistake of one channel's state machine; that channel errors, nothing else. */
export class ProtocolStateError extends AsyncChatError<ProtocolErrorCode> {
  /** The offending value (what the handler returned, or the computed terminator). */
  readonly value: unknown;

  constructor(code: ProtocolErrorCode, message: string, value: unknown) {
    super(code, message);
    this.value = value;
  }
}
