/**
 * A redis-server for the network tests that can be stopped and started
 * again on the same port (a Redis restart): the shared one of test-support.
 */

export { RedisServer as RedisProcess } from "../../../test-support/redis-server";
