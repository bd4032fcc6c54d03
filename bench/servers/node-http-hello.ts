/**
 * The node:http hello-world server the HTTP example is compared with:
 * `node bench/dist/servers/node-http-hello.js <port>`. Same body and
 * headers as the example's `GET /`.
 */

import * as http from "node:http";

const port = Number(process.argv[2] ?? 0);
const body = "Hello, World!";

const server = http.createServer((_request, response) => {
  response.writeHead(200, { "Content-Type": "text/plain; charset=utf-8", "Content-Length": Buffer.byteLength(body) });
  response.end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(port, "127.0.0.1", () => {
  const address = server.address();
  process.stdout.write(`listening node-http 127.0.0.1:${typeof address === "object" && address ? address.port : port}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
