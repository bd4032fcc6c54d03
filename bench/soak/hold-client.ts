/**
 * One load process of the many-connections soak (`hold.ts`): opens its
 * share of the connections from one loopback source address (so that all
 * of them together are not bound by one address's ephemeral ports),
 * registers each (IRC: NICK and USER, until 001), then on request has every
 * connection answer a PING, then closes them all. Driven over IPC:
 *
 *   { open: { port, source, count, protocol, prefix } } → { opened, failed, errors, ms }
 *   "ping" → { answered, ms }       "close" → { closed, ms }
 */

import * as net from "node:net";

/** What the runner asks this process to open. */
export interface OpenRequest {
  port: number;
  /** The loopback address the connections come from (127.0.0.2, 127.0.0.3, …). */
  source: string;
  count: number;
  protocol: "resp" | "irc";
  /** Makes IRC nicknames unique across the load processes. */
  prefix: string;
}

/** Connections opened at once; the next wave starts when one has settled. */
const WAVE = 500;
/** How long one step may take before it is reported as it stands. */
const STEP_TIMEOUT = 300_000;

const sockets: net.Socket[] = [];

/** Resolves when `socket` has received text for which `done` holds, or after the step's time, with whether it did. */
function until(socket: net.Socket, done: (text: string) => boolean, deadline: number): Promise<boolean> {
  return new Promise((resolve) => {
    let text = "";
    const timer = setTimeout(() => finish(false), Math.max(0, deadline - Date.now()));
    const onData = (data: Buffer): void => {
      // Only the recent text matters, so a chatty server cannot grow this.
      text = (text + data.toString("latin1")).slice(-4096);
      if (done(text)) finish(true);
    };
    const onClose = (): void => finish(false);
    function finish(ok: boolean): void {
      clearTimeout(timer);
      socket.off("data", onData);
      socket.off("close", onClose);
      resolve(ok);
    }
    socket.on("data", onData);
    socket.once("close", onClose);
  });
}

/**
 * The first local port a load process binds its connections to. The ports
 * are chosen here, not by the kernel: `connect` from a given source address
 * makes the kernel bind a free port first, and that search grows with every
 * port already taken (opening 8,000 took 3.7× as long as with ports given).
 * Below the usual ephemeral range (32768–60999), so that these ports do not
 * meet the kernel's own choices.
 */
const FIRST_PORT = 10_000;
/** Ports skipped because something else holds them, at most, before the run gives up. */
const MAX_PORTS_TAKEN = 1000;

/** What went wrong, by error code, so that a failed open is never silent. */
const errors = new Map<string, number>();
let nextPort = FIRST_PORT;
let portsTaken = 0;

function note(code: string): void {
  errors.set(code, (errors.get(code) ?? 0) + 1);
}

/** Connects from the next free port of `request.source`; registers (IRC). Resolves null, its cause noted, on failure. */
function openOne(request: OpenRequest, index: number, deadline: number): Promise<net.Socket | null> {
  return new Promise((resolve) => {
    const socket = net.connect({ port: request.port, host: "127.0.0.1", localAddress: request.source, localPort: nextPort++ });
    socket.setNoDelay(true);
    let connected = false;
    socket.on("error", (error: NodeJS.ErrnoException) => {
      if (connected) return;
      if (error.code === "EADDRINUSE" && ++portsTaken <= MAX_PORTS_TAKEN && nextPort <= 65535) {
        // Another program holds this port (a listener on 0.0.0.0, say): take the next.
        void openOne(request, index, deadline).then(resolve);
        return;
      }
      note(error.code ?? error.message);
      resolve(null);
    });
    socket.once("connect", () => {
      connected = true;
      if (request.protocol === "resp") {
        resolve(socket);
        return;
      }
      const nick = `${request.prefix}${index.toString(36)}`;
      socket.write(`NICK ${nick}\r\nUSER ${nick} 0 * :soak\r\n`);
      void until(socket, (text) => / 001 /.test(text), deadline).then((ok) => {
        if (!ok) {
          note("no 001");
          socket.destroy();
        }
        resolve(ok ? socket : null);
      });
    });
  });
}

async function open(request: OpenRequest): Promise<{ opened: number; failed: number; errors: Record<string, number>; ms: number }> {
  const started = Date.now();
  const deadline = started + STEP_TIMEOUT;
  const heldBefore = sockets.length;
  errors.clear();
  let failed = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < request.count && Date.now() < deadline) {
      const socket = await openOne(request, next++, deadline);
      if (socket === null) failed++;
      else sockets.push(socket);
    }
  };
  await Promise.all(Array.from({ length: Math.min(WAVE, request.count) }, worker));
  if (next < request.count) errors.set("not tried in time", request.count - next);
  return { opened: sockets.length - heldBefore, failed: failed + (request.count - next), errors: Object.fromEntries(errors), ms: Date.now() - started };
}

async function pingAll(protocol: "resp" | "irc"): Promise<{ answered: number; ms: number }> {
  const started = Date.now();
  const deadline = started + STEP_TIMEOUT;
  const answers = await Promise.all(
    sockets.map((socket, i) => {
      const answered = until(socket, protocol === "resp" ? (text) => text.endsWith("+PONG\r\n") : (text) => text.includes(` PONG `) && text.includes(`:t${i}\r\n`), deadline);
      socket.write(protocol === "resp" ? "PING\r\n" : `PING :t${i}\r\n`);
      return answered;
    }),
  );
  return { answered: answers.filter(Boolean).length, ms: Date.now() - started };
}

async function closeAll(): Promise<{ closed: number; ms: number }> {
  const started = Date.now();
  const closed = await Promise.all(
    sockets.map(
      (socket) =>
        new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => {
            socket.destroy();
            resolve(false);
          }, STEP_TIMEOUT);
          socket.once("close", () => {
            clearTimeout(timer);
            resolve(true);
          });
          socket.end();
        }),
    ),
  );
  // Closed sockets would never answer the next run's PING: forget them.
  sockets.length = 0;
  return { closed: closed.filter(Boolean).length, ms: Date.now() - started };
}

let protocol: "resp" | "irc" = "resp";
process.on("message", (message: { open: OpenRequest } | "ping" | "close") => {
  if (message === "ping") void pingAll(protocol).then((result) => process.send!(result));
  else if (message === "close") void closeAll().then((result) => process.send!(result));
  else {
    protocol = message.open.protocol;
    void open(message.open).then((result) => process.send!(result));
  }
});
process.on("disconnect", () => process.exit(0));
