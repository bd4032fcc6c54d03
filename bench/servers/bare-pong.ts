/**
 * The floor for connection churn: a bare `node:net` server that answers
 * every RESP `PING` with `+PONG` (anything else with an error) (no framing library, no
 * channel, no state), so that `redis-benchmark -k 0` against it measures
 * what Node itself costs per connection.
 *
 *   node bench/dist/servers/bare-pong.js PORT
 */

import * as net from "node:net";

const PONG = Buffer.from("+PONG\r\n", "latin1");
/** What redis-benchmark's start-up `CONFIG GET save` / `appendonly` get: it then carries on without them. */
const REFUSED = Buffer.from("-ERR unknown command\r\n", "latin1");

const port = Number(process.argv[2] ?? 0);
const server = net.createServer((socket) => {
  socket.setNoDelay(true);
  socket.on("data", (data: Buffer) => {
    // One reply per multibulk request in the read (`*` at the start of a line; at -P 1 a request never spans reads):
    // +PONG for a PING, an error for anything else.
    for (let at = data.indexOf(42); at >= 0; at = data.indexOf("\r\n*", at + 1)) {
      const start = data[at] === 42 ? at : at + 2;
      socket.write(data.indexOf("PING", start) === start + 8 ? PONG : REFUSED);
      if (data[at] !== 42) at += 2;
    }
  });
  socket.on("error", () => socket.destroy());
});
server.listen(port, "127.0.0.1", () => {
  process.stdout.write(`listening bare-pong 127.0.0.1:${(server.address() as net.AddressInfo).port}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
