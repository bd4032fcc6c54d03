/**
 * How an example server is deployed, as opposed to what it serves: options
 * every example hands to its `ChatServer` unchanged (the PROXY protocol
 * behind a load balancer). The command line fills them from
 * `--proxy-protocol` and `--proxy-from`.
 */

import type { ChatServerOptions } from "@asynchat/core";

/** The `ChatServer` options an example takes from its deployment. */
export type DeploymentOptions = Pick<ChatServerOptions, "proxyProtocol">;
