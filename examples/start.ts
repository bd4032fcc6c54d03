/**
 * `npm start [-- flags]`: starts every example server. `npm run example --
 * <name> [flags]`: starts one. `--help` lists the flags of each (from the
 * tables in cli/common-flags.ts and each example's flags.ts); a mistake on
 * the command line is reported, naming the flag, with exit status 2. Each
 * server prints `listening <name> <host>:<port>`; SIGINT/SIGTERM close them
 * gracefully.
 */

import { serveCluster } from "@asynchat/core";
import { FlagError } from "./cli/flag-error";
import { type Command, type Plan, parseCommandLine } from "./cli/parse-command-line";
import { type RunningExample, examples } from "./registry";

function commandLine(): Command {
  try {
    return parseCommandLine(process.argv.slice(2), examples);
  } catch (error) {
    if (!(error instanceof FlagError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
}

async function main(): Promise<void> {
  const command = commandLine();
  if (command.kind === "help") {
    // `--help | head` closes the pipe early: that is not an error.
    process.stdout.on("error", (error: NodeJS.ErrnoException) => process.exit(error.code === "EPIPE" ? 0 : 1));
    process.stdout.write(command.text);
    return;
  }
  const single = command.plans.length === 1 ? command.plans[0]! : null;
  if (single !== null && (single.options.workers ?? 1) > 1) {
    await startWorkers(single);
    return;
  }
  const running: RunningExample[] = [];
  for (const { example, options } of command.plans) {
    const server = await example.start(options);
    running.push(server);
    const port = server.address?.port ?? options.port;
    process.stdout.write(`listening ${example.name} ${options.host}:${port}\n`);
    process.stdout.write(`  try: ${example.hint(options.host, port)}\n`);
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

/**
 * `--workers N` (N > 1): this process is the cluster's primary, supervising
 * N workers that each run the example on the shared port; the workers run
 * this same script and land here too, as workers. The primary prints the
 * usual `listening` line once every worker listens.
 */
async function startWorkers({ example, options }: Plan): Promise<void> {
  const primary = await serveCluster({ workers: options.workers!, start: () => example.start(options) });
  if (primary === null) return;
  primary.on("workerExit", (pid, code, signal, expected) => {
    if (!expected) process.stderr.write(`worker ${pid} died (${signal ?? `exit ${code}`}); starting another\n`);
  });
  primary.on("error", (error) => process.stderr.write(`${error.message}\n`));
  process.stdout.write(`listening ${example.name} ${options.host}:${primary.port}\n`);
  process.stdout.write(`  ${options.workers} workers (pids ${primary.pids.join(", ")}); SIGHUP restarts them one by one\n`);
  process.stdout.write(`  try: ${example.hint(options.host, primary.port)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(error instanceof FlagError ? 2 : 1);
});
