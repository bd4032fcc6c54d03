/**
 * The client at the other end of a channel's socket: the socket's own peer,
 * or the client a PROXY protocol header named for it.
 */

import type { Duplex } from "node:stream";
import type { ProxyEndpoint } from "../proxy/header";

/** An address and port. */
export interface RemotePeer {
  readonly address: string;
  readonly port: number;
}

const proxied = new WeakMap<Duplex, ProxyEndpoint>();

/** Records that `socket` carries a connection relayed for `client` (from its PROXY header). */
export function setProxiedPeer(socket: Duplex, client: ProxyEndpoint): void {
  proxied.set(socket, client);
}

/** The client a PROXY header named for `socket`, if any. */
export function proxiedPeerOf(socket: Duplex): ProxyEndpoint | undefined {
  return proxied.get(socket);
}

/**
 * The peer of `socket`: the PROXY header's client if there was one, else
 * the socket's `remoteAddress`/`remotePort` (a `net.Socket` or
 * `tls.TLSSocket`); undefined for a socket without them (an in-memory
 * pair) or not yet connected.
 */
export function remotePeerOf(socket: Duplex): RemotePeer | undefined {
  const client = proxied.get(socket);
  if (client !== undefined) return client;
  const { remoteAddress, remotePort } = socket as Duplex & { remoteAddress?: string; remotePort?: number };
  return typeof remoteAddress === "string" && typeof remotePort === "number" ? { address: remoteAddress, port: remotePort } : undefined;
}
