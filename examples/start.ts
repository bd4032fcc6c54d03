/**
 * `npm start`: starts every example server. `npm run example -- <name>
 * [--port N] [--host H] [--maildir DIR]`: starts one. Each prints
 * `listening <name> <host>:<port>`; SIGINT/SIGTERM close them gracefully.
 */

import { type Example, type RunningExample, examples } from "./registry";

interface Plan {
  example: Example;
  port: number;
  host: string;
  flags: Record<string, string>;
}

function usage(): never {
  const names = examples.map((e) => e.name).join("|");
  process.stderr.write(`usage: npm run example -- <${names}> [--port N] [--host H] [--maildir DIR]\n`);
  process.exit(2);
}

function parse(argv: string[]): Plan[] {
  const only = argv[0] === "--only";
  const args = only ? argv.slice(1) : argv;
  const flags: Record<string, string> = {};
  let name: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg.startsWith("--")) {
      const value = args[i + 1];
      if (value === undefined) usage();
      flags[arg.slice(2)] = value;
      i++;
    } else if (name === undefined) name = arg;
    else usage();
  }
  const host = flags.host ?? "127.0.0.1";
  if (only) {
    const example = examples.find((e) => e.name === name);
    if (example === undefined) usage();
    const port = flags.port === undefined ? example.defaultPort : Number(flags.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) usage();
    return [{ example, port, host, flags }];
  }
  const chosen = examples.filter((e) => e.inStart);
  return (chosen.length > 0 ? chosen : examples).map((example) => ({ example, port: example.defaultPort, host, flags }));
}

async function main(): Promise<void> {
  const plans = parse(process.argv.slice(2));
  const running: RunningExample[] = [];
  for (const { example, port, host, flags } of plans) {
    const server = await example.start({ port, host, flags });
    running.push(server);
    const address = server.address;
    const actualPort = address?.port ?? port;
    process.stdout.write(`listening ${example.name} ${host}:${actualPort}\n`);
    process.stdout.write(`  try: ${example.hint(host, actualPort)}\n`);
  }
  let stopping = false;
  const stop = (): void => {
    if (stopping) process.exit(1);
    stopping = true;
    process.stdout.write("closing gracefully...\n");
    void Promise.all(running.map((r) => r.close())).then(() => process.exit(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
