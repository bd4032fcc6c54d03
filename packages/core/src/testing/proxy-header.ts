/**
 * PROXY protocol headers as a balancer would send them, for tests of
 * servers that take them (`ChatServer`'s `proxyProtocol` option).
 */

import { isIPv4, isIPv6 } from "node:net";
import { invalidArgValue } from "../errors";
import { V2_SIGNATURE } from "../proxy/v2";

/** The client and the address it connected to, as the header should state them. */
export interface ProxiedConnection {
  sourceAddress: string;
  sourcePort: number;
  destinationAddress: string;
  destinationPort: number;
}

/** `PROXY TCP4|TCP6 src dst sport dport\r\n`, or `PROXY UNKNOWN\r\n` without a connection. */
export function proxyHeaderV1(connection?: ProxiedConnection): Buffer {
  if (connection === undefined) return Buffer.from("PROXY UNKNOWN\r\n", "latin1");
  const { sourceAddress, sourcePort, destinationAddress, destinationPort } = connection;
  const protocol = isIPv4(sourceAddress) ? "TCP4" : "TCP6";
  return Buffer.from(`PROXY ${protocol} ${sourceAddress} ${destinationAddress} ${sourcePort} ${destinationPort}\r\n`, "latin1");
}

function ipv4Bytes(address: string): number[] {
  return address.split(".").map(Number);
}

function ipv6Bytes(address: string): number[] {
  let text = address;
  const last = text.lastIndexOf(":");
  const tail = text.slice(last + 1);
  if (isIPv4(tail)) {
    const [a, b, c, d] = ipv4Bytes(tail) as [number, number, number, number];
    text = `${text.slice(0, last + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, rest] = text.split("::") as [string, string | undefined];
  const parse = (part: string | undefined): number[] => (part ? part.split(":").map((g) => parseInt(g, 16)) : []);
  const left = parse(head);
  const right = parse(rest);
  const groups = rest === undefined ? left : [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  return groups.flatMap((g) => [g >> 8, g & 0xff]);
}

/** Options of {@link proxyHeaderV2}. */
export interface ProxyHeaderV2Options {
  /** `"LOCAL"` for a balancer's own connection (a health check). Default `"PROXY"`. */
  command?: "PROXY" | "LOCAL";
  /** TLVs to append after the addresses. */
  tlvs?: ReadonlyArray<{ type: number; value: Uint8Array }>;
}

/**
 * A version 2 header: TCP over IPv4 or IPv6 for `connection`, or, without
 * one, `AF_UNSPEC` (with `LOCAL`, the health-check form HAProxy sends).
 */
export function proxyHeaderV2(connection?: ProxiedConnection, options: ProxyHeaderV2Options = {}): Buffer {
  const command = options.command === "LOCAL" ? 0x20 : 0x21;
  let familyTransport = 0x00;
  let addresses: number[] = [];
  if (connection !== undefined) {
    const { sourceAddress, sourcePort, destinationAddress, destinationPort } = connection;
    const v4 = isIPv4(sourceAddress) && isIPv4(destinationAddress);
    if (!v4 && !(isIPv6(sourceAddress) && isIPv6(destinationAddress))) {
      throw invalidArgValue("connection", "must have two IPv4 or two IPv6 addresses", connection);
    }
    familyTransport = v4 ? 0x11 : 0x21;
    const bytes = v4 ? ipv4Bytes : ipv6Bytes;
    addresses = [...bytes(sourceAddress), ...bytes(destinationAddress), sourcePort >> 8, sourcePort & 0xff, destinationPort >> 8, destinationPort & 0xff];
  }
  const tlvs = (options.tlvs ?? []).flatMap(({ type, value }) => [type, value.length >> 8, value.length & 0xff, ...value]);
  const length = addresses.length + tlvs.length;
  return Buffer.concat([V2_SIGNATURE, Buffer.from([command, familyTransport, length >> 8, length & 0xff, ...addresses, ...tlvs])]);
}
