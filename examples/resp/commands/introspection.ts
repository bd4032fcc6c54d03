/**
 * Commands about the server: COMMAND (with COUNT, INFO, LIST, DOCS),
 * CONFIG GET (read-only: the settings in force and the few fixed values
 * clients ask for), CONFIG RESETSTAT, and INFO.
 */

import type { Args } from "../args";
import { globMatch } from "../glob";
import { Replies, replies } from "../reply";
import { REDIS_VERSION, type Session } from "../session";
import { helpReply } from "./connection";
import { commandDocs } from "./docs";
import type { Command, CommandSpec, CommandTable } from "./table";

/** Writes one COMMAND INFO entry: name, arity, flags, first key, last key, step, categories, tips, key specs, subcommands. */
function writeCommandInfo(command: Command): void {
  const spec = command.spec;
  const [first, last, step] = spec.keys ?? [0, 0, 0];
  replies.arrayHeader(10);
  replies.bulkText(command.fullName);
  replies.integer(spec.arity);
  replies.arrayHeader(spec.flags.length);
  for (const flag of spec.flags) replies.raw(Buffer.from(`+${flag}\r\n`, "latin1"));
  replies.integer(first);
  replies.integer(last);
  replies.integer(step);
  replies.raw(Replies.EMPTY_ARRAY);
  replies.raw(Replies.EMPTY_ARRAY);
  replies.raw(Replies.EMPTY_ARRAY);
  const subcommands = command.subcommands === null ? [] : [...command.subcommands.values()];
  replies.arrayHeader(subcommands.length);
  for (const sub of subcommands) writeCommandInfo(sub);
}

/** Settings and fixed values CONFIG GET reports, by name. */
function configValues(session: Session): Array<[string, string]> {
  const { settings, port } = session.server;
  return [
    ["proto-max-bulk-len", String(settings.maxBulkLength)],
    ["maxclients", String(settings.maxClients)],
    ["timeout", String(Math.floor(settings.idleTimeout / 1000))],
    ["port", String(port)],
    ["databases", "1"],
    ["save", ""],
    ["appendonly", "no"],
    ["maxmemory", "0"],
    ["maxmemory-policy", "noeviction"],
  ];
}

/** CONFIG GET pattern [pattern ...]: matching names and their values, each once. */
function configGet(session: Session, args: Args): void {
  const found: Array<[string, string]> = [];
  for (const entry of configValues(session)) {
    for (let i = 2; i < args.count; i++) {
      if (globMatch(args.text(i), entry[0], true)) {
        found.push(entry);
        break;
      }
    }
  }
  replies.arrayHeader(found.length * 2);
  for (const [name, value] of found) {
    replies.bulkText(name);
    replies.bulkText(value);
  }
}

