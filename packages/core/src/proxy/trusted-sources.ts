/**
 * Which peers may send a PROXY protocol header: a list of addresses and
 * CIDR ranges, IPv4 and IPv6.
 */

import { BlockList, isIPv4, isIPv6 } from "node:net";
import { invalidArgType, invalidArgValue } from "../errors";

/** The sources trusted when none are given: the loopback ranges. */
export const DEFAULT_TRUSTED_SOURCES: readonly string[] = Object.freeze(["127.0.0.0/8", "::1/128"]);

/** `::ffff:a.b.c.d` (an IPv4 client of a dual-stack listener) as `a.b.c.d`. */
function unmapped(address: string): string {
  const lower = address.toLowerCase();
  return lower.startsWith("::ffff:") && isIPv4(lower.slice(7)) ? lower.slice(7) : lower;
}

/**
 * A set of trusted sources, made from entries such as `"10.0.0.0/8"`,
 * `"192.0.2.7"`, `"2001:db8::/32"` or `"::1"`. An IPv4 address seen as
 * IPv4-mapped IPv6 (`::ffff:10.1.2.3`) matches the IPv4 entries.
 */
export class TrustedSources {
  readonly #list = new BlockList();
  /** The entries as given. */
  readonly entries: readonly string[];

  /**
   * @param entries addresses and `address/prefix` ranges; throws `TypeError`
   *   / `RangeError` (`ERR_INVALID_ARG_*`) naming the entry that is not one
   */
  constructor(entries: readonly string[] = DEFAULT_TRUSTED_SOURCES) {
    if (!Array.isArray(entries)) throw invalidArgType("trustedSources", "an array of addresses or CIDR ranges", entries);
    entries.forEach((entry, index) => this.#add(entry, `trustedSources[${index}]`));
    this.entries = Object.freeze([...entries]);
  }

  #add(entry: unknown, name: string): void {
    if (typeof entry !== "string") throw invalidArgType(name, "a string (an address or CIDR range)", entry);
    const slash = entry.indexOf("/");
    const address = unmapped(slash < 0 ? entry : entry.slice(0, slash));
    const type = isIPv4(address) ? "ipv4" : isIPv6(address) ? "ipv6" : null;
    if (type === null) throw invalidArgValue(name, "must be an IPv4 or IPv6 address or CIDR range", entry);
    if (slash < 0) {
      this.#list.addAddress(address, type);
      return;
    }
    const prefixText = entry.slice(slash + 1);
    const prefix = Number(prefixText);
    const max = type === "ipv4" ? 32 : 128;
    if (!/^\d{1,3}$/.test(prefixText) || prefix > max) throw invalidArgValue(name, `must have a prefix length 0..${max}`, entry);
    this.#list.addSubnet(address, prefix, type);
  }

  /** Whether `address` (as a socket reports it) is trusted; false for undefined. */
  has(address: string | undefined): boolean {
    if (address === undefined) return false;
    const plain = unmapped(address);
    if (isIPv4(plain)) return this.#list.check(plain, "ipv4");
    if (isIPv6(plain)) return this.#list.check(plain, "ipv6");
    return false;
  }
}
