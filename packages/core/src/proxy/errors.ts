/**
 * Why a connection was dropped before it became a channel when the PROXY
 * protocol is on.
 */

import { AsyncChatError, ErrorCode } from "../errors";

/** The kind of PROXY protocol failure; each has its own stable `code`. */
export type ProxyHeaderProblem = "malformed" | "too-long" | "timeout" | "untrusted";

const codes = {
  malformed: ErrorCode.PROXY_HEADER_INVALID,
  "too-long": ErrorCode.PROXY_HEADER_TOO_LONG,
  timeout: ErrorCode.PROXY_HEADER_TIMEOUT,
  untrusted: ErrorCode.PROXY_SOURCE_UNTRUSTED,
} as const;

/**
 * A connection's PROXY protocol header was missing or malformed
 * (`ERR_PROXY_HEADER_INVALID`), longer than allowed
 * (`ERR_PROXY_HEADER_TOO_LONG`), not complete before the deadline
 * (`ERR_PROXY_HEADER_TIMEOUT`), or the connection came from a source that
 * is not trusted to send one (`ERR_PROXY_SOURCE_UNTRUSTED`). The
 * connection is closed without a reply.
 */
export class ProxyHeaderError extends AsyncChatError {
  /** What went wrong, as a word. */
  readonly problem: ProxyHeaderProblem;
  /** The offending bytes seen so far (at most the first 64), or the untrusted address. */
  readonly value: Buffer | string;

  constructor(problem: ProxyHeaderProblem, message: string, value: Buffer | string) {
    super(codes[problem], message);
    this.problem = problem;
    this.value = typeof value === "string" ? value : Buffer.from(value.subarray(0, 64));
  }
}
