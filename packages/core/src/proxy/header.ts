/**
 * What a PROXY protocol header says about a connection (HAProxy's
 * specification, versions 1 and 2).
 */

/** One end of a proxied connection: an IP address and a TCP port. */
export interface ProxyEndpoint {
  /** The address, as Node writes it: dotted quad for IPv4, compressed lower-case text for IPv6. */
  readonly address: string;
  /** The TCP port, 0..65535. */
  readonly port: number;
  /** `"IPv4"` or `"IPv6"`, as `net.Socket.remoteFamily`. */
  readonly family: "IPv4" | "IPv6";
}

/** A type-length-value extension of a version 2 header (skipped by the server, kept for the curious). */
export interface ProxyTlv {
  /** The type byte (e.g. 0x02 `PP2_TYPE_AUTHORITY`, 0x05 `PP2_TYPE_UNIQUE_ID`). */
  readonly type: number;
  /** The value bytes (a copy). */
  readonly value: Buffer;
}

/**
 * A parsed PROXY protocol header.
 *
 * `source` and `destination` are null when the header does not name the
 * client: a v1 `UNKNOWN` line, a v2 `LOCAL` command (the balancer's own
 * connection, e.g. a health check), a v2 `AF_UNSPEC` or `AF_UNIX` address.
 * The specification says to use the connection's real endpoints then.
 */
export interface ProxyHeader {
  /** 1 (text) or 2 (binary). */
  readonly version: 1 | 2;
  /** `"PROXY"`: relayed for a client; `"LOCAL"` (v2 only): made by the balancer itself. */
  readonly command: "PROXY" | "LOCAL";
  /** The client's end, or null (see above). */
  readonly source: ProxyEndpoint | null;
  /** The end the client connected to (the balancer's listener), or null. */
  readonly destination: ProxyEndpoint | null;
  /** Version 2 extensions, in order; always empty for version 1. */
  readonly tlvs: readonly ProxyTlv[];
  /** Bytes the header took on the wire. */
  readonly length: number;
}