/** Bytes as Redis's `bytesToHuman` prints them: `512B`, `1.50K`, `2.00M`. */
export function bytesToHuman(bytes: number): string {
  const units = ["K", "M", "G", "T", "P"];
  if (bytes < 1024) return `${bytes}B`;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(2)}${units[unit]}`;
}

/** The most memory INFO has seen in use (Redis's `used_memory_peak`, sampled when INFO runs). */
let peakMemory = 0;

/** INFO's sections, each a function of the session: the fields `redis-cli --stat`, ioredis and monitoring tools read. */
const INFO_SECTIONS: ReadonlyArray<[name: string, render: (session: Session) => string[]]> = [
  [
    "server",
    (session) => {
      const uptime = Math.floor((Date.now() - session.server.startedAt) / 1000);
      return [
        "# Server",
        `redis_version:${REDIS_VERSION}`,
        "redis_mode:standalone",
        `os:${process.platform} ${process.arch}`,
        `arch_bits:${process.arch.endsWith("64") ? 64 : 32}`,
        `process_id:${process.pid}`,
        `tcp_port:${session.server.port}`,
        `uptime_in_seconds:${uptime}`,
        `uptime_in_days:${Math.floor(uptime / 86400)}`,
        `executable:${process.execPath}`,
      ];
    },
  ],
  [
    "clients",
    (session) => [
      "# Clients",
      `connected_clients:${session.server.sessions.size}`,
      "cluster_connections:0",
      `maxclients:${session.server.settings.maxClients}`,
      "blocked_clients:0",
      "tracking_clients:0",
      "clients_in_timeout_table:0",
    ],
  ],
  [
    "memory",
    () => {
      const memory = process.memoryUsage();
      const used = memory.heapUsed + memory.external;
      peakMemory = Math.max(peakMemory, used);
      return [
        "# Memory",
        `used_memory:${used}`,
        `used_memory_human:${bytesToHuman(used)}`,
        `used_memory_rss:${memory.rss}`,
        `used_memory_rss_human:${bytesToHuman(memory.rss)}`,
        `used_memory_peak:${peakMemory}`,
        `used_memory_peak_human:${bytesToHuman(peakMemory)}`,
        "maxmemory:0",
        "maxmemory_human:0B",
        "maxmemory_policy:noeviction",
      ];
    },
  ],
  ["persistence", () => ["# Persistence", "loading:0", "async_loading:0", "rdb_changes_since_last_save:0", "aof_enabled:0"]],
  [
    "stats",
    (session) => {
      const server = session.server;
      return [
        "# Stats",
        `total_connections_received:${server.connectionsReceived}`,
        `total_commands_processed:${server.commandsProcessed}`,
        `instantaneous_ops_per_sec:${server.opsPerSecond}`,
        `expired_keys:${server.keyspace.expired}`,
        "evicted_keys:0",
        `keyspace_hits:${server.keyspace.hits}`,
        `keyspace_misses:${server.keyspace.misses}`,
      ];
    },
  ],
  ["replication", () => ["# Replication", "role:master", "connected_slaves:0"]],
  [
    "keyspace",
    (session) => {
      const keyspace = session.server.keyspace;
      if (keyspace.size === 0) return ["# Keyspace"];
      return ["# Keyspace", `db0:keys=${keyspace.size},expires=${keyspace.expiring},avg_ttl=${keyspace.averageTtl()}`];
    },
  ],
];

/** INFO [section ...]: `default`, `all` and `everything` give every section; unknown names give nothing. */
function info(session: Session, args: Args): void {
  const wanted = new Set<string>();
  for (let i = 1; i < args.count; i++) wanted.add(args.text(i).toLowerCase());
  const every = wanted.size === 0 || wanted.has("default") || wanted.has("all") || wanted.has("everything");
  const parts: string[] = [];
  for (const [name, render] of INFO_SECTIONS) if (every || wanted.has(name)) parts.push(render(session).join("\r\n"));
  replies.bulkText(parts.length === 0 ? "" : `${parts.join("\r\n\r\n")}\r\n`);
}

const COMMAND_HELP = helpReply("COMMAND", [
  "(no subcommand)",
  "    Return details about all commands.",
  "COUNT",
  "    Return the total number of commands in this server.",
  "LIST",
  "    Return a list of all commands in this server.",
  "INFO [<command-name> ...]",
  "    Return details about the given commands, or all of them.",
  "DOCS [<command-name> ...]",
  "    Return documentary information about the given commands, or all of them.",
]);

const CONFIG_HELP = helpReply("CONFIG", [
  "GET <pattern> [<pattern> ...]",
  "    Return parameters matching the glob-like <pattern>s and their values.",
  "RESETSTAT",
  "    Reset the statistics reported by the INFO command.",
]);

/**
 * The introspection commands. COMMAND needs the table it belongs to,
 * hence a function of it.
 */
export function introspectionCommands(table: () => CommandTable): CommandSpec[] {
  const infoAbout = (args: Args, from: number): void => {
    if (args.count <= from) {
      const all = table().all;
      replies.arrayHeader(all.length);
      for (const command of all) writeCommandInfo(command);
      return;
    }
    replies.arrayHeader(args.count - from);
    for (let i = from; i < args.count; i++) {
      const command = table().find(args.text(i));
      if (command === undefined) replies.nil();
      else writeCommandInfo(command);
    }
  };
  return [
    {
      name: "command",
      arity: -1,
      flags: ["loading", "stale"],
      keys: [0, 0, 0],
      run: (_session, args) => infoAbout(args, 1),
      subcommands: [
        { name: "count", arity: 2, flags: [], run: () => replies.integer(table().all.length) },
        {
          name: "list",
          arity: -2,
          flags: [],
          run: () => {
            const all = table().all;
            replies.arrayHeader(all.length);
            for (const command of all) replies.bulkText(command.fullName);
          },
        },
        { name: "info", arity: -2, flags: [], run: (_session, args) => infoAbout(args, 2) },
        { name: "docs", arity: -2, flags: [], run: (_session, args) => commandDocs(table(), args) },
        { name: "help", arity: 2, flags: [], run: () => replies.raw(COMMAND_HELP) },
      ],
    },
    {
      name: "config",
      arity: -2,
      flags: [],
      keys: [0, 0, 0],
      subcommands: [
        { name: "get", arity: -3, flags: [], run: configGet },
        {
          name: "resetstat",
          arity: 2,
          flags: [],
          run: (session) => {
            session.server.resetStats();
            replies.raw(Replies.OK);
          },
        },
        { name: "help", arity: 2, flags: [], run: () => replies.raw(CONFIG_HELP) },
      ],
    },
    { name: "info", arity: -1, flags: ["loading", "stale"], keys: [0, 0, 0], run: info },
  ];
}
