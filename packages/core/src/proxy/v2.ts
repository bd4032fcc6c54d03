/**
 * The binary header (version 2): a 12-byte signature, a version/command
 * byte, a family/transport byte, a 16-bit length, then that many bytes of
 * addresses followed by type-length-value extensions (TLVs).
 */

import { ProxyHeaderError } from "./errors";
import type { ProxyEndpoint, ProxyHeader, ProxyTlv } from "./header";
import { ipv4Text, ipv6Text } from "./ip-text";

/** The 12 bytes every version 2 header starts with. */
export const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);

/** Signature, version/command, family/transport and length: 16 bytes. */
export const V2_FIXED_LENGTH = 16;

/** The default bound on a version 2 header's length field (addresses and TLVs), in bytes. */
export const DEFAULT_V2_MAX_LENGTH = 2048;

const COMMAND_LOCAL = 0x0;
const COMMAND_PROXY = 0x1;
const FAMILY_UNSPEC = 0x0;
const FAMILY_INET = 0x1;
const FAMILY_INET6 = 0x2;
const FAMILY_UNIX = 0x3;
const TRANSPORT_UNSPEC = 0x0;
const TRANSPORT_STREAM = 0x1;
const TRANSPORT_DGRAM = 0x2;

/** Bytes of addresses and ports each family needs at the start of the variable part. */
const ADDRESS_LENGTH: Record<number, number> = { [FAMILY_UNSPEC]: 0, [FAMILY_INET]: 12, [FAMILY_INET6]: 36, [FAMILY_UNIX]: 216 };

function malformed(why: string, bytes: Uint8Array): ProxyHeaderError {
  return new ProxyHeaderError("malformed", `Malformed PROXY v2 header: ${why}`, Buffer.from(bytes));
}

/**
 * Checks the fixed part of a version 2 header (the first 16 bytes of
 * `bytes`, which start with {@link V2_SIGNATURE}) as far as it has arrived,
 * and returns the header's whole length once the length field is there
 * (else null). Throws {@link ProxyHeaderError} for a version other than 2,
 * an unassigned command, family or transport, a length too small for the
 * family's addresses, or one above `maxLength`.
 */
export function v2HeaderLength(bytes: Uint8Array, maxLength: number): number | null {
  if (bytes.length > 12) {
    const versionCommand = bytes[12]!;
    if (versionCommand >> 4 !== 2) throw malformed(`version ${versionCommand >> 4}, not 2`, bytes.subarray(0, 13));
    const command = versionCommand & 0x0f;
    if (command !== COMMAND_LOCAL && command !== COMMAND_PROXY) throw malformed(`unassigned command 0x${command.toString(16)}`, bytes.subarray(0, 13));
  }
  if (bytes.length > 13) {
    const familyTransport = bytes[13]!;
    const family = familyTransport >> 4;
    const transport = familyTransport & 0x0f;
    if (ADDRESS_LENGTH[family] === undefined) throw malformed(`unassigned address family 0x${family.toString(16)}`, bytes.subarray(0, 14));
    if (transport !== TRANSPORT_UNSPEC && transport !== TRANSPORT_STREAM && transport !== TRANSPORT_DGRAM) {
      throw malformed(`unassigned transport 0x${transport.toString(16)}`, bytes.subarray(0, 14));
    }
  }
  if (bytes.length < V2_FIXED_LENGTH) return null;
  const length = (bytes[14]! << 8) | bytes[15]!;
  if (length > maxLength) {
    throw new ProxyHeaderError(
      "too-long",
      `PROXY v2 header announces ${length} bytes of addresses and TLVs, more than the ${maxLength} allowed`,
      Buffer.from(bytes.subarray(0, V2_FIXED_LENGTH)),
    );
  }
  // A LOCAL header's address block is discarded whatever it says; a PROXY header's must hold its family's addresses.
  const command = bytes[12]! & 0x0f;
  if (command === COMMAND_PROXY && length < ADDRESS_LENGTH[bytes[13]! >> 4]!) {
    throw malformed(`length ${length} is too small for the address family's ${ADDRESS_LENGTH[bytes[13]! >> 4]} bytes`, bytes.subarray(0, V2_FIXED_LENGTH));
  }
  return V2_FIXED_LENGTH + length;
}

/** Walks the TLVs in `bytes`; throws if one runs past the end. */
function readTlvs(bytes: Uint8Array, whole: Uint8Array): ProxyTlv[] {
  const tlvs: ProxyTlv[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (bytes.length - at < 3) throw malformed(`${bytes.length - at} stray bytes where a TLV (3 bytes or more) is due`, whole);
    const type = bytes[at]!;
    const length = (bytes[at + 1]! << 8) | bytes[at + 2]!;
    if (at + 3 + length > bytes.length) throw malformed(`TLV 0x${type.toString(16)} of ${length} bytes runs past the header`, whole);
    tlvs.push({ type, value: Buffer.from(bytes.subarray(at + 3, at + 3 + length)) });
    at += 3 + length;
  }
  return tlvs;
}

/**
 * Parses a complete version 2 header: `bytes` holds exactly the length
 * {@link v2HeaderLength} returned. TCP over IPv4 and IPv6 give the
 * client's endpoints; `LOCAL`, `AF_UNSPEC` and `AF_UNIX` give none (the
 * connection's own are to be used); UDP (`DGRAM`) over this TCP
 * connection is malformed.
 */
export function parseV2(bytes: Uint8Array): ProxyHeader {
  const command = bytes[12]! & 0x0f;
  const family = bytes[13]! >> 4;
  const transport = bytes[13]! & 0x0f;
  const body = bytes.subarray(V2_FIXED_LENGTH);
  if (command === COMMAND_LOCAL) {
    return { version: 2, command: "LOCAL", source: null, destination: null, tlvs: [], length: bytes.length };
  }
  const addressLength = ADDRESS_LENGTH[family]!;
  const tlvs = readTlvs(body.subarray(addressLength), bytes);
  if (family === FAMILY_UNSPEC || family === FAMILY_UNIX) {
    return { version: 2, command: "PROXY", source: null, destination: null, tlvs, length: bytes.length };
  }
  if (transport !== TRANSPORT_STREAM) throw malformed(`transport 0x${transport.toString(16)} where TCP (STREAM, 0x1) is due`, bytes.subarray(0, 14));
  let source: ProxyEndpoint;
  let destination: ProxyEndpoint;
  const port = (at: number): number => (body[at]! << 8) | body[at + 1]!;
  if (family === FAMILY_INET) {
    source = { address: ipv4Text(body, 0), port: port(8), family: "IPv4" };
    destination = { address: ipv4Text(body, 4), port: port(10), family: "IPv4" };
  } else {
    source = { address: ipv6Text(body, 0), port: port(32), family: "IPv6" };
    destination = { address: ipv6Text(body, 16), port: port(34), family: "IPv6" };
  }
  return { version: 2, command: "PROXY", source, destination, tlvs, length: bytes.length };
}
