/**
 * The text header (version 1): one line of at most 107 bytes,
 * `PROXY TCP4 <src> <dst> <srcport> <dstport>\r\n` (or `TCP6`), or
 * `PROXY UNKNOWN ...\r\n` whose rest is ignored.
 */

import { isIPv4, isIPv6 } from "node:net";
import { ProxyHeaderError } from "./errors";
import type { ProxyEndpoint, ProxyHeader } from "./header";

/** The longest version 1 header the specification allows, CRLF included. */
export const V1_MAX_LENGTH = 107;

/** `PROXY ` : how every version 1 header starts. */
export const V1_PREFIX = Buffer.from("PROXY ", "latin1");

const LF = 0x0a;
const CR = 0x0d;

function malformed(why: string, bytes: Uint8Array): ProxyHeaderError {
  return new ProxyHeaderError("malformed", `Malformed PROXY v1 header: ${why}`, Buffer.from(bytes));
}

/** A decimal port without sign or leading zeros, 0..65535; else null. */
function parsePort(text: string): number | null {
  if (!/^(0|[1-9]\d{0,4})$/.test(text)) return null;
  const port = Number(text);
  return port <= 65535 ? port : null;
}

/**
 * Parses a version 1 header at the start of `bytes` (which starts with
 * {@link V1_PREFIX}). Returns null while its line is incomplete; throws
 * {@link ProxyHeaderError} as soon as the bytes cannot be a valid header
 * (a byte that is not printable ASCII, a lone CR or LF, more than 107
 * bytes without the CRLF).
 */
export function parseV1(bytes: Uint8Array): ProxyHeader | null {
  const limit = Math.min(bytes.length, V1_MAX_LENGTH);
  let end = -1;
  for (let i = 0; i < limit; i++) {
    const byte = bytes[i]!;
    if (byte === CR) {
      if (i + 1 >= V1_MAX_LENGTH) break; // its LF would be byte 108
      if (i + 1 >= bytes.length) return null;
      if (bytes[i + 1] !== LF) throw malformed("a CR not followed by LF", bytes.subarray(0, i + 2));
      end = i;
      break;
    }
    if (byte === LF) throw malformed("a LF without CR", bytes.subarray(0, i + 1));
    if (byte < 0x20 || byte > 0x7e) throw malformed(`byte 0x${byte.toString(16)} at offset ${i}`, bytes.subarray(0, i + 1));
  }
  if (end < 0) {
    if (limit === V1_MAX_LENGTH) {
      throw new ProxyHeaderError(
        "too-long",
        `PROXY v1 header longer than ${V1_MAX_LENGTH} bytes without its CRLF`,
        Buffer.from(bytes.subarray(0, V1_MAX_LENGTH)),
      );
    }
    return null;
  }
  const line = Buffer.from(bytes.buffer, bytes.byteOffset, end).toString("latin1");
  const fields = line.split(" ");
  const length = end + 2;
  if (fields[1] === "UNKNOWN") {
    return { version: 1, command: "PROXY", source: null, destination: null, tlvs: [], length };
  }
  if (fields.length !== 6) throw malformed(`${fields.length} fields where 6 are due`, bytes.subarray(0, length));
  const [, protocol, sourceAddress, destinationAddress, sourcePort, destinationPort] = fields as [string, string, string, string, string, string];
  let family: "IPv4" | "IPv6";
  if (protocol === "TCP4") {
    if (!isIPv4(sourceAddress) || !isIPv4(destinationAddress)) throw malformed("a TCP4 address that is not IPv4", bytes.subarray(0, length));
    family = "IPv4";
  } else if (protocol === "TCP6") {
    if (!isIPv6(sourceAddress) || !isIPv6(destinationAddress)) throw malformed("a TCP6 address that is not IPv6", bytes.subarray(0, length));
    family = "IPv6";
  } else {
    throw malformed(`unknown protocol ${JSON.stringify(protocol)}`, bytes.subarray(0, length));
  }
  const sport = parsePort(sourcePort);
  const dport = parsePort(destinationPort);
  if (sport === null || dport === null) throw malformed("a port that is not 0..65535", bytes.subarray(0, length));
  const endpoint = (address: string, port: number): ProxyEndpoint => ({ address: address.toLowerCase(), port, family });
  return {
    version: 1,
    command: "PROXY",
    source: endpoint(sourceAddress, sport),
    destination: endpoint(destinationAddress, dport),
    tlvs: [],
    length,
  };
}
