/**
 * RESP soak: 10,000 concurrent connections held open, then 1,000,000
 * pipelined commands over 200 of them with every reply checked, then
 * everything closed; memory of the server before, during and after.
 */

import * as net from "node:net";
import { type HeapGrowth, heapGrowth, mb, printReport, startSoakServer } from "./child";

/** Figures of the RESP soak. */
export interface RespSoakResult extends HeapGrowth {
  connectionsHeld: number;
  commands: number;
  commandsPerSecond: number;
  wrongReplies: number;
  peakRss: number;
  rssPerIdleConnection: number;
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => resolve(socket));
    socket.once("error", reject);
  });
}

/** Splits a stream of simple RESP replies (+, -, :, $) into whole replies. */
class ReplySplitter {
  #buffer = "";

  push(data: string): string[] {
    this.#buffer += data;
    const replies: string[] = [];
    let at = 0;
    for (;;) {
      const eol = this.#buffer.indexOf("\r\n", at);
      if (eol < 0) break;
      let end = eol + 2;
      if (this.#buffer[at] === "$") {
        const length = Number(this.#buffer.slice(at + 1, eol));
        if (length >= 0) {
          end = eol + 2 + length + 2;
          if (end > this.#buffer.length) break;
        }
      }
      replies.push(this.#buffer.slice(at, end));
      at = end;
    }
    this.#buffer = this.#buffer.slice(at);
    return replies;
  }
}

/** Empties the server's keyspace. */
function flushAll(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    socket.once("data", () => resolve());
    socket.write("FLUSHALL\r\n");
  });
}

/** Sends `batches` batches of `depth` pipelined commands on `socket`, checking each reply. */
async function drive(socket: net.Socket, id: number, batches: number, depth: number): Promise<{ commands: number; wrong: number }> {
  const splitter = new ReplySplitter();
  let counter = 0;
  let wrong = 0;
  let commands = 0;
  socket.setEncoding("latin1");
  for (let b = 0; b < batches; b++) {
    let request = "";
    const expected: string[] = [];
    for (let i = 0; i < depth; i++) {
      const n = b * depth + i;
      const key = `soak:${id}:${n % 64}`;
      const value = `v${n}`;
      switch (n % 3) {
        case 0:
          request += `*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$${value.length}\r\n${value}\r\n`;
          expected.push("+OK\r\n");
          break;
        case 1: {
          // The SET just before this GET wrote key n-1's value under key (n-1) % 64.
          const previous = `soak:${id}:${(n - 1) % 64}`;
          request += `*2\r\n$3\r\nGET\r\n$${previous.length}\r\n${previous}\r\n`;
          expected.push(`$${`v${n - 1}`.length}\r\nv${n - 1}\r\n`);
          break;
        }
        default:
          request += `INCR soak:counter:${id}\r\n`;
          expected.push(`:${++counter}\r\n`);
      }
    }
    const replies: string[] = [];
    const done = new Promise<void>((resolve) => {
      const onData = (data: string): void => {
        replies.push(...splitter.push(data));
        if (replies.length >= expected.length) {
          socket.off("data", onData);
          resolve();
        }
      };
      socket.on("data", onData);
    });
    socket.write(request);
    await done;
    for (let i = 0; i < expected.length; i++) if (replies[i] !== expected[i]) wrong++;
    commands += expected.length;
  }
  return { commands, wrong };
}

/** Sends an inline PING; resolves with whether `+PONG` came back. */
function ping(socket: net.Socket): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    socket.once("data", (data: Buffer) => resolve(data.toString() === "+PONG\r\n"));
    socket.write("PING\r\n");
  });
}

/** Runs the RESP soak and prints its figures. */
export async function respSoak(connections: number, busy: number, totalCommands: number): Promise<RespSoakResult> {
  const server = await startSoakServer("resp", ["--max-clients", String(connections + 100), "--timeout", "0"]);
  try {
    // Warm up first with a smaller run of every step below (500 connections with PINGs, 400,000 commands
    // over the same number of busy connections, FLUSHALL, ends), so that "before" is a server whose code
    // is compiled and caches filled: what grows after is what the full run left behind.
    const warm = await Promise.all(Array.from({ length: Math.max(500, busy) }, () => connect(server.port)));
    await Promise.all(warm.map((socket) => ping(socket)));
    await Promise.all(warm.slice(0, busy).map((socket, id) => drive(socket, id, 20, 100)));
    await flushAll(warm[0]!);
    await Promise.all(warm.map((socket) => new Promise<void>((resolve) => socket.end(() => resolve()))));
    for (const socket of warm) socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const before = await server.stats();
    const sockets: net.Socket[] = [];
    for (let i = 0; i < connections; i += 500) {
      const batch = await Promise.all(Array.from({ length: Math.min(500, connections - i) }, () => connect(server.port)));
      sockets.push(...batch);
    }
    // Every connection is really served: one PING each.
    const pongs = (await Promise.all(sockets.map((socket) => ping(socket)))).filter(Boolean).length;
    const held = await server.stats();
    const depth = 100;
    const batches = Math.ceil(totalCommands / busy / depth);
    const started = process.hrtime.bigint();
    const outcomes = await Promise.all(sockets.slice(0, busy).map((socket, id) => drive(socket, id, batches, depth)));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const commands = outcomes.reduce((n, o) => n + o.commands, 0);
    const wrong = outcomes.reduce((n, o) => n + o.wrong, 0);
    // Drop the data, close everything, then look at the heap again.
    await flushAll(sockets[0]!);
    await Promise.all(sockets.map((socket) => new Promise<void>((resolve) => socket.end(() => resolve()))));
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const after = await server.stats();
    const result: RespSoakResult = {
      connectionsHeld: pongs,
      commands,
      commandsPerSecond: commands / seconds,
      wrongReplies: wrong,
      peakRss: after.peakRss,
      rssPerIdleConnection: (held.rss - before.rss) / connections,
      ...heapGrowth(before, after),
    };
    printReport(
      [
        "RESP soak",
        `  connections held         ${result.connectionsHeld} of ${connections} (each answered PING)`,
        `  pipelined commands       ${commands} over ${busy} connections, depth ${depth}`,
        `  commands/s               ${Math.round(result.commandsPerSecond)}`,
        `  wrong replies            ${wrong}${wrong === 0 ? "" : "  <-- MUST BE 0"}`,
        `  RSS per idle connection  ${(result.rssPerIdleConnection / 1024).toFixed(1)} KB`,
      ],
      result,
    );
    return result;
  } finally {
    await server.stop();
  }
}
