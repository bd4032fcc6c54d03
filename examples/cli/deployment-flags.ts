/**
 * The deployment flags: `--workers N|auto`, `--proxy-protocol` and
 * `--proxy-from CIDR...`, read into the options every example's `start`
 * gets (`workers`, `deployment`).
 */

import { TrustedSources, parseWorkerCount } from "@asynchat/core";
import type { ExampleOptions } from "../registry";
import { FlagError } from "./flag-error";
import type { FlagValues } from "./flag-table";

/** `workers` and `deployment` from the flags given; a FlagError naming the flag for a bad value. */
export function deploymentFor(who: string, values: FlagValues): Pick<ExampleOptions, "workers" | "deployment"> {
  const result: Pick<ExampleOptions, "workers" | "deployment"> = {};
  const workers = values.flags.workers;
  if (workers !== undefined) {
    try {
      result.workers = parseWorkerCount(workers, "--workers");
    } catch {
      throw new FlagError(`${who}: --workers takes a whole number >= 1 or auto, got ${JSON.stringify(workers)}`);
    }
  }
  const from = values.lists["proxy-from"];
  if (!values.switches.has("proxy-protocol")) {
    if (from !== undefined) throw new FlagError(`${who}: --proxy-from names the balancers trusted to send a PROXY header, so it needs --proxy-protocol`);
    return result;
  }
  if (from !== undefined) {
    for (const entry of from) {
      try {
        new TrustedSources([entry]);
      } catch {
        throw new FlagError(`${who}: --proxy-from takes an IPv4 or IPv6 address or CIDR range (10.0.0.0/8, 2001:db8::/32), got ${JSON.stringify(entry)}`);
      }
    }
  }
  result.deployment = { proxyProtocol: from === undefined ? true : { trustedSources: from } };
  return result;
}
