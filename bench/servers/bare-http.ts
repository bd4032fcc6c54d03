/**
 * The ceiling of the HTTP row: a bare `node:net` server that answers every
 * request head in a read (each `\r\n\r\n`) with the same bytes as the HTTP
 * example's `GET /`, and parses nothing else (no request line, no fields,
 * no channel, no timers). Under `wrk` (one request per read, no bodies) it
 * shows what Node itself costs per keep-alive request: no server whose
 * input goes through `net.Socket` can spend less.
 *
 *   node bench/dist/servers/bare-http.js PORT
 */

import * as net from "node:net";

const HEAD_END = Buffer.from("\r\n\r\n", "latin1");

/** The example's hello-world response, rebuilt when the second (and so the Date) changes. */
let date = "";
let response = Buffer.alloc(0);
function current(): Buffer {
  const now = new Date().toUTCString();
  if (now !== date) {
    date = now;
    response = Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 13\r\nDate: ${date}\r\n\r\nHello, World!`, "latin1");
  }
  return response;
}
current();
// Refreshed by a timer rather than per request, as the example and node:http cache theirs.
setInterval(current, 250).unref();

const port = Number(process.argv[2] ?? 0);
const server = net.createServer((socket) => {
  socket.setNoDelay(true);
  socket.on("data", (data: Buffer) => {
    let heads = 0;
    for (let at = data.indexOf(HEAD_END); at >= 0; at = data.indexOf(HEAD_END, at + 4)) heads++;
    if (heads === 1) socket.write(response);
    else if (heads > 1) socket.write(Buffer.concat(new Array<Buffer>(heads).fill(response)));
  });
  socket.on("error", () => socket.destroy());
});
server.listen(port, "127.0.0.1", () => {
  process.stdout.write(`listening bare-http 127.0.0.1:${(server.address() as net.AddressInfo).port}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
